"""Comparison figures (storage/comparison_models.py): upsert, load, last import."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func
from sqlalchemy import select as sa_select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from storage.comparison_models import IndicatorComparison
from storage.indicator_models import IndicatorValue
from storage.types import utcnow
from storage.upsert import dialect_insert

_CHUNK = 500


@dataclass(frozen=True)
class ComparisonIn:
    indicator_id: int
    area: str
    period: str
    value: float


async def upsert(session: AsyncSession, rows: Sequence[ComparisonIn]) -> int:
    """Insert or update; the last row wins for a key given twice. Returns rows written."""
    wanted = {(r.indicator_id, r.area, r.period): r for r in rows}
    now = utcnow()
    values = [
        {"indicator_id": i, "area": a, "period": p, "value": r.value, "imported_at": now}
        for (i, a, p), r in wanted.items()
    ]
    for start in range(0, len(values), _CHUNK):
        stmt = dialect_insert(session, IndicatorComparison).values(values[start : start + _CHUNK])
        await session.execute(
            stmt.on_conflict_do_update(
                index_elements=["indicator_id", "area", "period"],
                set_={"value": stmt.excluded.value, "imported_at": stmt.excluded.imported_at},
                where=IndicatorComparison.value != stmt.excluded.value,
            )
        )
    return len(values)


async def load(
    session: AsyncSession, indicator_ids: Iterable[int]
) -> dict[int, dict[str, dict[str, float]]]:
    """indicator id -> period label -> area -> value."""
    ids = list(indicator_ids)
    if not ids:
        return {}
    rows = await session.execute(
        sa_select(
            col(IndicatorComparison.indicator_id),
            col(IndicatorComparison.period),
            col(IndicatorComparison.area),
            col(IndicatorComparison.value),
        ).where(col(IndicatorComparison.indicator_id).in_(ids))
    )
    out: dict[int, dict[str, dict[str, float]]] = {}
    for ind, period, area, value in rows.all():
        out.setdefault(ind, {}).setdefault(period, {})[area] = value
    return out


async def last_import(session: AsyncSession, source: str) -> datetime | None:
    """When figures from `source` (values or comparisons) were last written."""
    values = await session.execute(
        sa_select(func.max(col(IndicatorValue.imported_at))).where(
            col(IndicatorValue.source) == source
        )
    )
    comps = await session.execute(sa_select(func.max(col(IndicatorComparison.imported_at))))
    found = [d for d in (values.scalar(), comps.scalar()) if d is not None]
    if not found:
        return None
    newest = max(found)
    if isinstance(newest, str):  # SQLite's MAX over a typed column comes back as text
        newest = datetime.fromisoformat(newest)
    return newest if newest.tzinfo else newest.replace(tzinfo=utcnow().tzinfo)
