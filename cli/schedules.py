"""`samverkan schedules` (what runs when) and `samverkan run KIND --unit NAME` (fire one now)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import NoReturn

import typer
from sqlalchemy import func
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from cli.common import run_with_db
from core.occurrences import InvalidSpec, next_occurrence
from i18n import format as fmt
from infra.settings import Settings
from runtime.process import job_context
from scheduler.firing import fire, run_after_commit
from scheduler.kinds import kinds
from storage import org_repo, schedules_repo
from storage.db import Database
from storage.models import OutboxMessage, Schedule, Unit
from storage.types import utcnow

MISSED_DAYS = 7
MISSED_SHOWN = 3
# A schedule `run` creates for a kind the unit has no schedule of: inactive, so it
# never fires by itself; it exists because every run belongs to a schedule.
MANUAL_TRIGGER = {"year": 1970}


def local_time(when: datetime | None, zone: str, now: datetime | None = None) -> str:
    """'tis 3 dec. 13.00' in the schedule's zone (with the year when it is not this year)."""
    if when is None:
        return "—"
    return fmt.stamp("sv", when, zone, now or utcnow())


def schedules(
    show_all: bool = typer.Option(False, "--all", help="Include inactive schedules."),
) -> None:
    """Schedules with their next time, last occurrence and recent missed occurrences."""
    lines = run_with_db(lambda db, _s: _schedule_lines(db, show_all))
    for line in lines:
        typer.echo(line)


async def _schedule_lines(db: Database, show_all: bool) -> list[str]:
    now = utcnow()
    async with db.session() as session:
        rows = await schedules_repo.list_schedules(session, active_only=not show_all)
        units = await _unit_names(session)
        missed = await schedules_repo.recent_runs(
            session, [r.id for r in rows if r.id], "missed", now - timedelta(days=MISSED_DAYS)
        )
    if not rows:
        return ["No schedules."]
    table = [["SCHEDULE", "KIND", "UNIT", "NEXT", "LAST", f"MISSED ({MISSED_DAYS} DAYS)"]]
    for row in rows:
        table.append(
            [
                row.key,
                row.kind,
                units.get(row.unit_id, "—") if row.unit_id is not None else "—",
                _next_text(row, now),
                local_time(row.last_occurrence_at, row.timezone, now),
                _missed_text(missed.get(row.id or 0, []), row.timezone, now),
            ]
        )
    widths = [max(len(r[i]) for r in table) for i in range(len(table[0]) - 1)]
    return [
        "  ".join([*(c.ljust(w) for c, w in zip(r, widths, strict=False)), r[-1]]).rstrip()
        for r in table
    ]


def _next_text(row: Schedule, now: datetime) -> str:
    if not row.active:
        return "inactive"
    try:
        return local_time(next_occurrence(row.trigger, row.timezone, now), row.timezone, now)
    except (InvalidSpec, ValueError) as exc:
        return f"invalid trigger: {exc}"


def _missed_text(whens: list[datetime], zone: str, now: datetime) -> str:
    if not whens:
        return "—"
    shown = ", ".join(local_time(w, zone, now) for w in whens[:MISSED_SHOWN])
    more = f" (+{len(whens) - MISSED_SHOWN} more)" if len(whens) > MISSED_SHOWN else ""
    return f"{len(whens)}: {shown}{more}"


async def _unit_names(session: AsyncSession) -> dict[int, str]:
    rows = await session.execute(select(col(Unit.id), col(Unit.name)))
    return {uid: name for uid, name in rows.all() if uid is not None}


def run(
    kind: str = typer.Argument(..., help="The job kind, e.g. ping."),
    unit: str = typer.Option(..., "--unit", help="The unit's name."),
) -> None:
    """Fire a job of KIND for a unit now (occurrence: this second), and show what it enqueued."""
    if kind not in kinds():
        _fail(f"Unknown kind {kind!r}; known kinds: {', '.join(kinds())}.")
    outcome = run_with_db(lambda db, settings: _run(db, settings, kind, unit))
    if isinstance(outcome, str):
        _fail(outcome)
    for line in outcome:
        typer.echo(line)


async def _run(db: Database, settings: Settings, kind: str, unit_name: str) -> list[str] | str:
    context = job_context(settings)
    occurrence = utcnow().replace(microsecond=0)
    async with db.session() as session:
        unit = await org_repo.find_unit_by_name(session, unit_name)
        if unit is None or unit.id is None:
            return f"Unknown unit {unit_name!r}."
        schedule = await _schedule_for(session, kind, unit.id, settings.timezone)
        before = await _max_outbox_id(session)
        fired = await fire(session, schedule, occurrence, context)
        enqueued = (
            (
                await session.execute(
                    select(OutboxMessage)
                    .where(col(OutboxMessage.id) > before)
                    .order_by(col(OutboxMessage.id))
                )
            )
            .scalars()
            .all()
        )
    if fired:  # a job that asks the outside world runs now, its run committed
        await run_after_commit(db, [(schedule, occurrence)], context)
    when = local_time(occurrence, schedule.timezone) + f".{occurrence.second:02d}"
    if not fired:
        return [f"{kind} for {unit.name} at {when} was already handled; nothing new enqueued."]
    lines = [f"Fired {kind} for {unit.name} ({schedule.key}) at {when}."]
    if not enqueued:
        lines.append("Enqueued nothing (does the unit have a channel?).")
    for msg in enqueued:
        lines.append(f"Enqueued {msg.idempotency_key} -> conversation #{msg.conversation_pk}")
    return lines


async def _schedule_for(session: AsyncSession, kind: str, unit_id: int, zone: str) -> Schedule:
    """The unit's schedule of this kind, or an inactive one made for manual runs."""
    existing = (
        (
            await session.execute(
                select(Schedule)
                .where(col(Schedule.kind) == kind, col(Schedule.unit_id) == unit_id)
                .order_by(col(Schedule.active).desc(), col(Schedule.key))
            )
        )
        .scalars()
        .first()
    )
    if existing is not None:
        return existing
    return await schedules_repo.upsert_schedule(
        session,
        f"manual:{kind}:unit:{unit_id}",
        kind,
        unit_id,
        MANUAL_TRIGGER,
        timezone=zone,
        active=False,
    )


async def _max_outbox_id(session: AsyncSession) -> int:
    value = (await session.execute(select(func.max(col(OutboxMessage.id))))).scalar_one()
    return int(value or 0)


def _fail(message: str) -> NoReturn:
    typer.echo(message, err=True)
    raise typer.Exit(2)
