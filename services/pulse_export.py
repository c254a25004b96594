"""Export a unit's pulse results (aggregated and thresholded, as the results cards
show them: core/pulse_export.py) as CSV or xlsx.

Every function returns `(filename, bytes)`: the CLI writes them to a file, and the
personal chat can send them as a file (the file-consent primitive, #16) unchanged.
"""

from __future__ import annotations

import csv
import io
from enum import StrEnum
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from core.pulse_export import Row, result_rows, sheet
from core.pulse_results import summarize
from core.pulse_templates import slug
from i18n.texts import t
from services.export import unit_named
from storage import pulse_answers_repo, pulse_templates_repo
from storage.db import Database
from storage.models import Unit
from storage.pulse_models import Pulse


class PulseFormat(StrEnum):
    csv = "csv"
    xlsx = "xlsx"


async def _rows(
    s: AsyncSession, unit: Unit, *, period: str | None, zone: ZoneInfo, lang: str
) -> list[Row]:
    assert unit.id is not None
    query = select(Pulse).where(col(Pulse.unit_id) == unit.id, col(Pulse.answer_count).is_not(None))
    if period:
        query = query.where(col(Pulse.period) == period)
    pulses = list((await s.execute(query.order_by(col(Pulse.opened_at)))).scalars().all())
    rows: list[Row] = []
    for p in pulses:
        assert p.id is not None
        template = pulse_templates_repo.pulse_template(p)
        answers = await pulse_answers_repo.answers(s, p.id)
        results = summarize(template, answers, p.threshold, answered=p.answer_count)
        opened = p.opened_at.astimezone(zone).date().isoformat()
        rows += result_rows(
            unit.name,
            p.period,
            opened,
            template,
            results,
            lang=lang,
            yes=t(lang, "pulse.yes"),
            no=t(lang, "pulse.no"),
        )
    return rows


def to_csv(rows: list[Row]) -> bytes:
    """UTF-8 with a byte-order mark, so Excel opens å, ä and ö right."""
    out = io.StringIO()
    csv.writer(out, lineterminator="\r\n").writerows(sheet(rows))
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def to_xlsx(rows: list[Row], title: str) -> bytes:
    from openpyxl import Workbook

    book = Workbook()
    ws = book.active
    assert ws is not None
    ws.title = title[:31] or "Puls"
    for row in sheet(rows):
        ws.append(row)
    ws.freeze_panes = "A2"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


async def export_pulse_results(
    db: Database, unit_name: str, **how: Any
) -> tuple[str, bytes] | None:
    """(filename, bytes) of the unit's pulse results (as `export_unit_pulse_results`, which
    takes the same keywords); None if no unit has that name. What the CLI calls."""
    async with db.read() as s:
        unit, _units = await unit_named(s, unit_name)
    if unit is None:
        return None
    return await export_unit_pulse_results(db, unit, **how)


async def export_unit_pulse_results(
    db: Database,
    unit: Unit,
    *,
    period: str | None = None,
    form: PulseFormat = PulseFormat.csv,
    zone: ZoneInfo,
    lang: str = "sv",
) -> tuple[str, bytes]:
    """(filename, bytes) of a unit's pulse results, for a unit the caller has already
    resolved and checked (bot/scope.py, the coordinator role): what the personal chat
    sends through the file-consent primitive."""
    async with db.read() as s:
        rows = await _rows(s, unit, period=period, zone=zone, lang=lang)
    return _file(unit.name, rows, period=period, form=form)


def _file(
    name: str, rows: list[Row], *, period: str | None, form: PulseFormat
) -> tuple[str, bytes]:
    filename = f"puls_{slug(name) or 'enhet'}_{period or 'alla'}.{form.value}"
    data = to_csv(rows) if form is PulseFormat.csv else to_xlsx(rows, name)
    return filename, data
