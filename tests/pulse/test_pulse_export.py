"""`samverkan pulse export`: aggregated, thresholded results as CSV and xlsx."""

from __future__ import annotations

import asyncio
import csv
import io
from datetime import UTC, datetime
from pathlib import Path

import pytest
from openpyxl import load_workbook
from typer.testing import CliRunner

from cli.main import app
from core.pulse_export import COLUMNS, result_rows
from core.pulse_results import summarize
from core.pulse_templates import template_from_config
from storage.db import Database
from tests.conftest import create_schema
from tests.pulse.test_pulse_results import _tree
from tests.support.pulses import closed_pulse


def test_rows_hold_only_what_a_results_card_shows() -> None:
    template = template_from_config(
        "farlig",
        {
            "name": '=HYPERLINK("http://x")',
            "questions": [
                {"id": "s", "kind": "scale5", "text": "+1 bra?", "low": "-nej", "high": "@ja"},
                {"id": "f", "kind": "text", "text": "Förslag"},
            ],
        },
    )
    answers = [{"s": v, "f": f"hemlig text {v}"} for v in (1, 2, 3, 4, 5)]
    rows = result_rows(
        "Krokom",
        "2026-10",
        "2026-10-05",
        template,
        summarize(template, answers, 5),
        lang="sv",
        yes="Ja",
        no="Nej",
    )
    assert all(len(r) == len(COLUMNS) for r in rows)
    flat = [str(v) for r in rows for v in r if v is not None]
    assert not any(v.startswith(("=", "+", "-", "@")) for v in flat)  # never a formula
    assert not any("hemlig" in v for v in flat)  # free text is not exported
    scale = [r for r in rows if r[6] == "s"]
    assert [(r[10], r[12]) for r in scale] == [(str(i), 1) for i in range(1, 6)]
    assert scale[0][14] == 3.0 and scale[0][11] == "'-nej"
    # Below the threshold: the number of answers and nothing else.
    [hidden] = result_rows(
        "Krokom",
        "2026-11",
        "2026-11-02",
        template,
        summarize(template, answers[:4], 5),
        lang="sv",
        yes="Ja",
        no="Nej",
    )
    assert hidden[:6] == ["Krokom", "2026-11", "2026-11-02", '\'=HYPERLINK("http://x")', 4, "no"]
    assert hidden[6:] == [None] * (len(COLUMNS) - 6)


@pytest.fixture
def db_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "cli.db"
    url = f"sqlite+aiosqlite:///{path}"
    create_schema(url)

    async def fill() -> None:
        db = Database(url)
        try:
            units = await _tree(db)
            await closed_pulse(
                db, units["Krokom"], datetime(2026, 9, 7, 8, tzinfo=UTC), [3, 4, 4, 5, 5]
            )
            await closed_pulse(db, units["Krokom"], datetime(2026, 10, 5, 8, tzinfo=UTC), [1, 2])
        finally:
            await db.dispose()

    asyncio.run(fill())
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{path}")
    monkeypatch.chdir(tmp_path)
    return path


def test_cli_writes_csv_and_xlsx(db_file: Path, tmp_path: Path) -> None:
    runner = CliRunner()
    result = runner.invoke(app, ["pulse", "export", "--unit", "krokom"])
    assert result.exit_code == 0, result.stderr
    data = (tmp_path / "puls_krokom_alla.csv").read_bytes()
    assert data.startswith("\ufeff".encode())
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    assert rows[0] == list(COLUMNS)
    collab = [r for r in rows[1:] if r[6] == "collab"]
    assert [(r[10], r[12]) for r in collab] == [
        ("1", "0"),
        ("2", "0"),
        ("3", "1"),
        ("4", "2"),
        ("5", "2"),
    ]
    assert collab[0][14] == "4.2" and collab[0][1] == "2026-09"
    [october] = [r for r in rows[1:] if r[1] == "2026-10"]  # two answers: only their number
    assert october[4:6] == ["2", "no"] and october[6:] == [""] * 9

    out = tmp_path / "k.xlsx"
    result = runner.invoke(
        app,
        [
            "pulse",
            "export",
            "--unit",
            "Krokom",
            "--period",
            "2026-09",
            "--format",
            "xlsx",
            "-o",
            str(out),
        ],
    )
    assert result.exit_code == 0, result.stderr
    sheet = load_workbook(out).active
    assert sheet is not None
    values = [list(r) for r in sheet.iter_rows(values_only=True)]
    # 5 scale values, yes and no, and how many wrote free text
    assert values[0] == list(COLUMNS) and len(values) == 1 + 5 + 2 + 1
    assert {r[1] for r in values[1:]} == {"2026-09"}

    result = runner.invoke(app, ["pulse", "export", "--unit", "Ingenstans"])
    assert result.exit_code == 1 and "No unit called" in result.stderr
