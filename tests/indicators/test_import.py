"""Importing values from CSV and Excel: upsert, every bad row reported, all or nothing.

Runs on SQLite and PostgreSQL (the `db` fixture).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from openpyxl import Workbook
from sqlmodel import select

from services.indicator_import import ImportFileError, import_file
from storage.db import Database
from storage.indicator_models import IndicatorValue
from tests.support.indicators import seed_county

GOOD_CSV = """indikator;enhet;period;värde;nämnare
utskrivningsklara_dagar;Östersund;2026-01;1,8;120
utskrivningsklara_dagar;Östersund;2026-02;1,6;110
utskrivningsklara_dagar;krokom;2026-02;2,4;
fast_lakarkontakt;Härjedalen;2026 Q1;61,5;900
lakemedelsgenomgang_sabo;Krokom;2025;87;
"""


async def values(db: Database) -> list[tuple[str, float, float | None, str]]:
    async with db.session() as s:
        rows = (await s.execute(select(IndicatorValue).order_by(IndicatorValue.id))).scalars().all()  # type: ignore[arg-type]
        return [(r.period, r.value, r.denominator, r.imported_at.isoformat()) for r in rows]


async def run_import(db: Database, path: Path, skip: bool = False):  # type: ignore[no-untyped-def]
    async with db.session() as s:
        return await import_file(s, path, skip_bad_rows=skip)


async def test_csv_with_decimal_commas_round_trips_and_reimport_changes_nothing(
    db: Database, tmp_path: Path
) -> None:
    await seed_county(db)
    path = tmp_path / "values.csv"
    path.write_text(GOOD_CSV, encoding="utf-8")
    report = await run_import(db, path)
    assert report.imported and report.bad == []
    assert (report.result.inserted, report.result.updated, report.result.unchanged) == (5, 0, 0)
    first = await values(db)
    assert [(p, v, d) for p, v, d, _ in first] == [
        ("2026-01", 1.8, 120.0),
        ("2026-02", 1.6, 110.0),
        ("2026-02", 2.4, None),
        ("2026-Q1", 61.5, 900.0),
        ("2025", 87.0, None),
    ]
    again = await run_import(db, path)
    assert (again.result.inserted, again.result.updated, again.result.unchanged) == (0, 0, 5)
    assert await values(db) == first  # not even imported_at moved

    # A corrected figure updates that one row only.
    path.write_text(GOOD_CSV.replace("1,6;110", "1,7;110"), encoding="utf-8")
    changed = await run_import(db, path)
    assert (changed.result.inserted, changed.result.updated, changed.result.unchanged) == (0, 1, 4)


async def test_every_bad_row_is_reported_and_nothing_imported(db: Database, tmp_path: Path) -> None:
    await seed_county(db)
    path = tmp_path / "bad.csv"
    path.write_text(
        "indicator,unit,period,value\n"
        'utskrivningsklara_dagar,Östersund,2026-01,"1,8"\n'  # good (quoted decimal comma)
        "utskrivnings_dagar,Östersund,2026-01,2\n"  # row 3: unknown indicator
        "utskrivningsklara_dagar,Östersun,2026-01,2\n"  # row 4: unknown unit
        "utskrivningsklara_dagar,Krokom,2026 Q1,2\n"  # row 5: quarter for a monthly indicator
        "fast_lakarkontakt,Krokom,2026-Q2,sextio\n"  # row 6: not a number
        "utskrivningsklara_dagar,Krokom,2026-13,2\n"  # row 7: no month 13
        "\n"
        'utskrivningsklara_dagar,Östersund,2026-01,"1,9"\n',  # row 9: duplicate of row 2, other value
        encoding="utf-8",
    )
    report = await run_import(db, path)
    assert not report.imported
    got = {b.row: b.reason for b in report.bad}
    assert sorted(got) == [3, 4, 5, 6, 7, 9]
    assert "unknown indicator 'utskrivnings_dagar'" in got[3] and "did you mean" in got[3]
    assert "unknown unit 'Östersun'" in got[4]
    assert "per month" in got[5]
    assert "not a number" in got[6]
    assert "no month 13" in got[7]
    assert "row 2" in got[9]
    assert await values(db) == []

    skipped = await run_import(db, path, skip=True)
    assert skipped.imported and skipped.result.inserted == 1 and len(skipped.bad) == 6
    assert [(p, v) for p, v, _, _ in await values(db)] == [("2026-01", 1.8)]


async def test_xlsx_import(db: Database, tmp_path: Path) -> None:
    await seed_county(db)
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["Indikator", "Enhet", "Period", "Värde"])
    sheet.append(["utskrivningsklara_dagar", "Krokom", "2026-03", 2.25])  # a real number cell
    sheet.append(["fast_lakarkontakt", "Krokom", "2026 Q1", "58,5"])  # text with a decimal comma
    sheet.append(["lakemedelsgenomgang_sabo", "Krokom", 2025, 90])  # a year as a number
    sheet.append([None, None, None, None])
    sheet.append(["fast_lakarkontakt", "Ingenstans", "2026 Q1", 1])  # row 6
    path = tmp_path / "values.xlsx"
    book.save(path)
    report = await run_import(db, path)
    assert [(b.row, "unknown unit" in b.reason) for b in report.bad] == [(6, True)]
    assert await values(db) == []
    report = await run_import(db, path, skip=True)
    assert [(p, v) for p, v, _, _ in await values(db)] == [
        ("2026-03", 2.25),
        ("2026-Q1", 58.5),
        ("2025", 90.0),
    ]


async def test_a_file_without_the_columns_is_refused(db: Database, tmp_path: Path) -> None:
    await seed_county(db)
    path = tmp_path / "x.csv"
    path.write_text("namn;antal\nA;1\n", encoding="utf-8")
    with pytest.raises(ImportFileError, match="missing column"):
        await run_import(db, path)
