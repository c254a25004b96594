"""The coordinator's forum over HTTP, with real roles (JWT on) and the fake connector,
on SQLite and PostgreSQL: a series, agenda work, decisions and action items, reminders
fired through the scheduler's `fire`, carry-forward across two occurrences, minutes."""

from __future__ import annotations

import json
from datetime import UTC, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlmodel import col, select

from core.occurrences import next_occurrence
from scheduler.firing import fire
from storage import agenda_repo, schedules_repo
from storage.meeting_models import ActionItem, AgendaItem, Decision, MeetingOccurrence
from storage.models import OutboxMessage
from tests.cardschema import assert_valid_card
from tests.fakes.issuer import LocalIssuer
from tests.support.harness import BotHarness, add_units
from tests.support.jobs import job_context
from tests.teams import Channel, TeamsUser, new_channel

COUNTY = {"Regionens samverkansråd": None, "Östersund": "Regionens samverkansråd"}
COORD = TeamsUser(name="Sara Samordnare", upn="sara.samordnare@example.se")
NILS = TeamsUser(name="Nils Sjuksköterska", upn="nils@example.se")
SE = ZoneInfo("Europe/Stockholm")


async def _setup(harness: BotHarness) -> Channel:
    await add_units(harness.db, COUNTY, [("Östersund", COORD.upn, "coordinator")])
    for person in (COORD, NILS):
        harness.connector.add_member(
            person.channel_id, aad_object_id=person.aad_object_id, name=person.name, upn=person.upn
        )
    channel = new_channel()
    await _say(harness, channel, COORD, "setup Östersund", "Klart")
    return channel


async def _say(
    harness: BotHarness, channel: Channel, who: TeamsUser, text: str, expect: str
) -> str:
    before = len(harness.connector.posted)
    assert await harness.say(harness.teams.channel_message(channel, who, text)) in (200, 202)
    reply = await harness.connector.wait_for(
        lambda p: harness.connector.posted.index(p) >= before and expect in _all_text(p.activity)
    )
    return _all_text(reply.activity)


def _all_text(activity: dict[str, Any]) -> str:
    return json.dumps(activity, ensure_ascii=False)


async def _occurrences(harness: BotHarness) -> list[MeetingOccurrence]:
    async with harness.db.session() as s:
        rows = await s.execute(select(MeetingOccurrence).order_by(col(MeetingOccurrence.starts_at)))
        return list(rows.scalars().all())


async def _fire(harness: BotHarness, key: str) -> datetime:
    """Fire a one-shot schedule at its own instant, as the scheduler would."""
    async with harness.db.session() as s:
        schedule = await schedules_repo.get_schedule(s, key)
        assert schedule is not None and schedule.active, key
        when = next_occurrence(
            schedule.trigger, schedule.timezone, datetime(2000, 1, 1, tzinfo=UTC)
        )
        assert when is not None
        assert await fire(s, schedule, when, job_context())
    return when


async def _outbox(harness: BotHarness, key: str) -> OutboxMessage:
    async with harness.db.session() as s:
        row = (
            await s.execute(select(OutboxMessage).where(col(OutboxMessage.idempotency_key) == key))
        ).scalar_one()
    return row


def _card(row: OutboxMessage) -> dict[str, Any]:
    [attachment] = row.payload["attachments"]
    card: dict[str, Any] = attachment["content"]
    assert_valid_card(card)
    return card


def _order(card: dict[str, Any], *needles: str) -> list[int]:
    text = json.dumps(card, ensure_ascii=False)
    return [text.index(n) if n in text else -1 for n in needles]


def _ordinal_a_week_ahead() -> tuple[str, range]:
    """ "första" or "tredje" tisdagen: whichever next falls more than 8 days from today,
    so the first meeting's 7-day reminder is still ahead on whatever day the test runs
    (the two are about a fortnight apart, so one of them always is)."""
    today = datetime.now(SE).date()
    day = today + timedelta(days=1)
    while not (day.weekday() == 1 and day.day <= 7):
        day += timedelta(days=1)
    return ("första", range(1, 8)) if (day - today).days > 8 else ("tredje", range(15, 22))


async def test_the_whole_meeting_flow(secured: tuple[BotHarness, LocalIssuer]) -> None:
    harness, _ = secured
    channel = await _setup(harness)

    ordinal, days = _ordinal_a_week_ahead()
    # Staff may not create a series, and are told who can.
    refusal = await _say(
        harness, channel, NILS, f"möte ny {ordinal} tisdagen varje månad 13–15", "samordnare"
    )
    assert COORD.upn in refusal
    assert await _occurrences(harness) == []

    created = await _say(
        harness,
        channel,
        COORD,
        f"möte ny {ordinal} tisdagen varje månad 13–15 | Teams-länk",
        "Klart",
    )
    assert "Samverkansmöte" in created and "kl. 13.00–15.00" in created and "tisdag" in created
    occ1, occ2 = await _occurrences(harness)
    local1 = occ1.starts_at.astimezone(SE)
    assert (local1.weekday(), local1.hour, local1.day in days) == (1, 13, True)

    # Anyone proposes; the coordinator orders and accepts.
    await _say(harness, channel, NILS, "dagordning lägg till Utskrivningsklara dagar", "Punkt 1")
    await _say(harness, channel, NILS, "agenda add SIP-uppföljning", "Punkt 2")
    await _say(
        harness, channel, COORD, "dagordning lägg till Goda exempel från hemsjukvården", "Punkt 3"
    )
    await _say(harness, channel, NILS, "dagordning flytta 3 1", "samordnare")
    await _say(harness, channel, COORD, "dagordning flytta 3 1", "nummer 1")
    await _say(harness, channel, COORD, "dagordning godkänn 1", "godkänd")
    await _say(harness, channel, COORD, "dagordning flytta 9 1", "ingen punkt 9")

    # Refused input stores nothing.
    await _say(
        harness,
        channel,
        NILS,
        "dagordning lägg till Patient 19121212-1212 har problem",
        "personnummer",
    )
    await _say(harness, channel, NILS, "dagordning lägg till " + "x" * 600, "för lång")
    async with harness.db.session() as s:
        items = (
            (await s.execute(select(AgendaItem).order_by(col(AgendaItem.position)))).scalars().all()
        )
    assert [i.text for i in items] == [
        "Goda exempel från hemsjukvården",
        "Utskrivningsklara dagar",
        "SIP-uppföljning",
    ]
    assert [i.status for i in items] == ["accepted", "proposed", "proposed"]

    # The agenda card shows it all in that order.
    await harness.say(harness.teams.channel_message(channel, NILS, "dagordning"))
    agenda = await harness.connector.wait_for(
        lambda p: any("Dagordning" in str(c) for c in p.cards)
    )
    [card] = agenda.cards
    assert_valid_card(card)
    positions = _order(
        card,
        "Aktuella gemensamma kvalitetsindikatorer",
        "Goda exempel från",
        "Utskrivningsklara",
        "SIP-uppföljning",
    )
    assert -1 not in positions and positions == sorted(positions)

    # A decision on item 3 (SIP) handles it; the coordinator only.
    await _say(harness, channel, NILS, "beslut Vi gör så", "samordnare")
    await _say(harness, channel, COORD, "beslut punkt 3: Gemensam SIP-mall införs", "punkt 3")
    await _say(harness, channel, COORD, "decision Digest to managers monthly", "Digest")

    # An action item with an @mentioned owner and a due date; bad input refused.
    due = local1.date().isoformat()
    past = await _say(
        harness, channel, COORD, "åtgärd Ring kommunen @Nils senast 2020-01-01", "redan varit"
    )
    assert "senast" in past or "datum" in past
    await _say(
        harness, channel, COORD, "åtgärd Ring kommunen @Okänd senast imorgon", "vet inte vem"
    )
    act = harness.teams.channel_message(
        channel, COORD, f"åtgärd Ring kommunen <at>{NILS.name}</at> senast {due}"
    )
    act["entities"].append(
        {
            "type": "mention",
            "text": f"<at>{NILS.name}</at>",
            "mentioned": {"id": NILS.channel_id, "name": NILS.name},
        }
    )
    await harness.say(act)
    told = await harness.connector.wait_for(
        lambda p: "Ring kommunen" in p.text and "Åtgärd #" in p.text
    )
    mention = [e for e in told.activity.get("entities") or [] if e.get("type") == "mention"]
    assert mention and mention[0]["mentioned"]["id"] == NILS.channel_id
    async with harness.db.session() as s:
        [action] = (await s.execute(select(ActionItem))).scalars().all()
        decisions = (await s.execute(select(Decision))).scalars().all()
    assert action.owner_aad_id == NILS.aad_object_id and action.due.isoformat() == due
    assert len(decisions) == 2

    # The 7-day reminder posts the agenda; the 1-day one updates that card.
    await _fire(harness, f"meeting_reminder:{occ1.id}:7")
    first = await _outbox(harness, f"reminder:{occ1.id}:7")
    assert first.operation == "send"
    card = _card(first)
    positions = _order(
        card,
        "Om 7 dagar",
        "Goda exempel från",
        "Utskrivningsklara",
        "SIP-uppföljning",
        "Ring kommunen",
    )
    assert -1 not in positions and positions == sorted(positions)
    await _fire(harness, f"meeting_reminder:{occ1.id}:1")
    second = await _outbox(harness, f"reminder:{occ1.id}:1")
    assert second.operation == "update" and second.updates_key == first.idempotency_key
    assert "I morgon" in json.dumps(_card(second), ensure_ascii=False)

    # Minutes after the meeting (end + 1 h): decisions, action items.
    await _fire(harness, f"meeting_minutes:{occ1.id}")
    minutes = json.dumps(_card(await _outbox(harness, f"minutes:{occ1.id}")), ensure_ascii=False)
    assert (
        "Gemensam SIP-mall införs" in minutes and "Ring kommunen" in minutes and "Nils" in minutes
    )
    await _say(
        harness, channel, NILS, f"protokoll {local1.date().isoformat()}", "Gemensam SIP-mall"
    )

    # Carry-forward to meeting 2: the unhandled items and the open action come along.
    await _fire(harness, f"meeting_reminder:{occ2.id}:7")
    card2 = json.dumps(_card(await _outbox(harness, f"reminder:{occ2.id}:7")), ensure_ascii=False)
    assert (
        "Goda exempel från" in card2 and "Utskrivningsklara" in card2 and "Ring kommunen" in card2
    )
    assert "SIP-uppföljning" not in card2  # decided at meeting 1
    async with harness.db.session() as s:
        carried = (
            (await s.execute(select(AgendaItem).where(col(AgendaItem.occurrence_id) == occ2.id)))
            .scalars()
            .all()
        )
        assert {c.text for c in carried} == {
            "Goda exempel från hemsjukvården",
            "Utskrivningsklara dagar",
        }
        assert all(c.carried_from is not None for c in carried)
        # At meeting 2 "Goda exempel" is handled; the other is left open again.
        handled = next(c for c in carried if c.text.startswith("Goda"))
        await agenda_repo.set_item_status(s, handled.id or 0, "handled", datetime.now(UTC))

    # Nils closes his action item (the owner may).
    await _say(harness, channel, NILS, f"klar {action.id}", "är klar")
    await _say(harness, channel, NILS, f"klar {action.id}", "redan klar")

    # Meeting 2 ends; its minutes job plans meeting 3, whose reminder carries again.
    await _fire(harness, f"meeting_minutes:{occ2.id}")
    occ3 = (await _occurrences(harness))[2]
    await _fire(harness, f"meeting_reminder:{occ3.id}:7")
    card3 = json.dumps(_card(await _outbox(harness, f"reminder:{occ3.id}:7")), ensure_ascii=False)
    assert "Utskrivningsklara" in card3
    assert "Goda exempel från" not in card3 and "Ring kommunen" not in card3
    async with harness.db.session() as s:
        chain = (
            (
                await s.execute(
                    select(AgendaItem).where(col(AgendaItem.text) == "Utskrivningsklara dagar")
                )
            )
            .scalars()
            .all()
        )
    assert len(chain) == 3  # one per meeting, each carried from the one before
    by_id = {c.id: c for c in chain}
    last = next(c for c in chain if c.occurrence_id == occ3.id)
    assert by_id[last.carried_from].occurrence_id == occ2.id

    # Firing a reminder twice writes nothing new.
    async with harness.db.session() as s:
        schedule = await schedules_repo.get_schedule(s, f"meeting_reminder:{occ3.id}:7")
        assert schedule is not None
        when = next_occurrence(
            schedule.trigger, schedule.timezone, datetime(2000, 1, 1, tzinfo=UTC)
        )
        assert when is not None and not await fire(s, schedule, when, job_context())


async def test_stale_buttons_cancel_and_move(secured: tuple[BotHarness, LocalIssuer]) -> None:
    harness, _ = secured
    channel = await _setup(harness)
    await _say(harness, channel, COORD, "möte ny varannan torsdag 9-10 | Rum 2", "Klart")
    await _say(harness, channel, NILS, "dagordning lägg till Läkarstöd till kommunen", "Punkt 1")
    async with harness.db.session() as s:
        [item] = (await s.execute(select(AgendaItem))).scalars().all()
    data = {"item_id": item.id, "occurrence_id": item.occurrence_id, "status": "handled"}

    # Staff pressing a coordinator's button: refused, nothing changes.
    await harness.say(harness.teams.invoke_action(channel, NILS, "agenda.status", data))
    async with harness.db.session() as s:
        assert (await s.get(AgendaItem, item.id)).status == "proposed"  # type: ignore[union-attr]

    status, body = await harness.post(
        harness.teams.invoke_action(channel, COORD, "agenda.status", data),
        {"Authorization": f"Bearer {harness.token}"},
    )
    assert status == 200 and "behandlad" in json.dumps(body, ensure_ascii=False)
    # The same button again (a stale card): the current agenda, nothing changed.
    status, body = await harness.post(
        harness.teams.invoke_action(channel, COORD, "agenda.status", {**data, "status": "removed"}),
        {"Authorization": f"Bearer {harness.token}"},
    )
    assert status == 200 and "redan behandlad" in json.dumps(body, ensure_ascii=False)
    assert_valid_card(body["value"])
    async with harness.db.session() as s:
        assert (await s.get(AgendaItem, item.id)).status == "handled"  # type: ignore[union-attr]

    # Move the first meeting, then cancel it; a button on its card then changes nothing.
    occ1 = (await _occurrences(harness))[0]
    day1 = occ1.starts_at.astimezone(SE).date()
    # A week later, in the free week of the fortnightly series: always in the future.
    new_day = day1 + timedelta(days=7)
    moved = await _say(
        harness,
        channel,
        COORD,
        f"möte flytta {day1.isoformat()} till {new_day.isoformat()} 14-15",
        "flyttat",
    )
    assert "kl. 14.00" in moved
    # Both reminders are rewritten to the new day's 14.00, 7 and 1 days before (local time).
    new_start = datetime.combine(new_day, time(14, 0), tzinfo=SE)
    async with harness.db.session() as s:
        for lead in (7, 1):
            schedule = await schedules_repo.get_schedule(s, f"meeting_reminder:{occ1.id}:{lead}")
            assert schedule is not None and schedule.active, lead
            at = (new_start - timedelta(days=lead)).date()
            assert schedule.trigger == {
                "year": at.year,
                "month": at.month,
                "day": at.day,
                "hour": 14,
                "minute": 0,
            }, lead
            fires = next_occurrence(
                schedule.trigger, schedule.timezone, datetime(2000, 1, 1, tzinfo=UTC)
            )
            assert fires == datetime.combine(at, time(14, 0), tzinfo=SE), lead
        minutes = await schedules_repo.get_schedule(s, f"meeting_minutes:{occ1.id}")
        assert minutes is not None and minutes.active
        assert (minutes.trigger["day"], minutes.trigger["hour"]) == (new_day.day, 16)
    await _say(harness, channel, COORD, f"möte ställ in {new_day.isoformat()}", "inställt")
    status, body = await harness.post(
        harness.teams.invoke_action(
            channel, NILS, "agenda.add", {"occurrence_id": occ1.id, "text": "Sent förslag"}
        ),
        {"Authorization": f"Bearer {harness.token}"},
    )
    assert status == 200 and "inställt" in json.dumps(body, ensure_ascii=False)
    async with harness.db.session() as s:
        texts = [i.text for i in (await s.execute(select(AgendaItem))).scalars().all()]
        schedule = await schedules_repo.get_schedule(s, f"meeting_minutes:{occ1.id}")
    assert "Sent förslag" not in texts
    assert schedule is not None and not schedule.active


async def test_english_and_series_from_the_org_file(
    secured: tuple[BotHarness, LocalIssuer],
) -> None:
    harness, _ = secured
    ids = await add_units(harness.db, COUNTY, [("Östersund", COORD.upn, "coordinator")])
    async with harness.db.session() as s:
        from storage.models import Unit

        unit = await s.get(Unit, ids["Östersund"])
        assert unit is not None
        unit.defaults = {
            "meetings": [
                {
                    "name": "Samverkansmöte",
                    "rule": "first tuesday monthly 13:00-15:00",
                    "place": "Teams",
                }
            ],
            "agenda": {"standing": ["Indikatorer för utskrivning"]},
        }
    for person in (COORD, NILS):
        harness.connector.add_member(
            person.channel_id, aad_object_id=person.aad_object_id, name=person.name, upn=person.upn
        )
    channel = new_channel()
    await _say(harness, channel, COORD, "setup Östersund", "Klart")
    await _say(harness, channel, NILS, "language en", "English")
    shown = await _say(harness, channel, NILS, "meeting", "the first Tuesday of every month")
    assert "Tuesday" in shown and "at 13:00–15:00" in shown
    await harness.say(harness.teams.channel_message(channel, NILS, "agenda"))
    agenda = await harness.connector.wait_for(lambda p: any("Agenda –" in str(c) for c in p.cards))
    assert "Indikatorer för utskrivning" in str(agenda.cards[0])
    assert "Aktuella gemensamma" not in str(agenda.cards[0])
    await _say(harness, channel, NILS, "agenda add " + "y" * 501, "too long")
    await _say(harness, channel, NILS, "actions", "No open action items")
