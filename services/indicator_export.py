"""Indicator exports as files: the stored values (in the format the importer reads, so a
file exported, edited and sent back imports as the changes made) and the digest data
(per unit and indicator: value, target, status, trend)."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable

from sqlalchemy import select
from sqlmodel import col

from core.roles import descendants
from services import digest as digest_service
from storage import indicators_repo
from storage.db import Database
from storage.indicator_models import IndicatorDefinition, IndicatorValue

VALUE_COLUMNS = ("indikator", "enhet", "period", "värde", "nämnare", "källa")
DIGEST_COLUMNS = (
    "enhet",
    "indikator",
    "referensperiod",
    "period",
    "värde",
    "mål",
    "status",
    "trend",
    "aktualitet",
)


def _number(value: float | None) -> str:
    if value is None:
        return ""
    return f"{value:g}".replace(".", ",")


def _csv(header: Iterable[str], rows: Iterable[Iterable[object]]) -> bytes:
    buf = io.StringIO()
    writer = csv.writer(buf, delimiter=";", lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows(rows)
    # A BOM so Excel on Swedish Windows opens it as UTF-8.
    return buf.getvalue().encode("utf-8-sig")


async def values_csv(db: Database, unit_ids: Iterable[int]) -> bytes:
    """Every stored value of these units, oldest first."""
    ids = list(unit_ids)
    async with db.read() as s:
        units = {u.id: u.name for u in await indicators_repo.live_units(s) if u.id is not None}
        rows = await s.execute(
            select(
                col(IndicatorDefinition.key),
                col(IndicatorValue.unit_id),
                col(IndicatorValue.period),
                col(IndicatorValue.value),
                col(IndicatorValue.denominator),
                col(IndicatorValue.source),
            )
            .join(
                IndicatorDefinition, col(IndicatorDefinition.id) == col(IndicatorValue.indicator_id)
            )
            .where(col(IndicatorValue.unit_id).in_(ids))
            .order_by(
                col(IndicatorDefinition.position),
                col(IndicatorValue.unit_id),
                col(IndicatorValue.period),
            )
        )
        found = rows.all()
    return _csv(
        VALUE_COLUMNS,
        (
            (key, units.get(uid, ""), period, _number(value), _number(den), source)
            for key, uid, period, value, den, source in found
            if uid in units
        ),
    )


async def digest_csv(db: Database, unit_id: int) -> bytes:
    """The digest of the unit and every unit below it, one row per unit and indicator."""
    data = await digest_service.load_units(db, [unit_id], None)
    out: list[list[object]] = []
    for uid in descendants(unit_id, data.parents):
        if uid not in data.units:
            continue
        unit = digest_service.unit_digest(data, uid)
        for row in unit.rows:
            out.append(
                [
                    unit.unit_name,
                    row.defn.key,
                    row.reference.label,
                    row.period.label if row.period else "",
                    _number(row.value),
                    _number(row.target),
                    row.status.value,
                    row.trend.value,
                    row.freshness.value,
                ]
            )
    return _csv(DIGEST_COLUMNS, out)
