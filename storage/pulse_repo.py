"""Pulses: opening one in a unit's channel, finding it, reminding, closing, and making
its results final.

Making results final freezes the number of people who answered and forgets who they
were (`finalize`); the answers themselves are in storage/pulse_answers_repo.py.
"""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, delete, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from core.pulse_periods import period_of
from core.pulse_questions import Template, template_to_dict
from core.pulse_window import answer_window, next_start, takes_answers
from storage import pulse_models as _pulse_models  # noqa: F401  (tables in the metadata)
from storage.models import AuditEvent, Unit
from storage.pulse_answers_repo import respondent_count, stored_count
from storage.pulse_models import Pulse, PulseRespondent
from storage.pulse_settings import UnitPulseSettings
from storage.types import utcnow

# How long a closed pulse waits for answers still held by another process (storage/
# answer_writer.py) before its results are made final without them (a process that
# died holding answers never sends them).
SETTLE_GRACE = timedelta(minutes=5)


class PulseAlreadyOpen(Exception):
    def __init__(self, pulse: Pulse) -> None:
        super().__init__("the unit already has an open pulse")
        self.pulse = pulse


class PulseCoolingDown(Exception):
    """The unit's last pulse closed less than its cool-down ago."""

    def __init__(self, next_at: datetime) -> None:
        super().__init__("the unit's last pulse closed too recently")
        self.next_at = next_at


async def open_pulse(
    session: AsyncSession,
    unit: Unit,
    conversation_pk: int,
    template: Template,
    *,
    zone: ZoneInfo,
    now: datetime | None = None,
    opened_by: str = "command",
) -> Pulse:
    """Open a pulse in the unit's channel. Raises PulseAlreadyOpen if one is open, and
    PulseCoolingDown within the unit's cool-down of its last close."""
    assert unit.id is not None
    # Lock the unit's row first: two `puls starta` (or the schedule and a command) at
    # once would both see no open pulse and the second would fail on the unique index.
    await session.execute(select(col(Unit.id)).where(col(Unit.id) == unit.id).with_for_update())
    existing = await open_pulse_for_unit(session, unit.id)
    if existing is not None:
        raise PulseAlreadyOpen(existing)
    conf = UnitPulseSettings.of(unit)
    when = now or utcnow()
    last = await latest_closed(session, unit.id)
    allowed = next_start(last.closed_at if last else None, conf.cooldown_days)
    if allowed is not None and when < allowed:
        raise PulseCoolingDown(allowed)
    window = answer_window(when, zone, conf.window_days)
    ref = secrets.token_urlsafe(16)
    pulse = Pulse(
        ref=ref,
        unit_id=unit.id,
        conversation_pk=conversation_pk,
        template_key=template.key,
        template=template_to_dict(template),
        period=period_of(when.astimezone(zone).date()),
        threshold=conf.threshold,
        opened_at=when,
        closes_at=window.closes_at,
        remind_at=window.remind_at,
        card_key=f"pulse:{ref}:card",
        opened_by=opened_by,
    )
    session.add(pulse)
    await session.flush()
    session.add(
        AuditEvent(
            actor=None,  # who opened a pulse is not needed; keep people out of pulse rows
            action="pulse.opened",
            unit_id=unit.id,
            details={"pulse": pulse.id, "template": template.key, "by": opened_by},
        )
    )
    return pulse


async def open_pulse_for_unit(session: AsyncSession, unit_id: int) -> Pulse | None:
    return (
        await session.execute(
            select(Pulse).where(col(Pulse.unit_id) == unit_id, col(Pulse.closed_at).is_(None))
        )
    ).scalar_one_or_none()


async def latest_closed(session: AsyncSession, unit_id: int) -> Pulse | None:
    return (
        (
            await session.execute(
                select(Pulse)
                .where(col(Pulse.unit_id) == unit_id, col(Pulse.closed_at).is_not(None))
                .order_by(col(Pulse.closed_at).desc(), col(Pulse.id).desc())
                .limit(1)
            )
        )
        .scalars()
        .first()
    )


async def opened_in_period(session: AsyncSession, unit_id: int, period: str) -> bool:
    """Whether the unit has had a pulse opened in the month `period` ("YYYY-MM")."""
    found = await session.execute(
        select(col(Pulse.id))
        .where(col(Pulse.unit_id) == unit_id, col(Pulse.period) == period)
        .limit(1)
    )
    return found.first() is not None


async def by_ref(session: AsyncSession, ref: str) -> Pulse | None:
    """The pulse a card refers to."""
    return (await session.execute(select(Pulse).where(col(Pulse.ref) == ref))).scalar_one_or_none()


def is_open(pulse: Pulse, now: datetime | None = None) -> bool:
    return takes_answers(pulse.closed_at, pulse.closes_at, now or utcnow())


async def _update_if(
    session: AsyncSession, pulse_id: int, *conditions: ColumnElement[bool], **values: Any
) -> bool:
    """Set `values` on the pulse if every condition holds, in one UPDATE (so of two
    concurrent callers exactly one gets True and does the side effects)."""
    result = await session.execute(
        update(Pulse)
        .where(col(Pulse.id) == pulse_id, *conditions)
        .values(**values)
        .returning(col(Pulse.id))
        .execution_options(synchronize_session=False)
    )
    return result.first() is not None


async def close_pulse(
    session: AsyncSession, pulse_id: int, now: datetime | None = None
) -> Pulse | None:
    """Close: no answer is taken after this commits. Returns the pulse if this call
    closed it, None if it was already closed (so a double close does its side effects
    once). The results follow with `finalize`, once the answers still held in memory
    (storage/answer_writer.py) are written."""
    when = now or utcnow()
    # On PostgreSQL the update waits for answer writes that hold the pulse row, and
    # later ones see it closed.
    if not await _update_if(session, pulse_id, col(Pulse.closed_at).is_(None), closed_at=when):
        return None
    pulse = await session.get(Pulse, pulse_id, populate_existing=True)
    assert pulse is not None
    return pulse


async def finalize(
    session: AsyncSession, pulse_id: int, now: datetime | None = None
) -> Pulse | None:
    """Make a closed pulse's results final: once every accepted answer is written
    (`held` is 0), or SETTLE_GRACE after the close whatever is missing. Freezes the
    number of people who answered and forgets who they were. Returns the pulse if
    this call did it (None: not closed, not settled, or already final)."""
    when = now or utcnow()
    people = await respondent_count(session, pulse_id)
    settled = await _update_if(
        session,
        pulse_id,
        col(Pulse.closed_at).is_not(None),
        col(Pulse.answer_count).is_(None),
        (col(Pulse.held) == 0) | (col(Pulse.closed_at) <= when - SETTLE_GRACE),
        answer_count=people,
        held=0,
    )
    if not settled:
        return None
    await session.execute(delete(PulseRespondent).where(col(PulseRespondent.pulse_id) == pulse_id))
    stored = await stored_count(session, pulse_id)
    pulse = await session.get(Pulse, pulse_id, populate_existing=True)
    assert pulse is not None
    session.add(
        AuditEvent(
            actor=None,
            action="pulse.closed",
            unit_id=pulse.unit_id,
            details={"pulse": pulse_id, "answers": people, "kept": stored},
        )
    )
    return pulse


async def unsettled(session: AsyncSession) -> list[Pulse]:
    """Closed pulses whose results are not final yet."""
    rows = await session.execute(
        select(Pulse).where(col(Pulse.closed_at).is_not(None), col(Pulse.answer_count).is_(None))
    )
    return list(rows.scalars().all())


async def due_to_close(session: AsyncSession, now: datetime) -> list[Pulse]:
    rows = await session.execute(
        select(Pulse).where(col(Pulse.closed_at).is_(None), col(Pulse.closes_at) <= now)
    )
    return list(rows.scalars().all())


async def due_reminders(session: AsyncSession, now: datetime) -> list[Pulse]:
    rows = await session.execute(
        select(Pulse).where(
            col(Pulse.closed_at).is_(None),
            col(Pulse.reminded_at).is_(None),
            col(Pulse.remind_at).is_not(None),
            col(Pulse.remind_at) <= now,
            col(Pulse.closes_at) > now,
        )
    )
    return list(rows.scalars().all())


async def mark_reminded(session: AsyncSession, pulse_id: int, now: datetime) -> bool:
    return await _update_if(session, pulse_id, col(Pulse.reminded_at).is_(None), reminded_at=now)


async def set_member_count(session: AsyncSession, pulse_id: int, members: int) -> None:
    await session.execute(
        update(Pulse)
        .where(col(Pulse.id) == pulse_id)
        .values(member_count=members)
        .execution_options(synchronize_session=False)
    )
