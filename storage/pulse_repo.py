"""Pulses and their anonymous answers.

Who answered (`pulse_respondents`, while the pulse is open) and what was answered
(`pulse_answers`, random ids, written in random groups by storage/answer_writer.py)
share nothing but the pulse; see core/answer_key.py.
"""

from __future__ import annotations

import random
import secrets
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, delete, func, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from core import answer_key as keys
from core.dates import HOME_ZONE
from core.pulse_cadence import DEFAULT_SKIP_MONTHS, skip_months
from core.pulse_differencing import Cell, publishable
from core.pulse_periods import period_bounds, period_of, periods_within
from core.pulse_questions import InvalidTemplate, Template, template_from_dict, template_to_dict
from core.pulse_results import effective_threshold
from core.pulse_templates import configured_for, library_template
from core.pulse_window import (
    DEFAULT_WINDOW_DAYS,
    answer_window,
    effective_cooldown,
    next_start,
    takes_answers,
)
from storage import pulse_models as _pulse_models  # noqa: F401  (tables in the metadata)
from storage.models import AuditEvent, Unit
from storage.pulse_models import Pulse, PulseAnswer, PulseRespondent, PulseTemplate
from storage.rows import count_of
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


@dataclass(frozen=True)
class UnitPulseSettings:
    """A unit's pulse settings, from `Unit.defaults["pulse"]` (the org file)."""

    threshold: int
    window_days: int
    template: str
    cadence: str  # "monthly" | "quarterly" | "off"
    cooldown_days: int
    skip_months: tuple[int, ...] = DEFAULT_SKIP_MONTHS  # months without recurring pulses

    @classmethod
    def of(cls, unit: Unit) -> UnitPulseSettings:
        raw = (unit.defaults or {}).get("pulse")
        conf: Mapping[str, Any] = raw if isinstance(raw, dict) else {}
        # The org file's documented name is `window_working_days`; `window_days` too.
        days = conf.get("window_working_days", conf.get("window_days"))
        cadence = conf.get("cadence")
        return cls(
            threshold=effective_threshold(conf.get("threshold")),
            window_days=days if isinstance(days, int) and 1 <= days <= 20 else DEFAULT_WINDOW_DAYS,
            template=str(conf.get("template") or "samverkanspuls"),
            cadence=cadence if cadence in ("monthly", "quarterly", "off") else "monthly",
            cooldown_days=effective_cooldown(conf.get("cooldown_days")),
            skip_months=skip_months(conf.get("skip_months")),
        )


# -- templates ---------------------------------------------------------------------------


async def find_template(
    session: AsyncSession, key: str, unit_id: int | None, unit: Unit | None = None
) -> Template | None:
    """The template `key` for a unit: the unit's own saved one (`puls ny mall`), else
    one in the org file for it (with `unit`: its `defaults.pulse.templates`, within their
    levels), else a saved shared one, else the shipped library; None if unknown."""
    wanted = key.strip().lower()
    rows = (
        (
            await session.execute(
                select(PulseTemplate).where(
                    func.lower(col(PulseTemplate.key)) == wanted,
                    col(PulseTemplate.archived_at).is_(None),
                )
            )
        )
        .scalars()
        .all()
    )
    own = [r for r in rows if unit_id is not None and r.unit_id == unit_id]
    shared = [r for r in rows if r.unit_id is None]
    for row in sorted(own, key=lambda r: -(r.id or 0)):
        return template_from_dict(row.definition)
    if unit is not None:
        configured = configured_for((unit.defaults or {}).get("pulse"), wanted, unit.level)
        if configured is not None:
            return configured
    for row in sorted(shared, key=lambda r: -(r.id or 0)):
        return template_from_dict(row.definition)
    return library_template(wanted, unit.level if unit is not None else None)


async def save_template(
    session: AsyncSession, template: Template, unit_id: int | None = None
) -> PulseTemplate:
    """Save a template for a unit (or every unit). A template saved under a key the unit
    already has replaces it for new pulses (the old row is archived); pulses keep the
    questions as they were asked (`Pulse.template` is a copy)."""
    await session.execute(
        update(PulseTemplate)
        .where(
            func.lower(col(PulseTemplate.key)) == template.key.lower(),
            col(PulseTemplate.unit_id).is_(None)
            if unit_id is None
            else col(PulseTemplate.unit_id) == unit_id,
            col(PulseTemplate.archived_at).is_(None),
        )
        .values(archived_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    row = PulseTemplate(key=template.key, unit_id=unit_id, definition=template_to_dict(template))
    session.add(row)
    await session.flush()
    return row


async def saved_keys(session: AsyncSession, unit_id: int) -> list[str]:
    """Keys of the templates saved for this unit or for every unit."""
    rows = await session.execute(
        select(col(PulseTemplate.key)).where(
            col(PulseTemplate.archived_at).is_(None),
            col(PulseTemplate.unit_id).is_(None) | (col(PulseTemplate.unit_id) == unit_id),
        )
    )
    return sorted(set(rows.scalars().all()))


def pulse_template(pulse: Pulse) -> Template:
    return template_from_dict(pulse.template)


# -- opening and closing -----------------------------------------------------------------


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


async def live_children(session: AsyncSession, unit_id: int) -> list[Unit]:
    """The units right below this one (not archived), by name: a results card's roll-up."""
    rows = await session.execute(
        select(Unit)
        .where(col(Unit.parent_id) == unit_id, col(Unit.archived_at).is_(None))
        .order_by(col(Unit.name))
    )
    return list(rows.scalars().all())


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


# -- answers ---------------------------------------------------------------------------


def respondent(pulse: Pulse | str, secret: str, user_id: str) -> str:
    """This person's row in `pulse_respondents` for this pulse (or pulse reference)."""
    ref = pulse if isinstance(pulse, str) else pulse.ref
    return keys.respondent_key(secret, ref, user_id)


async def has_answered(session: AsyncSession, pulse: Pulse, secret: str, user_id: str) -> bool:
    """Whether this person has answered this open pulse (unknown once it is final)."""
    if pulse.id is None:
        return False
    row = await session.get(PulseRespondent, (pulse.id, respondent(pulse, secret, user_id)))
    return row is not None


async def save_answers(
    session: AsyncSession, pulse: Pulse, secret: str, answers: Mapping[str, Mapping[str, Any]]
) -> None:
    """Store several people's answers (user id -> values) at once in the caller's
    transaction, as one shuffled group, whatever the pulse's window: for setting up
    history. The bot stores answers through storage/answer_writer.py, which also checks
    that the pulse takes them and never writes an answer when its author answered."""
    assert pulse.id is not None
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    people = sorted(respondent(pulse, secret, who) for who in answers)
    await session.execute(
        insert(PulseRespondent)
        .values([{"pulse_id": pulse.id, "person": p} for p in people])
        .on_conflict_do_nothing()
    )
    contents = [dict(v) for v in answers.values()]
    random.SystemRandom().shuffle(contents)
    await session.execute(
        insert(PulseAnswer).values(
            [{"pulse_id": pulse.id, "id": keys.new_answer_id(), "values": v} for v in contents]
        )
    )


async def respondent_count(session: AsyncSession, pulse_id: int) -> int:
    """How many people have answered a pulse whose results are not final yet."""
    return await count_of(session, PulseRespondent, col(PulseRespondent.pulse_id) == pulse_id)


async def answer_count(session: AsyncSession, pulse: Pulse) -> int:
    """How many people answered: counted while open, frozen once final."""
    if pulse.answer_count is not None:
        return pulse.answer_count
    assert pulse.id is not None
    return await respondent_count(session, pulse.id)


async def stored_count(session: AsyncSession, pulse_id: int) -> int:
    """How many answers' contents are stored."""
    return await count_of(session, PulseAnswer, col(PulseAnswer.pulse_id) == pulse_id)


async def answers(session: AsyncSession, pulse_id: int) -> list[dict[str, Any]]:
    """The answers' values only, ordered by their random ids (never by time)."""
    rows = await session.execute(
        select(col(PulseAnswer.values))
        .where(col(PulseAnswer.pulse_id) == pulse_id)
        .order_by(col(PulseAnswer.id))
    )
    return [dict(v) for v in rows.scalars().all()]


# -- indicator: staff-rated collaboration ------------------------------------------------

INDICATOR_KEY = "staff_rated_collaboration"


async def pulse_indicator_values(
    session: AsyncSession,
    period: str,
    *,
    zone: ZoneInfo | None = None,
    now: datetime | None = None,
) -> list[tuple[int, str, float]]:
    """(unit_id, period, value) of "staff-rated collaboration" (mean 1–5 of the pulse's
    indicator question) for every unit whose value may be shown.

    A unit's value covers the closed pulses of the unit and the units below it
    opened in `period` ("YYYY-MM", "YYYY-Qn" or "YYYY"). Values are final only: a
    period that has not ended, or that still has an open pulse, gives nothing
    (a value that changes as pulses close could be subtracted from its earlier
    self). Suppression: every shown value has >= the threshold answers, and no
    subtraction between shown values and already-published pulse results isolates
    a smaller group (core.pulse_differencing.publishable).
    """
    _start, end = period_bounds(period)
    tz = zone or ZoneInfo(HOME_ZONE)
    moment = now or utcnow()
    if datetime.combine(end, datetime.min.time(), tzinfo=tz) > moment:
        return []
    months = periods_within(period)
    pulses = list(
        (await session.execute(select(Pulse).where(col(Pulse.period).in_(months)))).scalars().all()
    )
    if not pulses or any(p.closed_at is None for p in pulses):
        return []
    units = list((await session.execute(select(Unit))).scalars().all())
    children: dict[int, list[int]] = defaultdict(list)
    for u in units:
        if u.parent_id is not None and u.id is not None:
            children[u.parent_id].append(u.id)
    by_unit: dict[int, list[Pulse]] = defaultdict(list)
    for p in pulses:
        by_unit[p.unit_id].append(p)

    sums: dict[int, tuple[float, int]] = {}  # pulse id -> (sum of indicator values, count)
    counts: dict[int, int] = {}
    for p in pulses:
        assert p.id is not None
        rows = await answers(session, p.id)
        counts[p.id] = len(rows)
        template = _template_or_none(p)
        qid = template.indicator_question if template else None
        nums = [int(r[qid]) for r in rows if qid and isinstance(r.get(qid), int)]
        sums[p.id] = (float(sum(nums)), len(nums))

    threshold = max([p.threshold for p in pulses] + [effective_threshold(None)])
    cells: dict[tuple[str, int], Cell[tuple[str, int]]] = {}
    for p in pulses:
        assert p.id is not None
        published_at_close = counts[p.id] >= p.threshold
        cells[("pulse", p.id)] = Cell(own=counts[p.id], forced=published_at_close)
    for u in units:
        assert u.id is not None
        kids = [("unit", c) for c in children.get(u.id, [])]
        kids += [("pulse", p.id) for p in by_unit.get(u.id, []) if p.id is not None]
        cells[("unit", u.id)] = Cell(own=0, children=tuple(kids))
    shown = publishable(cells, threshold)

    def subtree_pulses(unit_id: int) -> list[Pulse]:
        out = list(by_unit.get(unit_id, []))
        for c in children.get(unit_id, []):
            out.extend(subtree_pulses(c))
        return out

    values: list[tuple[int, str, float]] = []
    for u in units:
        assert u.id is not None
        if ("unit", u.id) not in shown:
            continue
        total, n = 0.0, 0
        for p in subtree_pulses(u.id):
            assert p.id is not None
            s, c = sums[p.id]
            total, n = total + s, n + c
        if n:
            values.append((u.id, period, round(total / n, 2)))
    return sorted(values)


def _template_or_none(pulse: Pulse) -> Template | None:
    try:
        return pulse_template(pulse)
    except InvalidTemplate:
        return None
