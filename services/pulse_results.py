"""What a results card shows besides the pulse itself: the parent unit and county beside
each scale question (core/pulse_compare.py decides where), and the unit's trend."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from cards.base import Element
from cards.pulse_trend import trend_chart
from core.pulse_compare import beside, trend_points
from core.pulse_periods import period_bounds, periods_within
from core.pulse_questions import SCALES, Question, Template
from core.pulse_results import effective_threshold
from services import pulse_followups
from storage import pulse_answers_repo
from storage.models import Unit
from storage.pulse_models import Pulse
from storage.types import utcnow

TREND_PULSES = 12


@dataclass(frozen=True)
class Group:
    name: str
    mean: float
    answers: int


def _asks(pulse: Pulse, question: Question) -> bool:
    """Whether the pulse, as it was asked, had this question: same id, kind and Swedish
    text (a question reworded is another question)."""
    for q in (pulse.template or {}).get("questions", []):
        if (
            isinstance(q, dict)
            and q.get("id") == question.id
            and q.get("kind") == question.kind.value
            and (q.get("text") or {}).get("sv") == question.text.get("sv")
        ):
            return True
    return False


def _mean(values: list[int]) -> float | None:
    return sum(values) / len(values) if values else None


async def comparisons(
    session: AsyncSession,
    pulse: Pulse,
    template: Template,
    *,
    zone: ZoneInfo,
    now: datetime | None = None,
) -> dict[str, list[Group]]:
    """Per scale question: the parent unit's and the county's mean for the pulse's month,
    where they may be shown. Empty until the month has ended with no pulse open."""
    _start, end = period_bounds(pulse.period)
    if datetime.combine(end, datetime.min.time(), tzinfo=zone) > (now or utcnow()):
        return {}
    months = periods_within(pulse.period)
    rows = await session.execute(
        select(Pulse).where(col(Pulse.period).in_(months), col(Pulse.closed_at).is_not(None))
    )
    pulses = {p.id: p for p in rows.scalars().all() if p.id is not None}
    still_open = await session.execute(
        select(col(Pulse.id)).where(col(Pulse.period).in_(months), col(Pulse.closed_at).is_(None))
    )
    if still_open.first() is not None or not pulses:
        return {}
    units = {u.id: u for u in (await session.execute(select(Unit))).scalars() if u.id is not None}
    children: dict[int, list[int]] = defaultdict(list)
    for u in units.values():
        if u.parent_id is not None and u.id is not None:
            children[u.parent_id].append(u.id)
    ancestors: list[int] = []
    at = units.get(pulse.unit_id)
    while at is not None and at.parent_id is not None and at.parent_id not in ancestors:
        ancestors.append(at.parent_id)
        at = units.get(at.parent_id)
    if not ancestors:
        return {}
    pulses_of: dict[int, list[int]] = defaultdict(list)
    for pid, p in pulses.items():
        pulses_of[p.unit_id].append(pid)
    answers = {pid: await pulse_answers_repo.answers(session, pid) for pid in pulses}
    stored = {pid: len(a) for pid, a in answers.items()}
    thresholds = {pid: p.threshold for pid, p in pulses.items()}
    threshold = max([*thresholds.values(), effective_threshold(None)])
    out: dict[str, list[Group]] = {}
    for q in template.questions:
        if q.kind not in SCALES:
            continue
        asked = frozenset(pid for pid, p in pulses.items() if _asks(p, q))
        groups = beside(
            pulse.unit_id,
            ancestors,
            children,
            pulses_of,
            stored,
            thresholds,
            asked,
            threshold,
        )
        shown = []
        for g in groups:
            values = [
                int(v)
                for pid in g.pulses
                for a in answers[pid]
                if isinstance(v := a.get(q.id), int) and not isinstance(v, bool)
            ]
            mean = _mean(values)
            unit = units.get(g.unit)
            if mean is not None and unit is not None:
                shown.append(Group(unit.name, mean, len(values)))
        if shown:
            out[q.id] = shown
    return out


async def trend(
    session: AsyncSession, pulse: Pulse, template: Template, *, zone: ZoneInfo
) -> list[tuple[date, dict[str, float]]]:
    """The unit's pulses of this template up to this one, oldest first, with the mean of
    each scale question as it was asked; only pulses whose results were shown."""
    questions = [q for q in template.questions if q.kind in SCALES]
    if not questions:
        return []
    rows = await session.execute(
        select(Pulse)
        .where(
            col(Pulse.unit_id) == pulse.unit_id,
            col(Pulse.template_key) == pulse.template_key,
            col(Pulse.closed_at).is_not(None),
            col(Pulse.opened_at) <= pulse.opened_at,
        )
        .order_by(col(Pulse.opened_at).desc())
        .limit(TREND_PULSES)
    )
    found = list(reversed(rows.scalars().all()))
    points: list[tuple[date, int, int, dict[str, float | None]]] = []
    for p in found:
        assert p.id is not None
        answers = await pulse_answers_repo.answers(session, p.id)
        means: dict[str, float | None] = {}
        for q in questions:
            if _asks(p, q):
                means[q.id] = _mean([int(a[q.id]) for a in answers if isinstance(a.get(q.id), int)])
        points.append((p.opened_at.astimezone(zone).date(), len(answers), p.threshold, means))
    return trend_points(points, [q.id for q in questions], TREND_PULSES)


@dataclass(frozen=True)
class Extras:
    """What `cards.pulse.results_card` shows beyond the pulse: `beside` per question id,
    the trend chart, and what came of earlier comments (`followups`)."""

    beside: dict[str, list[tuple[str, float, int]]]
    trend: Element | None
    followups: list[tuple[int, str, str, str | None]]  # (item id, title, status, answer)
    made: dict[str, int]  # this pulse's comments already made items: key -> item id


async def extras(
    session: AsyncSession,
    pulse: Pulse,
    template: Template,
    *,
    zone: ZoneInfo,
    lang: str,
    compare: bool = True,
) -> Extras:
    groups = await comparisons(session, pulse, template, zone=zone) if compare else {}
    points = await trend(session, pulse, template, zone=zone)
    series = [(q.id, q.label(lang)) for q in template.questions if q.kind in SCALES]
    earlier = await pulse_followups.earlier_items(session, pulse)
    return Extras(
        beside={qid: [(g.name, g.mean, g.answers) for g in gs] for qid, gs in groups.items()},
        trend=trend_chart(lang, series, points),
        followups=[(i.id or 0, i.title, i.status, i.answer) for i in earlier],
        made=await pulse_followups.made_items(session, pulse),
    )
