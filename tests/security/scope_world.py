"""Two sibling units with their own channels and data, and the people around them, built
over HTTP with JWT on and real roles; for the scope and binding tests.

Rådet is above Östersund (A) and Krokom (B). B's channel holds a meeting series with an
agenda item, an item, an action item and an open pulse.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlmodel import SQLModel, col

from storage.db import Database
from storage.item_models import Item
from storage.meeting_models import ActionItem, AgendaItem
from storage.pulse_models import Pulse
from tests.support.harness import BotHarness, add_units, bearer
from tests.support.items import deliver
from tests.teams import TENANT, Channel, TeamsUser, new_channel

A, B, TOP = "Östersund", "Krokom", "Rådet"
COUNTY = {TOP: None, A: TOP, B: TOP}
A_COORD = TeamsUser(name="Anna Samordnare", upn="anna.samordnare@example.se")
B_COORD = TeamsUser(name="Bertil Samordnare", upn="bertil.samordnare@example.se")
B_STAFF = TeamsUser(name="Berit Personal", upn="berit.personal@example.se")  # no role
OUTSIDER = TeamsUser(name="Olof Utomstående", upn="olof@example.se")  # no role, no channel
TOP_COORD = TeamsUser(name="Rut Region", upn="rut.region@example.se")
TOP_MANAGER = TeamsUser(name="Maja Chef", upn="maja.chef@example.se")
PEOPLE = (A_COORD, B_COORD, B_STAFF, OUTSIDER, TOP_COORD, TOP_MANAGER)
ROLES = [
    (A, A_COORD.upn, "coordinator"),
    (B, B_COORD.upn, "coordinator"),
    (TOP, TOP_COORD.upn, "coordinator"),
    (TOP, TOP_MANAGER.upn, "manager"),
]
MISSING = 999_999  # an id no row has

# What the attacks must leave as it was (people, conversations, channel members and
# schedules may change: who asked, from where, is recorded as for any command).
WATCHED = (
    "items",
    "item_events",
    "item_cards",
    "agenda_items",
    "meeting_decisions",
    "action_items",
    "meeting_occurrences",
    "channel_bindings",
    "digest_subscriptions",
    "pulse_answers",
    "pulse_respondents",
    "pulses",
    "pulse_followups",
    "pulse_templates",
    "outbox",
    "audit_log",
)


@dataclass
class World:
    h: BotHarness
    units: dict[str, int]
    a: Channel
    b: Channel
    item: int
    version: int
    occurrence: int
    agenda_item: int
    action: int
    pulse: str


def all_text(activity: dict[str, Any]) -> str:
    return json.dumps(activity, ensure_ascii=False)


async def say(h: BotHarness, act: dict[str, Any], conversation: str) -> dict[str, Any]:
    """Post a message activity; the bot's first post back in `conversation` after it."""
    before = len(h.connector.posted)
    assert await h.say(act) in (200, 202)
    reply = await h.connector.wait_for(
        lambda p: (
            h.connector.posted.index(p) >= before and p.conversation_id.startswith(conversation)
        )
    )
    return reply.activity


async def press(h: BotHarness, act: dict[str, Any]) -> Any:
    """Post an invoke (Action.Execute); the invoke response's body."""
    status, body = await h.post(act, bearer(h.token or ""))
    assert status == 200, body
    return body


async def said(h: BotHarness, channel: Channel, who: TeamsUser, text: str, expect: str) -> str:
    reply = await say(h, h.teams.channel_message(channel, who, text), channel.conversation_id)
    found = all_text(reply)
    assert expect in found, (text, found)
    return found


def personal(act: dict[str, Any], who: TeamsUser) -> dict[str, Any]:
    """The same activity, sent from `who`'s personal chat with the bot."""
    act["conversation"] = {
        "id": f"a:{who.aad_object_id}",
        "conversationType": "personal",
        "tenantId": TENANT,
    }
    act["channelData"] = {"tenant": {"id": TENANT}}
    return act


def group_chat(act: dict[str, Any], chat_id: str = "19:groupchat-1@thread.v2") -> dict[str, Any]:
    act["conversation"] = {"id": chat_id, "conversationType": "groupChat", "tenantId": TENANT}
    act["channelData"] = {"tenant": {"id": TENANT}}
    return act


def members_event(
    h: BotHarness, channel: Channel, who: TeamsUser, *, added: bool
) -> dict[str, Any]:
    """Teams telling the bot that `who` joined (or left) the channel's team."""
    by = TOP_COORD
    act = h.teams.install_in_team(channel, by) if added else h.teams.remove_from_team(channel, by)
    key = "membersAdded" if added else "membersRemoved"
    act[key] = [{"id": who.channel_id, "aadObjectId": who.aad_object_id}]
    return act


def normalised(value: Any) -> str:
    """A reply with the ids taken out: equal for two ids means the answer tells them apart
    by nothing but the number."""
    return re.sub(r"#\d+", "#N", json.dumps(value, ensure_ascii=False, sort_keys=True))


def message_shape(activity: dict[str, Any]) -> tuple[str, str, int]:
    return (
        str(activity.get("type")),
        normalised(activity.get("text") or ""),
        len(activity.get("attachments") or []),
    )


async def fingerprint(db: Database) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    async with db.read() as s:
        for name in WATCHED:
            table = SQLModel.metadata.tables[name]
            rows = (await s.execute(select(table))).all()
            out[name] = sorted(repr(tuple(r)) for r in rows)
    return out


async def bind(h: BotHarness, unit: str, by: TeamsUser) -> Channel:
    channel = new_channel(f"{unit} samverkan")
    assert await h.say(h.teams.install_in_team(channel, by)) in (200, 202)
    await said(h, channel, by, f"setup {unit}", "Klart")
    return channel


async def build(h: BotHarness, *, bind_a: bool = True) -> World:
    # Many replies to one personal chat in a second: Teams' rate limits are not what these
    # tests are about (tests/delivery/ covers them).
    h.connector.enforce_limits = False
    ids = await add_units(h.db, COUNTY, ROLES)
    for p in PEOPLE:
        h.connector.add_member(p.channel_id, aad_object_id=p.aad_object_id, name=p.name, upn=p.upn)
    a = await bind(h, A, A_COORD) if bind_a else new_channel(f"{A} samverkan")
    b = await bind(h, B, B_COORD)
    if bind_a:  # A meets too, so a decision there could try to lift B's item
        await said(h, a, A_COORD, "möte ny första tisdagen varje månad 9-10", "Samverkansmöte")
    await said(h, b, B_COORD, "möte ny första tisdagen varje månad 13-15", "Samverkansmöte")
    await said(h, b, B_STAFF, "dagordning lägg till Punkt från Krokom", "Punkt 1")
    await said(h, b, B_STAFF, "ärende Hinder i Krokom", "Hinder i Krokom")
    await said(h, b, B_COORD, "åtgärd Ring kommunen", "Ring kommunen")
    before = len(h.connector.posted)
    assert await h.say(h.teams.channel_message(b, B_COORD, "puls start")) in (200, 202)
    await deliver(h)  # the pulse card goes out through the outbox
    posted = await h.connector.wait_for(
        lambda p: h.connector.posted.index(p) >= before and "pulse.answer" in all_text(p.activity)
    )
    pulse_ref = next(
        a["data"]["pulse"] for a in posted.cards[0]["actions"] if a.get("verb") == "pulse.answer"
    )
    async with h.db.read() as s:
        item = (await s.execute(select(Item))).scalar_one()
        agenda_item = (await s.execute(select(AgendaItem))).scalar_one()
        action = (await s.execute(select(ActionItem))).scalar_one()
        pulse = (await s.execute(select(Pulse).where(col(Pulse.ref) == pulse_ref))).scalar_one()
    assert item.id and agenda_item.id and action.id and pulse.unit_id == ids[B]
    return World(
        h=h,
        units=ids,
        a=a,
        b=b,
        item=item.id,
        version=item.version,
        occurrence=agenda_item.occurrence_id,
        agenda_item=agenda_item.id,
        action=action.id,
        pulse=pulse_ref,
    )
