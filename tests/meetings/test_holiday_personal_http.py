"""The holiday question also goes to the unit's coordinator personally (services/personal.py),
the channel card staying as the record and mentioning them; answered in the personal
chat, the channel's copy is replaced by the answer too. Over HTTP (fake connector)."""

from __future__ import annotations

import json
from typing import Any

from cards.mentions import mentioned_ids
from storage import channels_repo
from storage.meeting_models import MeetingOccurrence
from tests.cardschema import assert_valid_card
from tests.meetings.test_holiday_ask_http import (
    _next_weekday_holiday,
    daily_sync,
    meeting_on,
    weekly_rule_on,
)
from tests.meetings.test_rules_http import COUNTY, NILS, SARA, _say
from tests.people.test_personal_chat_http import _personal_invoke
from tests.support.harness import BotHarness, add_units
from tests.support.items import cards_in, deliver
from tests.teams import TENANT, Channel, TeamsUser, new_channel


async def _series_meeting_on_a_holiday(h: BotHarness) -> tuple[Channel, MeetingOccurrence]:
    """Östersund's channel, bound by Sara, with a weekly series one of whose meetings falls
    on the next weekday holiday: that meeting."""
    channel = new_channel()
    await _say(h, channel, SARA, "setup Östersund", "Klart")
    holiday = _next_weekday_holiday()
    await _say(h, channel, SARA, f"möte ny {weekly_rule_on(holiday)}", "Klart")
    return channel, await meeting_on(h, holiday)


async def test_the_coordinator_is_asked_personally_and_answers_there(harness: BotHarness) -> None:
    h = harness
    await add_units(h.db, COUNTY, [("Östersund", SARA.upn, "coordinator")])
    await h.say(h.teams.personal_install(SARA))
    async with h.db.session() as s:
        await channels_repo.remember_person(
            s, TENANT, SARA.aad_object_id, upn=SARA.upn, display_name=SARA.name
        )
    channel, occ = await _series_meeting_on_a_holiday(h)
    for days in (27, 26):  # the daily sync, twice: still one card each
        await daily_sync(h, occ, days_before=days)
    await deliver(h)

    def asked(cards: list[dict[str, Any]]) -> list[dict[str, Any]]:
        return [c for c in cards if "infaller på" in json.dumps(c, ensure_ascii=False)]

    [in_channel] = asked(cards_in(h, channel))
    assert mentioned_ids(in_channel) == [SARA.aad_object_id]
    personal = [c for p in h.connector.in_conversation(f"a:{SARA.aad_object_id}") for c in p.cards]
    [mine] = asked(personal)
    assert_valid_card(mine)
    move = next(a for a in mine["actions"] if a["data"]["choice"] == "move")

    status, body = await h.post(_personal_invoke(h, SARA, move["verb"], move["data"]))
    assert status == 200 and "flyttade mötet" in json.dumps(body, ensure_ascii=False)
    async with h.db.session() as s:
        moved = await s.get(MeetingOccurrence, occ.id)
        assert moved is not None and moved.holiday_action == "move"
    await deliver(h)
    [now_in_channel] = [
        c for c in cards_in(h, channel) if "flyttade mötet" in json.dumps(c, ensure_ascii=False)
    ]
    assert "actions" not in now_in_channel  # the record shows the answer, no buttons left
    assert all("actions" not in c for c in asked(cards_in(h, channel)))


async def test_a_coordinator_who_chose_english_is_asked_and_told_the_answer_in_english(
    harness: BotHarness,
) -> None:
    """The job writes in the default language (Swedish); Nils chose English: his copy of
    the question, and the answer that replaces it, are in English; Sara's and the channel's
    stay Swedish."""
    h = harness
    await add_units(
        h.db,
        COUNTY,
        [("Östersund", SARA.upn, "coordinator"), ("Östersund", NILS.upn, "coordinator")],
    )
    for who in (SARA, NILS):
        await h.say(h.teams.personal_install(who))
        async with h.db.session() as s:
            await channels_repo.remember_person(
                s, TENANT, who.aad_object_id, upn=who.upn, display_name=who.name
            )
    async with h.db.session() as s:
        await channels_repo.remember_person(s, TENANT, NILS.aad_object_id, language="en")
    channel, occ = await _series_meeting_on_a_holiday(h)
    await daily_sync(h, occ, days_before=27)
    await deliver(h)

    def personal(who: TeamsUser) -> str:
        posted = h.connector.in_conversation(f"a:{who.aad_object_id}")
        return json.dumps([c for p in posted for c in p.cards], ensure_ascii=False)

    assert "falls on" in personal(NILS) and "infaller på" not in personal(NILS)
    assert "Move to" in personal(NILS)
    assert "infaller på" in personal(SARA) and "falls on" not in personal(SARA)
    assert any("infaller på" in json.dumps(c, ensure_ascii=False) for c in cards_in(h, channel))

    # Sara answers in Swedish; Nils's copy is replaced by the answer in English.
    posted = [c for p in h.connector.in_conversation(f"a:{SARA.aad_object_id}") for c in p.cards]
    skip = next(a for c in posted for a in c.get("actions", []) if a["data"]["choice"] == "skip")
    status, body = await h.post(_personal_invoke(h, SARA, skip["verb"], skip["data"]))
    assert status == 200 and "ställde in mötet" in json.dumps(body, ensure_ascii=False)
    await deliver(h)
    assert "skipped the meeting" in personal(NILS) and "ställde in" not in personal(NILS)
    assert "ställde in mötet" in personal(SARA)
