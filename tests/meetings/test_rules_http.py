"""Meeting rules over HTTP (fake connector, both backends): a rule is understood whole and
shown back in the reader's language, or refused naming the words that were not understood
(issue 17, "Rules never lose words")."""

from __future__ import annotations

import json
from typing import Any
from zoneinfo import ZoneInfo

from sqlmodel import col, select

from storage.meeting_models import MeetingOccurrence, MeetingSeries
from tests.support.harness import BotHarness, add_units
from tests.teams import Channel, TeamsUser, new_channel

COUNTY = {"Regionens samverkansråd": None, "Östersund": "Regionens samverkansråd"}
SARA = TeamsUser(name="Sara Samordnare", upn="sara@example.se")
NILS = TeamsUser(name="Nils Sjuksköterska", upn="nils@example.se")
SE = ZoneInfo("Europe/Stockholm")


async def _say(h: BotHarness, channel: Channel, who: TeamsUser, text: str, expect: str) -> str:
    before = len(h.connector.posted)
    await h.post(h.teams.channel_message(channel, who, text))
    posted = await h.connector.wait_for(
        lambda p: (
            h.connector.posted.index(p) >= before
            and expect in json.dumps(p.activity, ensure_ascii=False)
        )
    )
    return json.dumps(posted.activity, ensure_ascii=False)


async def _bound(h: BotHarness) -> Channel:
    await add_units(h.db, COUNTY)
    channel = new_channel()
    await _say(h, channel, SARA, "setup Östersund", "Klart")
    return channel


async def _series(h: BotHarness) -> list[MeetingSeries]:
    async with h.db.session() as s:
        return list((await s.execute(select(MeetingSeries))).scalars().all())


async def _days(h: BotHarness) -> list[Any]:
    async with h.db.session() as s:
        rows = await s.execute(select(MeetingOccurrence).order_by(col(MeetingOccurrence.starts_at)))
        return [o.starts_at.astimezone(SE) for o in rows.scalars().all()]


async def test_a_word_not_understood_is_named_and_nothing_is_saved(harness: BotHarness) -> None:
    h = harness
    channel = await _bound(h)
    reply = await _say(h, channel, SARA, "möte ny varje tisdag utom jul 13–15", "förstod inte")
    assert '\\"utom\\", \\"jul\\"' in reply  # the words, as typed
    assert "`första och tredje tisdagen varje månad 13–15`" in reply  # an example that works
    assert await _series(h) == []
    await _say(h, channel, NILS, "language en", "English")
    reply = await _say(h, channel, NILS, "meeting new every tuesday at noon", "understand")
    assert '\\"noon\\"' in reply and "`every other thursday 9-10`" in reply
    assert await _series(h) == []


async def test_several_ordinals_are_kept_and_shown_in_each_readers_language(
    harness: BotHarness,
) -> None:
    h = harness
    channel = await _bound(h)
    created = await _say(
        h, channel, SARA, "möte ny första och tredje tisdagen varje månad 13–15", "Klart"
    )
    assert "första och tredje tisdagen varje månad kl. 13.00–15.00" in created
    [series] = await _series(h)
    assert "RRULE:FREQ=MONTHLY;BYDAY=1TU,3TU" in series.rrule
    assert series.rrule.startswith("DTSTART;TZID=Europe/Stockholm:")
    days = await _days(h)
    assert [d.weekday() for d in days] == [1, 1] and (days[1] - days[0]).days in (14, 21)
    assert all(d.day <= 7 or 15 <= d.day <= 21 for d in days)
    # The card shows the parsed rule, in the language of whoever reads it.
    await _say(h, channel, NILS, "language en", "English")
    shown = await _say(h, channel, NILS, "meeting", "Recurs")
    assert "the first and third Tuesday of every month, 13:00–15:00" in shown


async def test_the_last_sunday_of_march_is_a_yearly_series(harness: BotHarness) -> None:
    h = harness
    channel = await _bound(h)
    created = await _say(h, channel, SARA, "möte ny sista söndagen i mars 10–12", "Klart")
    assert "sista söndagen i mars varje år kl. 10.00–12.00" in created
    days = await _days(h)
    assert [(d.month, d.weekday(), d.hour) for d in days] == [(3, 6, 10), (3, 6, 10)]
    assert days[1].year == days[0].year + 1 and days[0].day >= 25
