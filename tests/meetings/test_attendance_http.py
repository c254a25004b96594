""" "Jag kommer / Kan inte" on the reminder card (issue 17, "Coming or not"), over HTTP with
real roles (JWT on) and real invoke shapes, both backends: the posted card carries the
buttons and a refresh action; a person's answer comes back as their own view; the
coordinator's refreshed view names who; from a channel not the unit's the meeting
answers like a missing one; the minutes card records attendance."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

from services.meetings import send_minutes
from storage.meeting_models import MeetingOccurrence
from storage.types import utcnow
from tests.fakes.issuer import LocalIssuer
from tests.meetings.test_meetings_http import (
    COORD,
    NILS,
    SE,
    _card,
    _fire,
    _occurrences,
    _outbox,
    _say,
    _setup,
)
from tests.support.harness import BotHarness, bearer
from tests.support.items import invoke_card
from tests.teams import Channel, TeamsUser, new_channel

WEEKDAYS = ("måndag", "tisdag", "onsdag", "torsdag", "fredag", "lördag", "söndag")


async def _invoke(
    h: BotHarness, channel: Channel, who: TeamsUser, verb: str, data: dict[str, Any]
) -> str:
    act = h.teams.invoke_action(channel, who, verb, data)
    status, body = await h.post(act, bearer(h.token or ""))
    assert status == 200
    return json.dumps(invoke_card(body), ensure_ascii=False)


async def test_coming_or_not(secured: tuple[BotHarness, LocalIssuer]) -> None:
    h, _ = secured
    channel = await _setup(h)
    day = utcnow().astimezone(SE).date() + timedelta(days=3)
    await _say(h, channel, COORD, f"möte ny varje {WEEKDAYS[day.weekday()]} 13-15", "Klart")
    occ = (await _occurrences(h))[0]
    assert occ.id is not None
    await _fire(h, f"meeting_reminder:{occ.id}:1")
    posted = _card(await _outbox(h, f"reminder:{occ.id}:1"))
    assert posted["refresh"]["action"]["verb"] == "meeting.attend.view"
    yes, no = [a for a in posted["actions"] if a.get("verb") == "meeting.attend"]
    assert no["title"] == "Kan inte" and no["data"]["coming"] is False
    assert yes["title"] == "Jag kommer" and yes["data"] == {"occurrence_id": occ.id, "coming": True}
    assert "Kommer: 0 · Kan inte: 0" in json.dumps(posted, ensure_ascii=False)

    # Nils answers: his own view, the counts, no names (he is not the coordinator).
    mine = await _invoke(h, channel, NILS, "meeting.attend", yes["data"])
    assert "Du har svarat att du kommer." in mine and "Kommer: 1 · Kan inte: 0" in mine
    assert "Nils Sjuksköterska" not in mine
    # He changes his mind: one answer per person.
    mine = await _invoke(h, channel, NILS, "meeting.attend", {**yes["data"], "coming": False})
    assert "Du har svarat att du inte kan." in mine and "Kommer: 0 · Kan inte: 1" in mine
    await _invoke(h, channel, COORD, "meeting.attend", yes["data"])

    # The coordinator's automatic refresh names who.
    refresh = posted["refresh"]["action"]
    seen = await _invoke(h, channel, COORD, refresh["verb"], refresh["data"])
    assert "Kommer: Sara Samordnare" in seen and "Kan inte: Nils Sjuksköterska" in seen
    assert "Du har svarat att du kommer." in seen
    nils_view = await _invoke(h, channel, NILS, refresh["verb"], refresh["data"])
    assert "Kommer: Sara" not in nils_view and "Kommer: 1 · Kan inte: 1" in nils_view

    # A channel that is not this unit's: answered like a missing meeting.
    other = new_channel()
    status, body = await h.post(
        h.teams.invoke_action(other, NILS, "meeting.attend", yes["data"]), bearer(h.token or "")
    )
    assert status == 200 and "Kommer:" not in json.dumps(body, ensure_ascii=False)

    # The minutes record who said they would come.
    async with h.db.session() as s:
        fresh = await s.get(MeetingOccurrence, occ.id)
        assert fresh is not None
        key = await send_minutes(s, fresh, fresh.ends_at + timedelta(hours=1))
    assert key is not None
    minutes = json.dumps(_card(await _outbox(h, key)), ensure_ascii=False)
    assert "Närvaro" in minutes
    assert "Anmälda: Sara Samordnare. Kunde inte: Nils Sjuksköterska." in minutes
