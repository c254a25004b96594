"""Retention: free text and audit details older than a cutoff are blanked (gallring).

The rows stay (counts, dates, statuses, who decided: the forum's record), only
their free text goes: agenda items, decisions, action items, items (title,
description, answer; by last change), the items' trail, the free-text answers of
closed pulses, and audit details. Answers to "are you coming" (meeting_attendance,
which name the person) are deleted once older than the cutoff: they serve only the
meeting they were for. A second run finds nothing more to do.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import SQLModel, col

from storage.item_models import Item, ItemEvent
from storage.meeting_models import ActionItem, AgendaItem, Attendance, Decision
from storage.models import AuditEvent
from storage.pulse_models import Pulse, PulseAnswer

PURGED = "[gallrad]"  # what a purged free text reads as
DEFAULT_MONTHS = 24


@dataclass(frozen=True)
class _Target:
    model: type[SQLModel]
    when: str  # the column dating the row
    text: str  # the free-text column
    blank: str | None  # what it becomes


TARGETS: tuple[_Target, ...] = (
    _Target(AgendaItem, "created_at", "text", PURGED),
    _Target(Decision, "created_at", "text", PURGED),
    _Target(ActionItem, "created_at", "text", PURGED),
    _Target(Item, "updated_at", "title", PURGED),
    _Target(Item, "updated_at", "description", None),
    _Target(Item, "updated_at", "answer", None),
    _Target(ItemEvent, "at", "text", None),
)


def months_before(now: datetime, months: int) -> datetime:
    """`now` minus whole calendar months (the day clamped to the month's end)."""
    total = now.year * 12 + now.month - 1 - months
    year, month = divmod(total, 12)
    month += 1
    for day in (now.day, 30, 29, 28):
        try:
            return now.replace(year=year, month=month, day=day)
        except ValueError:
            continue
    raise AssertionError("unreachable")


def _pending(target: _Target, cutoff: datetime) -> Any:
    model = target.model
    text = getattr(model, target.text)
    not_blank = text.is_not(None) if target.blank is None else text != target.blank
    return (getattr(model, target.when) < cutoff) & not_blank


async def _text_answers(
    session: AsyncSession, cutoff: datetime
) -> list[tuple[int, str, dict[str, Any]]]:
    """(pulse id, answer key, values without free text) for answers to pulses closed
    before the cutoff that still hold free text."""
    pulses = (
        await session.execute(
            select(Pulse).where(col(Pulse.closed_at).is_not(None), col(Pulse.closed_at) < cutoff)
        )
    ).scalars()
    text_ids: dict[int, set[str]] = {}
    for pulse in pulses:
        questions = pulse.template.get("questions") if isinstance(pulse.template, dict) else None
        ids = {
            str(q.get("id"))
            for q in (questions or [])
            if isinstance(q, dict) and q.get("kind") == "text"
        }
        if ids and pulse.id is not None:
            text_ids[pulse.id] = ids
    if not text_ids:
        return []
    rows = (
        await session.execute(
            select(PulseAnswer).where(col(PulseAnswer.pulse_id).in_(list(text_ids)))
        )
    ).scalars()
    out: list[tuple[int, str, dict[str, Any]]] = []
    for answer in rows:
        ids = text_ids[answer.pulse_id]
        values = dict(answer.values or {})
        if any(values.get(q) not in (None, "", PURGED) for q in ids):
            for q in ids:
                if q in values:
                    values[q] = PURGED
            out.append((answer.pulse_id, answer.id, values))
    return out


async def _audit_ids(session: AsyncSession, cutoff: datetime) -> list[int]:
    rows = await session.execute(
        select(col(AuditEvent.id), col(AuditEvent.details)).where(col(AuditEvent.at) < cutoff)
    )
    return [i for i, details in rows.all() if details and i is not None]


async def plan(session: AsyncSession, cutoff: datetime) -> dict[str, int]:
    """What a purge at `cutoff` would blank: count per table.column (dry run)."""
    out: dict[str, int] = {}
    for target in TARGETS:
        count = (
            await session.execute(
                select(func.count()).select_from(target.model).where(_pending(target, cutoff))
            )
        ).scalar_one()
        out[f"{target.model.__tablename__}.{target.text}"] = int(count)
    out["pulse_answers.text"] = len(await _text_answers(session, cutoff))
    out["audit_log.details"] = len(await _audit_ids(session, cutoff))
    out["meeting_attendance.rows"] = int(
        (
            await session.execute(
                select(func.count())
                .select_from(Attendance)
                .where(col(Attendance.updated_at) < cutoff)
            )
        ).scalar_one()
    )
    return out


async def purge(session: AsyncSession, cutoff: datetime) -> dict[str, int]:
    """Blank what `plan` lists; returns the same counts."""
    counts = await plan(session, cutoff)
    for target in TARGETS:
        await session.execute(
            update(target.model).where(_pending(target, cutoff)).values({target.text: target.blank})
        )
    for pulse_id, key, values in await _text_answers(session, cutoff):
        await session.execute(
            update(PulseAnswer)
            .where(col(PulseAnswer.pulse_id) == pulse_id, col(PulseAnswer.id) == key)
            .values(values=values)
        )
    ids = await _audit_ids(session, cutoff)
    if ids:
        await session.execute(
            update(AuditEvent).where(col(AuditEvent.id).in_(ids)).values(details={})
        )
    await session.execute(delete(Attendance).where(col(Attendance.updated_at) < cutoff))
    return counts
