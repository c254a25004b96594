"""Meetings meet items (issues 4 and 7) over HTTP, with real roles (JWT on) and the fake
connector, on SQLite and PostgreSQL: a meeting decision lifts an item to the parent
unit; the answer that comes back goes on the origin's next agenda; an action item's
owner is told in their personal chat with the bot."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlmodel import col, select

from core.occurrences import next_occurrence
from scheduler.firing import fire
from storage import items_repo, schedules_repo
from storage.item_models import Item
from storage.meeting_models import ActionItem, AgendaItem, Decision, MeetingOccurrence
from storage.models import OutboxMessage
from tests.cardschema import assert_valid_card
from tests.fakes.issuer import LocalIssuer
from tests.support.harness import BotHarness, add_units, bearer
from tests.support.items import (
    CLUSTER,
    COUNTY,
    TEAM,
    bind,
    cards_in,
    deliver,
    events,
    find_action,
    invoke_card,
    item,
    load_org,
)
from tests.support.jobs import job_context
from tests.teams import Channel, TeamsUser, new_channel

SE = ZoneInfo("Europe/Stockholm")
# Coordinators as examples/jamtland.yaml names them; Nils has no role.
TEAMLEAD = TeamsUser(name="Tea Teamledare", upn="teamledare.hemsjukvard.ostersund@example.se")
CLUSTER_COORD = TeamsUser(name="Olle Samordnare", upn="samordnare.ostersund@example.se")
NILS = TeamsUser(name="Nils Sjuksköterska", upn="nils@example.se")
BO = TeamsUser(name="Bo Ek", upn="bo.ek@example.se")


def _text(activity: dict[str, Any]) -> str:
    return json.dumps(activity, ensure_ascii=False)


async def _say(h: BotHarness, channel: Channel, who: TeamsUser, text: str, expect: str) -> str:
    before = len(h.connector.posted)
    assert await h.say(h.teams.channel_message(channel, who, text)) in (200, 202)
    reply = await h.connector.wait_for(
        lambda p: h.connector.posted.index(p) >= before and expect in _text(p.activity)
    )
    return _text(reply.activity)


def _members(h: BotHarness, *people: TeamsUser) -> None:
    for p in people:
        h.connector.add_member(p.channel_id, aad_object_id=p.aad_object_id, name=p.name, upn=p.upn)


async def _team_occurrences(h: BotHarness, unit_id: int) -> list[MeetingOccurrence]:
    async with h.db.session() as s:
        rows = await s.execute(
            select(MeetingOccurrence)
            .where(col(MeetingOccurrence.unit_id) == unit_id)
            .order_by(col(MeetingOccurrence.starts_at))
        )
        return list(rows.scalars().all())


async def _fire_first_reminder(h: BotHarness, occ_id: int) -> OutboxMessage:
    """Fire the occurrence's earliest still-active reminder at its own instant."""
    async with h.db.session() as s:
        for lead in (7, 1):
            schedule = await schedules_repo.get_schedule(s, f"meeting_reminder:{occ_id}:{lead}")
            if schedule is not None and schedule.active:
                break
        else:
            raise AssertionError("no active reminder for the meeting")
        when = next_occurrence(
            schedule.trigger, schedule.timezone, datetime(2000, 1, 1, tzinfo=UTC)
        )
        assert when is not None
        assert await fire(s, schedule, when, job_context())
    async with h.db.session() as s:
        return (
            await s.execute(
                select(OutboxMessage).where(
                    col(OutboxMessage.idempotency_key) == f"reminder:{occ_id}:{lead}"
                )
            )
        ).scalar_one()


def _card(row: OutboxMessage) -> dict[str, Any]:
    [attachment] = row.payload["attachments"]
    card: dict[str, Any] = attachment["content"]
    assert_valid_card(card)
    return card


async def test_a_meeting_lifts_an_item_and_its_answer_comes_back_to_the_agenda(
    secured: tuple[BotHarness, LocalIssuer],
) -> None:
    h, _ = secured
    ids = await load_org(h.db)
    _members(h, TEAMLEAD, CLUSTER_COORD, NILS)
    team = await bind(h, TEAM, TEAMLEAD)
    cluster = await bind(h, CLUSTER, CLUSTER_COORD)
    await _say(
        h, team, TEAMLEAD, "möte ny första tisdagen varje månad 13-15 | Rum 1", "Samverkansmöte"
    )
    occ1 = (await _team_occurrences(h, ids[TEAM]))[0]

    title = "Svårt att nå jourläkare kvällstid"
    await h.say(h.teams.channel_message(team, NILS, f"ärende {title}"))
    await h.connector.wait_for(lambda p: any(title in str(c) for c in p.cards))
    async with h.db.session() as s:
        item_id = (
            await s.execute(select(col(Item.id)).where(col(Item.title) == title))
        ).scalar_one()
    assert item_id is not None

    # Staff cannot record a decision, lifting or not; nothing changes.
    refused = await _say(h, team, NILS, f"beslut lyft #{item_id} Vi saknar mandat", "samordnare")
    assert TEAMLEAD.upn in refused
    assert await events(h.db, item_id) == ["created"]

    # The meeting decides to lift it: the escalation service does it, to the parent unit.
    told = await _say(h, team, TEAMLEAD, f"beslut lyft #{item_id} Vi saknar mandat", f"#{item_id}")
    assert f"lyft till **{CLUSTER}**" in told and "Vi saknar mandat" in told
    async with h.db.session() as s:
        row = await s.get(Item, item_id)
        [decision] = (await s.execute(select(Decision))).scalars().all()
    assert row is not None and row.current_unit_id == ids[CLUSTER] and row.status == "open"
    assert row.path == [ids[TEAM], ids[CLUSTER]]
    assert await events(h.db, item_id) == ["created", "escalated"]
    assert decision.lifted_item_id == item_id and decision.occurrence_id == occ1.id

    # The dispatcher delivers the escalation card to the parent's channel.
    assert (await deliver(h)).sent == 1
    at_cluster = cards_in(h, cluster)[-1]
    assert_valid_card(at_cluster)
    assert f"Lyft hit från {TEAM}" in str(at_cluster) and "Vi saknar mandat" in str(at_cluster)
    assert title in str(at_cluster)

    # The minutes show it as lifted to another level (on request and after the meeting).
    day = occ1.starts_at.astimezone(SE).date().isoformat()
    minutes = await _say(h, team, NILS, f"protokoll {day}", "Lyft till annan nivå")
    assert f"#{item_id} {title}" in minutes and "Inget lyftes" not in minutes
    async with h.db.session() as s:
        schedule = await schedules_repo.get_schedule(s, f"meeting_minutes:{occ1.id}")
        assert schedule is not None and schedule.active
        when = next_occurrence(
            schedule.trigger, schedule.timezone, datetime(2000, 1, 1, tzinfo=UTC)
        )
        assert when is not None and await fire(s, schedule, when, job_context())
        posted = (
            await s.execute(
                select(OutboxMessage).where(
                    col(OutboxMessage.idempotency_key) == f"minutes:{occ1.id}"
                )
            )
        ).scalar_one()
    minutes_card = json.dumps(_card(posted), ensure_ascii=False)
    assert "Lyft till annan nivå" in minutes_card and f"#{item_id} {title}" in minutes_card

    # The cluster answers; the answer goes to the team and onto its next meeting's agenda.
    resolve = find_action(at_cluster, "item.resolve")
    status, body = await h.post(
        h.teams.invoke_action(
            cluster,
            CLUSTER_COORD,
            "item.resolve",
            {**resolve["data"], "answer": "Jourlinje inrättas från 1 mars"},
        ),
        bearer(h.token or ""),
    )
    assert status == 200 and "är löst" in str(invoke_card(body))
    await deliver(h)
    assert "Jourlinje inrättas från 1 mars" in str(cards_in(h, team)[-1])
    async with h.db.session() as s:
        assert [i.id for i in await items_repo.agenda_items(s, ids[TEAM])] == [item_id]

    line = f"#{item_id} {title}: Jourlinje inrättas från 1 mars"
    await h.say(h.teams.channel_message(team, NILS, "dagordning"))
    shown = await h.connector.wait_for(
        lambda p: (
            p.conversation_id.startswith(team.conversation_id)
            and any(line in str(c) for c in p.cards)
        )
    )
    [agenda] = shown.cards
    assert_valid_card(agenda)
    assert "Svar från annan nivå" in str(agenda)
    async with h.db.session() as s:
        assert await items_repo.agenda_items(s, ids[TEAM]) == []  # taken onto the agenda
        answers = (
            (await s.execute(select(AgendaItem).where(col(AgendaItem.source) == "answer")))
            .scalars()
            .all()
        )
    assert [(a.occurrence_id, a.item_id) for a in answers] == [(occ1.id, item_id)]

    # The reminder card carries it, once; asking again does not add it twice.
    reminder = json.dumps(_card(await _fire_first_reminder(h, occ1.id or 0)), ensure_ascii=False)
    assert reminder.count(line) == 1 and "Svar från annan nivå" in reminder
    again = await _say(h, team, NILS, "agenda", "Dagordning")
    assert again.count(line) == 1


async def test_the_action_owner_is_told_in_their_personal_chat(
    secured: tuple[BotHarness, LocalIssuer],
) -> None:
    h, _ = secured
    coord = TeamsUser(name="Sara Samordnare", upn="sara.samordnare@example.se")
    await add_units(
        h.db,
        {"Regionens samverkansråd": None, "Östersund": "Regionens samverkansråd"},
        [("Östersund", coord.upn, "coordinator")],
    )
    _members(h, coord, NILS, BO)
    channel = new_channel()
    await _say(h, channel, coord, "setup Östersund", "Klart")
    await _say(h, channel, coord, "möte ny första tisdagen varje månad 13-15", "Klart")

    # Nils has installed the bot personally; Bo has not.
    assert await h.say(h.teams.personal_install(NILS)) in (200, 202)
    personal = f"a:{NILS.aad_object_id}"
    await h.connector.wait_for(lambda p: p.conversation_id == personal)
    due = (datetime.now(SE).date() + timedelta(days=10)).isoformat()

    async def action_for(who: TeamsUser, what: str) -> ActionItem:
        act = h.teams.channel_message(
            channel, coord, f"åtgärd {what} <at>{who.name}</at> senast {due}"
        )
        act["entities"].append(
            {
                "type": "mention",
                "text": f"<at>{who.name}</at>",
                "mentioned": {"id": who.channel_id, "name": who.name},
            }
        )
        assert await h.say(act) in (200, 202)
        await h.connector.wait_for(lambda p: what in p.text and "Åtgärd #" in p.text)
        async with h.db.session() as s:
            return (
                await s.execute(select(ActionItem).where(col(ActionItem.text) == what))
            ).scalar_one()

    nils_action = await action_for(NILS, "Ring kommunen")
    bo_action = await action_for(BO, "Boka lokal")
    assert nils_action.owner_aad_id == NILS.aad_object_id  # from the roster
    async with h.db.session() as s:
        keys = set((await s.execute(select(col(OutboxMessage.idempotency_key)))).scalars().all())
    # One personal message each (services/personal.py keys: person, once, subject).
    assert any(k.endswith(f":once:action:{nils_action.id}:owner") for k in keys)
    assert any(k.endswith(f":once:action:{bo_action.id}:owner") for k in keys)

    before = len(h.connector.in_conversation(personal))
    assert (await deliver(h)).sent == 2
    [note] = h.connector.in_conversation(personal)[before:]
    assert "Du har fått en åtgärd i **Östersund**: Ring kommunen" in note.text
    assert f"klar {nils_action.id}" in note.text
    assert "Boka lokal" not in str([p.text for p in h.connector.in_conversation(personal)])
    # Bo has no chat with the bot: it opened one (POST /v3/conversations) for the note.
    assert any(path == "/v3/conversations" for _, path in h.connector.requests)
    [to_bo] = [p for p in h.connector.posted if "åtgärd i **Östersund**: Boka lokal" in p.text]
    assert to_bo.conversation_id not in (personal, channel.conversation_id)


async def test_a_meeting_lifts_only_its_own_items_and_says_when_it_waits_or_cannot(
    secured: tuple[BotHarness, LocalIssuer],
) -> None:
    h, _ = secured
    ids = await load_org(h.db)
    county_coord = TeamsUser(name="Lena Länssamordnare", upn="samordnare.lan@example.se")
    _members(h, TEAMLEAD, county_coord, NILS)
    team = await bind(h, TEAM, TEAMLEAD)  # the cluster (Östersund) has no channel
    county = await bind(h, COUNTY, county_coord)

    async def raise_in(channel: Channel, title: str) -> int:
        await h.say(h.teams.channel_message(channel, NILS, f"ärende {title}"))
        await h.connector.wait_for(lambda p: any(title in str(c) for c in p.cards))
        async with h.db.session() as s:
            found = (
                await s.execute(select(col(Item.id)).where(col(Item.title) == title))
            ).scalar_one()
        assert found is not None
        return found

    async def lifted_decisions() -> list[int | None]:
        async with h.db.session() as s:
            rows = (await s.execute(select(Decision).order_by(col(Decision.id)))).scalars().all()
        return [d.lifted_item_id for d in rows]

    at_team = await raise_in(team, "Trygghetslarm kopplas inte in")
    at_county = await raise_in(county, "Gemensam journal saknas")

    # A meeting cannot lift another unit's item: it is answered as an item that does not
    # exist (never saying where it is); nothing changes, nothing is recorded.
    elsewhere = await _say(
        h, team, TEAMLEAD, f"beslut lyft #{at_county} Högre upp", "hittar inget ärende"
    )
    assert COUNTY not in elsewhere
    assert await events(h.db, at_county) == ["created"] and await lifted_decisions() == []
    await _say(h, team, TEAMLEAD, "beslut lyft #99999 Finns inte", "hittar inget ärende")

    # The parent has no channel: lifted and recorded, and the meeting is told it waits
    # and who coordinates there.
    waits = await _say(h, team, TEAMLEAD, f"beslut lyft #{at_team} Behöver klustret", "ingen kanal")
    assert "samordnare.ostersund@example.se" in waits and CLUSTER in waits
    row = await item(h.db, at_team)
    assert row.delivery_pending and row.current_unit_id == ids[CLUSTER]
    assert await lifted_decisions() == [at_team]
    # Lifted from here, it is still the team's to see, but only the cluster can lift it on.
    again = await _say(h, team, TEAMLEAD, f"beslut lyft #{at_team} Igen", "bara den enheten")
    assert CLUSTER in again and await lifted_decisions() == [at_team]

    # At the top it cannot go higher: flagged, and no lift decision is recorded.
    top = await _say(h, county, county_coord, f"beslut lyft #{at_county} Till staten", "högre")
    assert "kan inte lyftas högre" in top and "lyft till" not in top
    assert await events(h.db, at_county) == ["created", "flagged_top"]
    assert await lifted_decisions() == [at_team]
