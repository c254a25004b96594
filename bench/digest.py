"""Digest benchmark: 300 units × 40 indicators × 60 periods, with Kolada comparisons.

Builds a SQLite file (or uses --url for PostgreSQL: an empty database you own),
then times composing every unit's digest card and the county digest card, and
counts the SQL statements with a SQLAlchemy `before_cursor_execute` listener.
Goals: < 2 s, and no query per indicator per unit (the count must not grow with
units × indicators); the largest card (unit digest expanded, county digest, a page of
the county's units chart) under Teams' card limit (~28 KB of card JSON).

    python bench/digest.py [--units 300] [--indicators 40] [--periods 60] [--url URL]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import event, insert
from sqlmodel import SQLModel

import storage.models  # noqa: F401
from cards.digest import county_digest_card, county_units_card, unit_digest_card
from core.indicators import Period
from services import digest as composer
from storage.comparison_models import IndicatorComparison
from storage.db import Database
from storage.indicator_models import IndicatorDefinition, IndicatorValue
from storage.models import Unit

CARD_LIMIT = 28 * 1024  # Teams' documented Adaptive Card payload limit (~28 KB)


async def build(db: Database, units: int, indicators: int, periods: int, ref: Period) -> int:
    async with db.engine.begin() as conn:
        await conn.run_sync(SQLModel.metadata.drop_all)
        await conn.run_sync(SQLModel.metadata.create_all)
    rng = random.Random(7)
    async with db.session() as s:
        peers = ["2161", "2023", "2421", "2422", "2505", "2510"]
        macro = Unit(
            name="Länet",
            level="macro",
            defaults={
                "kolada": {"region": "0023", "peers": {"name": "Glesbygd", "members": peers}}
            },
        )
        s.add(macro)
        await s.flush()
        rows = [
            Unit(
                name=f"Enhet {i:03d}",
                level="cluster",
                parent_id=macro.id,
                kolada_id=f"{2300 + i:04d}" if i < 8 else None,
                defaults={},
            )
            for i in range(units)
        ]
        s.add_all(rows)
        await s.flush()
        unit_ids = [u.id for u in rows if u.id is not None]
        kinds = ["month", "quarter", "year"]
        defs = []
        for i in range(indicators):
            kind = kinds[i % 3] if i % 5 else "month"
            defs.append(
                IndicatorDefinition(
                    key=f"ind_{i:02d}",
                    name_sv=f"Indikator {i}",
                    name_en=f"Indicator {i}",
                    unit="%" if i % 2 else "dagar",
                    direction="higher" if i % 2 else "lower",
                    target=50.0,
                    period_kind=kind,
                    kolada_kpi=f"U{i:05d}" if kind == "year" else None,
                    rollup="rate" if i % 3 == 0 else "mean",
                    position=i,
                )
            )
        s.add_all(defs)
        await s.flush()
    total = 0
    for d in defs:
        ref_k = {
            "month": ref,
            "quarter": Period("quarter", ref.year, (ref.number - 1) // 3 + 1),
            "year": Period("year", ref.year),
        }[d.period_kind]
        batch: list[dict[str, Any]] = []
        for uid in unit_ids:
            level = rng.uniform(30, 70)
            for back in range(periods):
                batch.append(
                    {
                        "indicator_id": d.id,
                        "unit_id": uid,
                        "period": ref_k.shift(-back).label,
                        "value": round(level + rng.uniform(-5, 5), 1),
                        "denominator": 100.0 + uid,
                        "source": "bench",
                    }
                )
        async with db.session() as s:
            await s.execute(insert(IndicatorValue), batch)
        total += len(batch)
        if d.kolada_kpi:
            areas = ["0000", "0023", *peers]
            comparisons = [
                {
                    "indicator_id": d.id,
                    "area": area,
                    "period": ref_k.shift(-back).label,
                    "value": round(rng.uniform(40, 60), 1),
                    "imported_at": datetime.now(UTC),
                }
                for area in areas
                for back in range(periods)
            ]
            async with db.session() as s:
                await s.execute(insert(IndicatorComparison), comparisons)
    return total


async def measure(db: Database, ref: Period) -> dict[str, Any]:
    statements = 0

    def count(*_args: Any) -> None:
        nonlocal statements
        statements += 1

    event.listen(db.engine.sync_engine, "before_cursor_execute", count)
    today = ref.end
    started = time.perf_counter()
    async with db.session() as s:
        data = await composer.load(s, today=today)
    loaded = time.perf_counter()
    macro = next(u for u, unit in data.units.items() if unit.level == "macro")
    sizes = []
    largest: dict[str, int] = {}
    for uid, unit in data.units.items():
        if unit.level == "macro":
            continue
        digest = composer.unit_digest(data, uid)
        card = unit_digest_card(digest, "sv")
        sizes.append(len(json.dumps(card).encode()))
        if uid % 50 == 0:  # the expanded card ("Visa alla") of a sample of units
            expanded = unit_digest_card(digest, "sv", expanded=True)
            largest["unit expanded"] = max(
                largest.get("unit expanded", 0), len(json.dumps(expanded).encode())
            )
    units_done = time.perf_counter()
    county_digest = composer.county_digest(data, macro)
    county = county_digest_card(county_digest, "sv")
    done = time.perf_counter()
    # The county's units side by side (Chart.VerticalBar, a page of units) per indicator.
    ids = composer.county_units(data, macro)
    targets = {uid: None for uid in ids}
    for row in county_digest.rows:
        page = county_units_card(county_digest, row, ids, targets, 1, "sv")
        largest["county units page"] = max(
            largest.get("county units page", 0), len(json.dumps(page).encode())
        )
    event.remove(db.engine.sync_engine, "before_cursor_execute", count)
    return {
        "load_s": loaded - started,
        "unit_cards_s": units_done - loaded,
        "county_card_s": done - units_done,
        "total_s": done - started,
        "queries": statements,
        "unit_cards": len(sizes),
        "unit_card_max_kb": max(sizes) / 1024,
        "county_card_kb": len(json.dumps(county).encode()) / 1024,
        "largest": {
            "unit": max(sizes),
            **largest,
            "county": len(json.dumps(county).encode()),
        },
    }


async def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--units", type=int, default=300)
    parser.add_argument("--indicators", type=int, default=40)
    parser.add_argument("--periods", type=int, default=60)
    parser.add_argument("--url", help="database URL (default: a temporary SQLite file)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        url = args.url or f"sqlite+aiosqlite:///{Path(tmp) / 'bench.db'}"
        db = Database(url)
        ref = Period("month", 2026, 3)
        t0 = time.perf_counter()
        rows = await build(db, args.units, args.indicators, args.periods, ref)
        print(
            f"built {args.units} units × {args.indicators} indicators × {args.periods} periods = {rows} values in {time.perf_counter() - t0:.1f} s ({db.dialect})"
        )
        r = await measure(db, ref)
        print(f"load (bulk queries):        {r['load_s']:.3f} s")
        print(
            f"{r['unit_cards']} unit digest cards:     {r['unit_cards_s']:.3f} s (largest {r['unit_card_max_kb']:.1f} KB)"
        )
        print(
            f"county digest card:         {r['county_card_s']:.3f} s ({r['county_card_kb']:.1f} KB)"
        )
        print(f"total:                      {r['total_s']:.3f} s   (goal < 2 s)")
        for name, size in r["largest"].items():
            print(f"largest card, {name + ':':19} {size} bytes")
        biggest = max(r["largest"].values())
        print(f"largest card of all:        {biggest} bytes (limit ~28 KB = {CARD_LIMIT} bytes)")
        print(
            f"SQL statements:             {r['queries']}   (units × indicators = {args.units * args.indicators})"
        )
        await db.dispose()


if __name__ == "__main__":
    asyncio.run(main())
