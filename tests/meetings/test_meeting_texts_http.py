"""What people read on the meeting cards — over HTTP with the fake connector."""

from __future__ import annotations

import json
from typing import Any

from sqlmodel import col, select

from storage.meeting_models import MeetingOccurrence
from storage.models import Unit
from tests.support.harness import BotHarness, add_units
from tests.teams import Channel, TeamsUser, new_channel

COUNTY = {"Regionens samverkansråd": None, "Östersund": "Regionens samverkansråd"}
SARA = TeamsUser(name="Sara Samordnare", upn="sara@example.se")
NILS = TeamsUser(name="Nils Sjuksköterska", upn="nils@example.se")
ORG_SERIES = {"name": "Samverkansmöte", "rule": "first tuesday monthly 13:00-15:00"}


async def _say(h: BotHarness, channel: Channel, who: TeamsUser, text: str, expect: str) -> Any:
    before = len(h.connector.posted)
    await h.post(h.teams.channel_message(channel, who, text))
    return await h.connector.wait_for(
        lambda p: (
            h.connector.posted.index(p) >= before
            and expect in json.dumps(p.activity, ensure_ascii=False)
        )
    )


async def _unit_with_org_series(h: BotHarness) -> Channel:
    ids = await add_units(h.db, COUNTY)
    async with h.db.session() as s:
        unit = await s.get(Unit, ids["Östersund"])
        assert unit is not None
        unit.defaults = {"meetings": [ORG_SERIES]}
    channel = new_channel()
    await _say(h, channel, SARA, "setup Östersund", "Klart")
    return channel


def _texts(card: dict[str, Any]) -> list[dict[str, Any]]:
    return [e for e in card["body"] if e.get("type") == "TextBlock"]


async def test_the_series_card_says_the_org_files_rule_in_swedish(harness: BotHarness) -> None:
    channel = await _unit_with_org_series(harness)
    posted = await _say(harness, channel, NILS, "möte", "Återkommer")
    shown = json.dumps(posted.cards[0], ensure_ascii=False)
    assert "första tisdagen varje månad kl. 13.00–15.00" in shown
    assert "first" not in shown and "monthly" not in shown


async def test_agenda_names_a_proposal_once_and_confirms_in_green(harness: BotHarness) -> None:
    h = harness
    channel = await _unit_with_org_series(h)
    await _say(h, channel, NILS, "dagordning lägg till SIP-uppföljning", "Punkt 1")
    async with h.db.session() as s:
        occ = (
            (await s.execute(select(MeetingOccurrence).order_by(col(MeetingOccurrence.starts_at))))
            .scalars()
            .first()
        )
    assert occ is not None
    status, body = await h.post(
        h.teams.invoke_action(
            channel, NILS, "agenda.add", {"occurrence_id": occ.id, "text": "Goda exempel"}
        )
    )
    assert status == 200
    card = body["value"]
    [line] = [e["text"] for e in _texts(card) if "SIP-uppföljning" in e["text"]]
    assert line.count("föreslagen") == 1 and "föreslagen av Nils Sjuksköterska" in line
    [done] = [e for e in _texts(card) if e["text"].startswith("Punkt 2")]
    assert done.get("color") is None and done.get("weight") == "Bolder"  # not red, readable


async def test_minutes_right_after_a_decision_show_it(harness: BotHarness) -> None:
    """Before the first meeting a decision goes to the next one; `protokoll` finds it."""
    channel = await _unit_with_org_series(harness)
    await _say(harness, channel, SARA, "beslut Vi provar gemensam vårdplanering", "Beslut")
    posted = await _say(harness, channel, SARA, "protokoll", "Vi provar gemensam vårdplanering")
    assert posted.cards and "Inget möte har hållits" not in json.dumps(
        posted.activity, ensure_ascii=False
    )
