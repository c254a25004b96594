"""Pulses delivered 1:1 (org file `pulse.delivery: personal`): the card reaches each
channel member personally, an answer from the personal chat counts once for the unit,
a forwarded card pressed by a non-member is a pulse that does not exist, and channel
delivery is unchanged by default. Over HTTP with the fake connector, SQLite and
PostgreSQL; the job path and the reach rule below it."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select, update
from sqlmodel import col

from core.org import parse_org
from core.pulse_delivery import delivery_of, personal_recipients
from runtime.process import roster_reader
from scheduler import firing
from services import pulse as service
from services.nudges import waiting_for_everyone
from storage import members_repo
from storage.models import Conversation, OutboxMessage, Schedule, Unit
from storage.pulse_models import Pulse, PulseRespondent
from tests.pulse.test_pulse_http import COORDINATOR, COUNTY, _setup_channel, _start, _values
from tests.support.harness import BotHarness, add_units
from tests.support.items import deliver
from tests.support.jobs import job_context
from tests.support.scheduler import unit_with_channel
from tests.teams import BOT_ID, Channel, TeamsUser

ANNA = TeamsUser(name="Anna", upn="anna@example.se")
BO = TeamsUser(name="Bo", upn="bo@example.se")
EVE = TeamsUser(name="Eve Utanför", upn="eve@example.se")  # not in the channel
CID = TeamsUser(name="Cid", upn="cid@example.se")  # on the roster only: never wrote, never added


def _members_added(h: BotHarness, channel: Channel, people: list[TeamsUser]) -> dict[str, Any]:
    act = h.teams.install_in_team(channel, COORDINATOR)
    act["membersAdded"] = [{"id": p.channel_id, "aadObjectId": p.aad_object_id} for p in people]
    return act


def _personal_invoke(h: BotHarness, who: TeamsUser, data: dict[str, Any]) -> dict[str, Any]:
    """A card action in the person's 1:1 chat with the bot."""
    act = h.teams.personal_message(who, "")
    del act["text"]
    act["type"] = "invoke"
    act["name"] = "adaptiveCard/action"
    act["value"] = {
        "action": {"type": "Action.Execute", "verb": data["action"], "data": data},
        "trigger": "manual",
    }
    return act


async def _personal_chats(h: BotHarness) -> dict[str, str]:
    """Object id -> the 1:1 chat the bot has (or opened) with them."""
    async with h.db.session() as s:
        rows = await s.execute(
            select(col(Conversation.user_aad_id), col(Conversation.conversation_id)).where(
                col(Conversation.kind) == "personal"
            )
        )
        return {oid: cid for oid, cid in rows.all() if oid}


def _pulse_cards(h: BotHarness, conversation_id: str) -> list[dict[str, Any]]:
    return [
        c
        for p in h.connector.in_conversation(conversation_id)
        for c in p.cards
        if "pulse.answer" in json.dumps(c)
    ]


async def _respondents(h: BotHarness) -> int:
    async with h.db.session() as s:
        return len((await s.execute(select(PulseRespondent))).scalars().all())


async def _answer_personally(h: BotHarness, who: TeamsUser, ref: str, collab: str) -> str:
    data = {"action": "pulse.answer", "pulse": ref, **_values(collab)}
    status, body = await h.post(_personal_invoke(h, who, data))
    assert status == 200
    return json.dumps(body, ensure_ascii=False)


async def _county_with_personal_pulses(h: BotHarness) -> dict[str, int]:
    """The example county; Östersund's pulses go personally (org file `pulse.delivery`)."""
    units = await add_units(h.db, COUNTY)
    async with h.db.session() as s:
        await s.execute(
            update(Unit)
            .where(col(Unit.id) == units["Östersund"])
            .values(defaults={"pulse": {"delivery": "personal"}})
        )
    return units


async def test_personal_delivery_reaches_members_and_counts_once(harness: BotHarness) -> None:
    h = harness
    await _county_with_personal_pulses(h)
    channel = await _setup_channel(h, "Östersund")
    await h.post(_members_added(h, channel, [ANNA, BO]))
    h.connector.add_member(
        CID.channel_id, aad_object_id=CID.aad_object_id, name=CID.name, upn=CID.upn
    )
    ref, _ = await _start(h, channel)
    await deliver(h)

    chats = await _personal_chats(h)
    for person in (ANNA, BO, CID):  # each member has the card once, in their own chat
        [card] = _pulse_cards(h, chats[person.aad_object_id])
        assert card["actions"][0]["data"]["pulse"] == ref
    assert EVE.aad_object_id not in chats
    sent = len([oid for oid, cid in chats.items() if _pulse_cards(h, cid)])
    told = await h.connector.wait_for(lambda p: "personligen till" in p.text)
    assert f"personligen till {sent} av kanalens medlemmar" in told.text
    assert len(_pulse_cards(h, channel.conversation_id)) == 1  # the channel keeps its card

    # Anna answers in her personal chat: counted for the unit, once.
    assert "Du svarade 4" in await _answer_personally(h, ANNA, ref, "4")
    assert await _respondents(h) == 1
    again = await _answer_personally(h, ANNA, ref, "2")
    assert "kan inte ändras" in again and "Du svarade 2" not in again
    data = {"action": "pulse.answer", "pulse": ref, **_values("1")}
    _, body = await h.post(h.teams.invoke_action(channel, ANNA, "pulse.answer", data))
    assert "kan inte ändras" in json.dumps(body, ensure_ascii=False)  # nor in the channel
    assert await _respondents(h) == 1

    # The one reminder before close (the daily nudge) goes to Bo, who has not answered.
    assert h.settings is not None
    async with h.db.session() as s:
        waiting = await waiting_for_everyone(
            s, datetime.now(UTC).date(), datetime.now(UTC), h.settings.server_secret(),
            everything=True,
        )  # fmt: skip
    closing = {oid for (_, oid), rows in waiting.items() for w in rows if w.kind == "pulse_closing"}
    assert BO.aad_object_id.lower() in closing and ANNA.aad_object_id.lower() not in closing

    # Eve, not in the channel, presses a forwarded card: as if no such pulse existed.
    forwarded = await _answer_personally(h, EVE, ref, "5")
    missing = await _answer_personally(h, EVE, "p-finns-inte", "5")
    assert "Den pulsen finns inte" in forwarded and forwarded == missing
    _, body = await h.post(_personal_invoke(h, EVE, {"action": "pulse.refresh", "pulse": ref}))
    assert "Den pulsen finns inte" in json.dumps(body, ensure_ascii=False)
    assert await _respondents(h) == 1

    # Closing: the results (and the closed card) are the channel's, not the chats'.
    before = {oid: len(h.connector.in_conversation(cid)) for oid, cid in chats.items()}
    await h.post(h.teams.channel_message(channel, COORDINATOR, "puls stäng"))
    await deliver(h)
    after = {oid: len(h.connector.in_conversation(cid)) for oid, cid in chats.items()}
    assert after == before


async def test_channel_delivery_is_unchanged_by_default(harness: BotHarness) -> None:
    h = harness
    await add_units(h.db, COUNTY)
    channel = await _setup_channel(h, "Östersund")
    await h.post(_members_added(h, channel, [ANNA, BO]))
    await _start(h, channel)
    await deliver(h)
    assert not any(path == "/v3/conversations" for _, path in h.connector.requests)
    assert [p for p in h.connector.posted if p.cards and p.conversation_id.startswith("a:")] == []
    assert len(_pulse_cards(h, channel.conversation_id)) == 1


async def test_the_recurring_job_sends_it_personally_within_the_tenant(db: Any) -> None:
    own, other = "tenant", "other-org"
    async with db.session() as s:
        unit = await unit_with_channel(s, "Berg")
        unit.defaults = {"pulse": {"delivery": "personal"}}
        conv = (await s.execute(select(Conversation))).scalars().one()
        conv.reference = {
            **(conv.reference or {}),
            "serviceUrl": "https://smba.example/",
            "bot": {"id": BOT_ID},
        }
        for tenant, person in ((own, ANNA), (own, BO), (other, EVE)):
            await members_repo.record(
                s,
                conversation_id=conv.conversation_id,
                team_id="team",
                tenant_id=tenant,
                aad_object_ids=[person.aad_object_id],
            )
        unit_id = unit.id
    assert unit_id is not None
    monday = datetime(2026, 11, 2, 8, 0, tzinfo=UTC)
    context = job_context(own_tenant=own)
    for _ in range(2):  # a second run (or instance) sends nothing more
        async with db.session() as s:
            opened = await service.open_scheduled(s, unit_id, monday, context)
    async with db.session() as s:
        keys = (await s.execute(select(col(OutboxMessage.idempotency_key)))).scalars().all()
    pulse_ref = next(k.split(":", 1)[1].rsplit(":", 1)[0] for k in keys if k.endswith(":card"))
    personal = sorted(k for k in keys if k.startswith("personal:"))
    assert opened is None  # the second run: one is open already
    assert personal == sorted(
        f"personal:{own}:{p.aad_object_id}:once:pulse:{pulse_ref}" for p in (ANNA, BO)
    )  # Eve, of another organisation, answers on the channel card


def test_the_org_file_says_how_pulses_go() -> None:
    def org(delivery: object) -> Any:
        return parse_org(
            {
                "county": "Region Test",
                "defaults": {"pulse": {"delivery": delivery}},
                "units": [{"name": "Råd", "level": "macro"}],
            }
        )

    assert not isinstance(org("personal"), list) and not isinstance(org("channel"), list)
    problems = org("mail")
    assert isinstance(problems, list)
    assert any("defaults.pulse.delivery" in str(p) for p in problems)
    assert delivery_of(None) == "channel" and delivery_of({"delivery": "personal"}) == "personal"
    members = [("T", "A"), ("t", "b"), ("other", "c"), ("", "d"), ("t", "a")]
    assert personal_recipients(members, "t") == ([("t", "a"), ("t", "b")], 2)
    assert personal_recipients(members, None)[1] == 0  # local mode: one tenant


async def test_a_scheduled_pulse_reads_the_roster_from_teams_after_it_opens(
    harness: BotHarness,
) -> None:
    """The monthly job opens the pulse in the firing transaction and reaches the members
    stored so far; once that has committed it reads the channel's roster from the Bot
    Connector, so Cid, who is on the roster but never wrote, gets the card too, and the
    answer rate has its denominator. A second run sends no one anything again."""
    h = harness
    units = await _county_with_personal_pulses(h)
    channel = await _setup_channel(h, "Östersund")
    await h.post(_members_added(h, channel, [ANNA]))
    for person in (ANNA, CID):
        h.connector.add_member(
            person.channel_id, aad_object_id=person.aad_object_id, name=person.name, upn=person.upn
        )
    assert h.settings is not None
    context = job_context(roster=roster_reader(h.settings))
    async with h.db.session() as s:
        unit = await s.get(Unit, units["Östersund"])
        assert unit is not None
        await service.ensure_schedules(s, unit)
        schedule = (
            await s.execute(select(Schedule).where(col(Schedule.kind) == "pulse_open"))
        ).scalar_one()
    monday = datetime(2026, 11, 2, 8, 0, tzinfo=UTC)  # the month's opening day
    for _ in range(2):
        async with h.db.session() as s:
            await firing.fire(s, schedule, monday, context)
        await firing.run_after_commit(h.db, [(schedule, monday)], context)
        await deliver(h)

    chats = await _personal_chats(h)
    for person in (ANNA, CID):  # once each, in their own chat
        assert len(_pulse_cards(h, chats[person.aad_object_id])) == 1
    async with h.db.session() as s:
        [opened] = (await s.execute(select(Pulse))).scalars().all()
    assert opened.member_count == len(h.connector.members) >= 2  # everyone on the roster
