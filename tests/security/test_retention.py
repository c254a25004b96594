"""Retention purge: free text older than the cutoff is blanked, newer text and the rows stay."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select, update
from sqlmodel import col
from typer.testing import CliRunner

import cli.privacy  # noqa: F401  (registers `privacy` on the app)
from cli.main import app
from scheduler.kinds import handler_for
from storage import retention_repo
from storage.db import Database
from storage.item_models import Item, ItemEvent
from storage.meeting_models import AgendaItem, Attendance, Decision, MeetingOccurrence
from storage.models import AuditEvent, Conversation, Schedule
from storage.pulse_models import Pulse, PulseAnswer
from storage.types import utcnow
from tests.support.harness import BotHarness, add_units, connector, harness  # noqa: F401
from tests.support.jobs import job_context
from tests.teams import TeamsUser, new_channel

OLD = utcnow() - timedelta(days=31 * 30)  # about 30 months ago
ANNA = TeamsUser(name="Anna Berg")
TEMPLATE = {
    "questions": [
        {"id": "q1", "kind": "likert", "text": {"sv": "Hur?", "en": "How?"}},
        {"id": "q2", "kind": "text", "text": {"sv": "Annat?", "en": "Other?"}},
    ]
}


def test_months_before_clamps_to_the_end_of_the_month() -> None:
    now = datetime(2026, 3, 31, 12, tzinfo=UTC)
    assert retention_repo.months_before(now, 1) == datetime(2026, 2, 28, 12, tzinfo=UTC)
    assert retention_repo.months_before(now, 24) == datetime(2024, 3, 31, 12, tzinfo=UTC)
    assert retention_repo.months_before(now, 25) == datetime(2024, 2, 29, 12, tzinfo=UTC)


async def _seed(harness: BotHarness) -> None:  # noqa: F811
    await add_units(harness.db, {"Rådet": None, "Östersund": "Rådet"})
    channel = new_channel()

    async def say(text: str) -> None:
        assert await harness.say(harness.teams.channel_message(channel, ANNA, text)) in (200, 202)

    for text in (
        "setup Östersund",
        "möte ny första tisdagen varje månad 13-15 | Rummet",
        "dagordning lägg till Gammal punkt",
        "beslut Gammalt beslut",
        "ärende Gammalt hinder",
    ):
        await say(text)
    async with harness.db.session() as s:
        await s.execute(update(AgendaItem).values(created_at=OLD))
        await s.execute(update(Decision).values(created_at=OLD))
        await s.execute(update(Item).values(updated_at=OLD, description="Gammal beskrivning"))
        await s.execute(update(ItemEvent).values(at=OLD, text="gammal kommentar"))
        await s.execute(update(AuditEvent).values(at=OLD))
        conv = (await s.execute(select(Conversation))).scalars().first()
        assert conv is not None and conv.id is not None
        occ = (await s.execute(select(MeetingOccurrence))).scalars().first()
        assert occ is not None and occ.id is not None
        for key, at in (("old", OLD), ("new", utcnow())):  # "Jag kommer", with a name
            s.add(
                Attendance(
                    occurrence_id=occ.id,
                    unit_id=occ.unit_id,
                    person_key=f"oid-{key}",
                    name=f"Namn {key}",
                    coming=True,
                    updated_at=at,
                )
            )
        for ref, closed in (("old", OLD), ("new", utcnow())):
            pulse = Pulse(
                ref=ref,
                unit_id=1,
                conversation_pk=conv.id,
                template_key="t",
                template=TEMPLATE,
                period="2024-01",
                closes_at=closed,
                closed_at=closed,
            )
            s.add(pulse)
            await s.flush()
            assert pulse.id is not None
            s.add(PulseAnswer(pulse_id=pulse.id, id=f"k{ref}", values={"q1": 4, "q2": "fritext"}))
    for text in ("dagordning lägg till Ny punkt", "beslut Nytt beslut"):
        await say(text)


async def _texts(db: Database) -> dict[str, list[Any]]:
    async with db.session() as s:
        return {
            "agenda": sorted(a.text for a in (await s.execute(select(AgendaItem))).scalars()),
            "decisions": sorted(d.text for d in (await s.execute(select(Decision))).scalars()),
            "items": [(i.title, i.description) for i in (await s.execute(select(Item))).scalars()],
            "events": sorted(
                {e.text for e in (await s.execute(select(ItemEvent))).scalars()}, key=str
            ),
            "answers": sorted(
                (a.id, a.values["q2"]) for a in (await s.execute(select(PulseAnswer))).scalars()
            ),
            "attendance": sorted(a.name for a in (await s.execute(select(Attendance))).scalars()),
            "audit": [
                bool(a.details)
                for a in (
                    await s.execute(
                        select(AuditEvent).where(col(AuditEvent.at) < OLD + timedelta(days=1))
                    )
                ).scalars()
            ],
        }


async def test_dry_run_lists_then_the_job_blanks_only_old_text(harness: BotHarness) -> None:  # noqa: F811
    await _seed(harness)
    db = harness.db
    before = await _texts(db)
    assert any(before["audit"])
    cutoff = retention_repo.months_before(utcnow(), 24)
    async with db.session() as s:
        planned = await retention_repo.plan(s, cutoff)
    assert planned["agenda_items.text"] == 1
    assert planned["meeting_decisions.text"] == 1
    assert planned["items.title"] == 1 and planned["items.description"] == 1
    assert planned["item_events.text"] >= 1
    assert planned["pulse_answers.text"] == 1
    assert planned["audit_log.details"] == sum(before["audit"])
    assert planned["meeting_attendance.rows"] == 1
    assert await _texts(db) == before  # a dry run changes nothing

    async with db.session() as s:
        await handler_for("retention_purge")(
            s,
            Schedule(
                key="retention:purge", kind="retention_purge", trigger={}, payload={"months": 24}
            ),
            utcnow(),
            job_context(),
        )
    after = await _texts(db)
    gone = retention_repo.PURGED
    assert after["agenda"] == sorted([gone, "Ny punkt"])
    assert after["decisions"] == sorted([gone, "Nytt beslut"])
    assert after["items"] == [(gone, None)]
    assert after["events"] == [None]
    assert after["answers"] == [("knew", "fritext"), ("kold", gone)]
    assert not any(after["audit"])
    assert after["attendance"] == ["Namn new"]  # an old answer naming someone is gone
    async with db.session() as s:  # nothing more to do
        assert sum((await retention_repo.plan(s, cutoff)).values()) == 0
        answers = (await s.execute(select(PulseAnswer))).scalars().all()
    assert all(a.values["q1"] == 4 for a in answers)  # numbers stay for the statistics


@pytest.fixture
def cli_db(db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv("DATABASE_URL", db_url)
    monkeypatch.chdir(tmp_path)
    return db_url


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)  # the CLI wiring is backend-neutral
def test_cli_dry_run_lists_and_schedule_is_created(cli_db: str) -> None:
    async def seed() -> None:
        db = Database(cli_db)
        async with db.session() as s:
            s.add(AuditEvent(actor="x", action="test", details={"text": "gammalt"}, at=OLD))
        await db.dispose()

    asyncio.run(seed())
    result = CliRunner().invoke(app, ["privacy", "purge", "--dry-run", "--schedule"])
    assert result.exit_code == 0, result.output
    assert "audit_log.details: would blank 1" in result.stdout
    assert "schedule retention:purge" in result.stdout
    result = CliRunner().invoke(app, ["privacy", "purge"])
    assert "audit_log.details: blanked 1" in result.stdout

    async def check() -> tuple[list[dict[str, object]], Schedule | None]:
        db = Database(cli_db)
        async with db.session() as s:
            details = [a.details for a in (await s.execute(select(AuditEvent))).scalars()]
            sched = (await s.execute(select(Schedule))).scalars().first()
        await db.dispose()
        return details, sched

    details, sched = asyncio.run(check())
    assert details == [{}]
    assert sched is not None and sched.kind == "retention_purge" and sched.payload == {"months": 24}
