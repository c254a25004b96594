"""Items in storage on both backends: topic routing through the Jämtland org, the trail,
the export (also through the real Typer app)."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlmodel import col, select
from typer.testing import CliRunner

from cli.main import app
from core.escalation import TransitionError
from core.item_values import ItemChange, NewItem
from services.escalation import escalate_item
from services.export import Format, export_items
from storage import items_repo
from storage.db import Database
from storage.item_models import ItemEvent
from storage.models import Unit
from tests.conftest import create_schema
from tests.support.items import load_org

NOW = datetime(2026, 3, 27, 9, 0, tzinfo=UTC)  # the Friday before summer time


async def _unit(db: Database, name: str) -> Unit:
    async with db.session() as s:
        return (await s.execute(select(Unit).where(col(Unit.name) == name))).scalar_one()


async def test_topic_item_goes_via_the_topic_group_to_the_county(db: Database) -> None:
    ids = await load_org(db)
    school = await _unit(db, "Elevhälsa Östersund")  # topic Barn och unga
    async with db.session() as s:
        item = await items_repo.create_item(
            s, school, NewItem("Elevhälsan når inte BUP"), actor="u1", now=NOW
        )
        assert item.topic == "Barn och unga" and item.id is not None
    path = []
    for step in range(4):
        async with db.session() as s:
            result = await escalate_item(s, item.id, "Anna", f"steg {step}", NOW)
            path.append(result.outcome.item.current_unit_id)
            assert result.notice.pending_unit is not None or result.at_top  # no channels bound
    assert path == [
        ids["Östersund"],
        ids["Barnarenan"],
        ids["Regionens samverkansråd"],
        ids["Regionens samverkansråd"],
    ]
    async with db.session() as s:
        final = await items_repo.get_item(s, item.id)
        trail = await items_repo.trail(s, item.id)
    assert final is not None and final.at_top and final.status == "open"
    assert [e.event for e in trail] == [
        "created",
        "escalated",
        "escalated",
        "escalated",
        "flagged_top",
    ]


async def test_terminal_items_refuse_every_transition_and_identity_numbers(db: Database) -> None:
    await load_org(db)
    team = await _unit(db, "Hemsjukvård Östersund")
    async with db.session() as s:
        item = await items_repo.create_item(s, team, NewItem("Hinder"), actor="u1", now=NOW)
        assert item.id is not None
        await items_repo.resolve(s, ItemChange(item.id, "Bo", NOW), answer="Klart")
    for attempt in (
        lambda s: escalate_item(s, item.id, "Bo", "igen", NOW + timedelta(days=1)),
        lambda s: items_repo.send_back(s, ItemChange(item.id, "Bo", NOW), comment="x"),
        lambda s: items_repo.comment(s, item.id, actor="Bo", text="x", now=NOW),
    ):
        with pytest.raises(TransitionError):
            async with db.session() as s:
                await attempt(s)
    with pytest.raises(items_repo.IdentityNumberRefused):
        async with db.session() as s:
            await items_repo.create_item(
                s, team, NewItem("Gäller 19121212-1212"), actor="u1", now=NOW
            )
    async with db.session() as s:
        count = len((await s.execute(select(ItemEvent))).scalars().all())
    assert count == 2  # created, resolved: refusals left no trace


async def _seed_export(db: Database) -> None:
    await load_org(db)
    team = await _unit(db, "Hemsjukvård Östersund")
    other = await _unit(db, "Hemsjukvård Krokom")
    async with db.session() as s:
        a = await items_repo.create_item(
            s, team, NewItem("Jourläkare | kväll"), actor="u1", now=NOW
        )
        await items_repo.create_item(s, other, NewItem("Krokoms hinder"), actor="u1", now=NOW)
        assert a.id is not None
    async with db.session() as s:
        await escalate_item(s, a.id, "Anna Berg", "Mandat saknas", NOW + timedelta(days=3))
    async with db.session() as s:
        change = ItemChange(a.id, "Bo Ek", NOW + timedelta(days=5))
        await items_repo.resolve(s, change, answer="Rutin ändrad")


async def test_export_with_children_as_csv_and_markdown(db: Database) -> None:
    await _seed_export(db)
    text = await export_items(db, "östersund", True, Format.csv)
    assert text is not None
    rows = list(csv.DictReader(io.StringIO(text)))
    assert [r["event"] for r in rows] == ["created", "escalated", "resolved"]
    assert rows[1]["text"] == "Mandat saknas" and rows[1]["actor"] == "Anna Berg"
    assert rows[0]["path"] == "Hemsjukvård Östersund > Östersund"
    assert rows[0]["event_at"] == "2026-03-27 10:00"  # Stockholm time
    assert all(r["answer"] == "Rutin ändrad" for r in rows)
    only_cluster = await export_items(db, "Östersund", False, Format.csv)
    assert only_cluster is not None and "Jourläkare" in only_cluster  # it passed through
    md = await export_items(db, "Östersund", True, Format.md)
    assert md is not None
    assert "## #1 Jourläkare \\| kväll" in md and "| escalated | Mandat saknas |" in md
    assert "Krokom" not in md
    assert await export_items(db, "Finns inte", False, Format.md) is None


def test_export_command_through_the_cli(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'cli.db'}"
    create_schema(url)
    monkeypatch.setenv("DATABASE_URL", url)
    monkeypatch.chdir(tmp_path)

    import asyncio

    async def seed() -> None:
        db = Database(url)
        try:
            await _seed_export(db)
        finally:
            await db.dispose()

    asyncio.run(seed())
    result = CliRunner().invoke(
        app, ["export", "items", "--unit", "Östersund", "--include-children", "--format", "md"]
    )
    assert result.exit_code == 0, result.output
    assert "# Ärenden – Östersund" in result.stdout and "Rutin ändrad" in result.stdout
    out = tmp_path / "items.csv"
    result = CliRunner().invoke(app, ["export", "items", "--unit", "Östersund", "-o", str(out)])
    assert result.exit_code == 0 and out.read_text(encoding="utf-8").startswith("item_id,")
    result = CliRunner().invoke(app, ["export", "items", "--unit", "Nowhere"])
    assert result.exit_code == 1 and "No unit called" in result.stderr
