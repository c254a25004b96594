"""`samverkan export minutes`: a period's meetings as Markdown and CSV (both backends)."""

from __future__ import annotations

import asyncio
import csv
import io
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from typer.testing import CliRunner

from cli.main import app
from core.action_values import ActionOwner, NewAction
from core.personnummer import IdentityNumberRefused
from core.recurrence import parse_rule
from services.export import Format, export_minutes
from storage import (
    actions_repo,
    agenda_repo,
    decisions_repo,
    meeting_occurrences_repo,
    meeting_series_repo,
)
from storage.db import Database
from storage.models import Unit
from tests.conftest import create_schema

NOW = datetime(2026, 11, 23, 9, tzinfo=UTC)


async def _seed(db: Database) -> None:
    async with db.session() as s:
        unit = Unit(name="Östersund", level="cluster", defaults={})
        s.add(unit)
        await s.flush()
        assert unit.id is not None
        rule = parse_rule("första tisdagen varje månad 13–15", NOW.date())
        series = await meeting_series_repo.save_series(
            s, unit.id, name="Samverkansmöte", rule=rule, rule_text="första tisdagen varje månad 13–15",
            place="Teams", now=NOW,
        )  # fmt: skip
        [occ1, occ2] = await meeting_occurrences_repo.upcoming(s, series, NOW)
        await agenda_repo.add_item(s, occ1, "Utskrivningsklara dagar", by=None, by_name="Nils")
        await decisions_repo.add_decision(s, occ1, "Gemensam SIP-mall, införs i januari", by=None)
        owner = ActionOwner("Nils Sjuksköterska", None, None)
        new = NewAction("Ring kommunen", owner, date(2026, 12, 1), occ1.id, occ2.id)
        await actions_repo.add_action(s, unit.id, new, today=NOW.date(), by=None)
        await decisions_repo.add_decision(s, occ2, "Januari-beslut", by=None)
        with pytest.raises(IdentityNumberRefused):
            await decisions_repo.add_decision(s, occ1, "Patient 19121212-1212", by=None)


async def test_export_md_and_csv(db: Database) -> None:
    await _seed(db)
    md = await export_minutes(
        db, "östersund", date(2026, 12, 1), date(2026, 12, 31), Format.md, "sv", "Europe/Stockholm"
    )
    assert md is not None
    assert "## Samverkansmöte – tisdag 1 december kl. 13.00–15.00" in md
    assert (
        "- Gemensam SIP-mall, införs i januari" in md
        and "Ring kommunen – Nils Sjuksköterska, 1 december (open)" in md
    )
    assert "Januari-beslut" not in md  # the January meeting is outside the period
    text = await export_minutes(
        db, "Östersund", date(2026, 12, 1), date(2027, 1, 31), Format.csv, "sv", "Europe/Stockholm"
    )
    assert text is not None
    rows = list(csv.DictReader(io.StringIO(text)))
    kinds = [(r["kind"], r["text"]) for r in rows]
    assert ("decision", "Gemensam SIP-mall, införs i januari") in kinds  # the comma survives
    assert ("action", "Ring kommunen") in kinds and ("decision", "Januari-beslut") in kinds
    assert ("agenda_item", "Utskrivningsklara dagar") in kinds
    assert (
        await export_minutes(
            db,
            "Finns inte",
            date(2026, 1, 1),
            date(2026, 1, 2),
            Format.md,
            "sv",
            "Europe/Stockholm",
        )
        is None
    )


def test_export_minutes_through_the_cli(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'cli.db'}"
    create_schema(url)
    monkeypatch.setenv("DATABASE_URL", url)
    monkeypatch.chdir(tmp_path)

    async def seed() -> None:
        db = Database(url)
        try:
            await _seed(db)
        finally:
            await db.dispose()

    asyncio.run(seed())
    result = CliRunner().invoke(
        app,
        [
            "export",
            "minutes",
            "--unit",
            "Östersund",
            "--from",
            "2026-12-01",
            "--to",
            "2026-12-31",
            "--format",
            "md",
        ],
    )
    assert result.exit_code == 0, result.output
    assert "Gemensam SIP-mall" in result.stdout
    out = tmp_path / "minutes.csv"
    result = CliRunner().invoke(
        app,
        [
            "export",
            "minutes",
            "--unit",
            "Östersund",
            "--from",
            "1 dec 2026",
            "--to",
            "2027-01-31",
            "--format",
            "csv",
            "-o",
            str(out),
        ],
    )
    assert result.exit_code == 0, result.output
    assert out.read_text(encoding="utf-8").startswith("meeting_start,")
    result = CliRunner().invoke(
        app, ["export", "minutes", "--unit", "Östersund", "--from", "snart", "--to", "3/12"]
    )
    assert result.exit_code == 2 and "not a date" in result.stderr
