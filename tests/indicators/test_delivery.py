"""The `digest` job: managers' personal chats via the outbox; unreachable managers are
reported to coordinators; 300 units in a county digest stay under the size limit.

Runs on SQLite and PostgreSQL.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime

from sqlmodel import col, select

from cards.digest import county_digest_card, unit_digest_card
from scheduler.firing import fire
from services import digest as composer
from storage import indicators_repo, schedules_repo
from storage.db import Database
from storage.indicators_repo import ValueIn
from storage.models import Conversation, OutboxMessage, Person, Unit
from tests.cardschema import assert_valid_card
from tests.support.indicators import last_month, seed_county, seed_values
from tests.support.jobs import job_context

MAJA = "0b3c9a4e-1111-4222-8333-000000000001"  # manager with the app installed
OLLE = "olle.chef@example.se"  # manager by UPN, never installed the app
SARA = "0b3c9a4e-1111-4222-8333-000000000003"  # coordinator with the app installed


async def personal_chat(db: Database, aad: str) -> int:
    async with db.session() as s:
        conv = Conversation(
            conversation_id=f"a:{aad}",
            kind="personal",
            user_aad_id=aad,
            reference={"conversation": {"id": f"a:{aad}"}},
        )
        s.add(conv)
        await s.flush()
        assert conv.id is not None
        return conv.id


async def outbox(db: Database) -> list[OutboxMessage]:
    async with db.session() as s:
        return list(
            (await s.execute(select(OutboxMessage).order_by(col(OutboxMessage.id)))).scalars().all()
        )


async def test_job_sends_to_managers_and_reports_the_unreachable(db: Database) -> None:
    units, ids = await seed_county(
        db,
        [("Krokom", MAJA, "manager"), ("Krokom", OLLE, "manager"), ("Krokom", SARA, "coordinator")],
    )
    await seed_values(db, units, ids)
    maja_chat = await personal_chat(db, MAJA)
    sara_chat = await personal_chat(db, SARA)
    async with db.session() as s:
        s.add(Person(aad_object_id=MAJA, language="en"))
        assert await composer.ensure_schedules(s) == 4
        schedule = await schedules_repo.get_schedule(s, composer.schedule_key(units["Krokom"]))
        assert schedule is not None and schedule.trigger == {
            "day_of_week": "mon",
            "day": "1-7",
            "hour": 8,
            "minute": 0,
        }
    when = datetime.now(UTC).replace(microsecond=0)
    async with db.session() as s:
        schedule = await schedules_repo.get_schedule(s, composer.schedule_key(units["Krokom"]))
        assert schedule is not None
        assert await fire(s, schedule, when, job_context())
    rows = await outbox(db)
    by_conv = {r.conversation_pk: r for r in rows}
    assert set(by_conv) == {maja_chat, sara_chat}
    digest = by_conv[maja_chat].payload["attachments"][0]["content"]
    assert_valid_card(digest)
    assert "indicators on target" in json.dumps(digest)  # Maja reads English
    report = by_conv[sara_chat].payload["text"]
    assert OLLE in report and "installera" in report and "Krokom" in report
    # Firing the same occurrence again writes nothing new.
    async with db.session() as s:
        schedule = await schedules_repo.get_schedule(s, composer.schedule_key(units["Krokom"]))
        assert schedule is not None
        assert not await fire(s, schedule, when, job_context())
        await composer.deliver_unit(
            s, units["Krokom"], when, job_context()
        )  # even forced: same keys
    assert len(await outbox(db)) == 2


async def test_unreachable_with_no_coordinator_chat_goes_to_the_channel(db: Database) -> None:
    units, ids = await seed_county(db, [("Krokom", OLLE, "manager")])
    await seed_values(db, units, ids)
    channel = await personal_chat(db, "19:channel")  # any conversation row will do as the channel
    from storage.models import ChannelBinding

    async with db.session() as s:
        s.add(ChannelBinding(unit_id=units["Krokom"], conversation_pk=channel))
    async with db.session() as s:
        result = await composer.deliver_unit(s, units["Krokom"], datetime.now(UTC), job_context())
    assert result.unreachable == [OLLE] and result.reported_to == ["channel"]
    rows = await outbox(db)
    assert [r.conversation_pk for r in rows] == [channel]


async def test_300_units_county_digest_is_valid_and_small(db: Database) -> None:
    units, ids = await seed_county(db)
    ref = last_month()
    async with db.session() as s:
        macro = units["Regionens samverkansråd"]
        new = [
            Unit(name=f"Enhet {i:03d}", level="cluster", parent_id=macro, defaults={})
            for i in range(297)
        ]
        s.add_all(new)
        await s.flush()
        all_ids = [units["Östersund"], units["Krokom"], units["Härjedalen"]] + [
            u.id for u in new if u.id
        ]
        rows = []
        for n, uid in enumerate(all_ids):
            for back in range(12):
                rows.append(
                    ValueIn(
                        ids["utskrivningsklara_dagar"],
                        uid,
                        ref.shift(-back).label,
                        1.0 + (n % 7) * 0.2 + back * 0.01,
                        50.0 + n,
                    )
                )
        await indicators_repo.upsert_values(s, rows)
    async with db.session() as s:
        data = await composer.load(s, today=composer.today_local())
    county = composer.county_digest(data, units["Regionens samverkansråd"])
    assert county.unit_count == 300
    for lang in ("sv", "en"):
        card = county_digest_card(county, lang)
        assert_valid_card(card)
        size = len(json.dumps(card).encode())
        assert size < 28 * 1024, size  # well under the 80 KB budget
        assert ("… och" if lang == "sv" else "… and") in json.dumps(card, ensure_ascii=False)
    for uid in all_ids[:20]:
        d = composer.unit_digest(data, uid)
        for expanded in (False, True):
            assert_valid_card(unit_digest_card(d, "sv", expanded=expanded))


async def test_next_meeting_comes_from_the_meetings_module(db: Database) -> None:
    from datetime import timedelta

    from cards.digest import unit_digest_card
    from storage.meeting_models import MeetingOccurrence, MeetingSeries

    units, ids = await seed_county(db)
    await seed_values(db, units, ids)
    soon = datetime.now(UTC).replace(microsecond=0, second=0) + timedelta(days=3)
    async with db.session() as s:
        series = MeetingSeries(
            unit_id=units["Krokom"], name="Samverkansmöte", rule_text="x", rule={}
        )
        s.add(series)
        await s.flush()
        assert series.id is not None
        for days, status in ((1, "cancelled"), (3, "scheduled"), (30, "scheduled")):
            at = soon + timedelta(days=days - 3)
            s.add(
                MeetingOccurrence(
                    series_id=series.id,
                    unit_id=units["Krokom"],
                    slot_at=at,
                    starts_at=at,
                    ends_at=at + timedelta(hours=2),
                    status=status,
                )
            )
    for unit_ids in (
        [units["Krokom"]],
        None,
    ):  # one unit: their next_meeting(); a county: one query
        async with db.session() as s:
            data = await composer.load(s, today=composer.today_local(), unit_ids=unit_ids)
        assert data.meetings[units["Krokom"]] == soon
        card = unit_digest_card(composer.unit_digest(data, units["Krokom"]), "sv")
        assert "Nästa möte" in json.dumps(
            card, ensure_ascii=False
        ) and "inget inplanerat" not in json.dumps(card, ensure_ascii=False)
