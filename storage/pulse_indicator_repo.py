"""The indicator "staff-rated collaboration" from closed pulses, per unit and period,
only where the differencing rule lets a value be shown (core/pulse_differencing.py)."""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from core.dates import HOME_ZONE
from core.pulse_differencing import Cell, publishable
from core.pulse_periods import period_bounds, periods_within
from core.pulse_questions import InvalidTemplate, Template
from core.pulse_results import effective_threshold
from storage.models import Unit
from storage.pulse_answers_repo import answers
from storage.pulse_models import Pulse
from storage.pulse_templates_repo import pulse_template
from storage.types import utcnow

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
