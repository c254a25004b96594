"""0005_rrule on existing data: every meeting series gets its RFC 5545 DTSTART and RRULE
lines, written as the app writes them; a downgrade drops the column. Both backends."""

from __future__ import annotations

import asyncio
import json
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import text

from storage.db import Database
from storage.migrate import downgrade, upgrade
from tests.storage.test_migrations import empty_url  # noqa: F401

MONTHLY = {"freq": "monthly", "weekday": 1, "start": "13:00", "end": "15:00",
           "interval": 1, "nth": 1, "anchor": None}  # fmt: skip
EVERY_OTHER = {"freq": "weekly", "weekday": 3, "start": "09:00", "end": "10:00",
               "interval": 2, "nth": None, "anchor": "2026-11-26"}  # fmt: skip


def _run(url: str, *statements: tuple[str, dict[str, Any]]) -> list[Any]:
    async def go() -> list[Any]:
        db = Database(url)
        try:
            async with db.engine.begin() as conn:
                out: list[Any] = []
                for sql, params in statements:
                    result = await conn.execute(text(sql), params)
                    out = list(result.all()) if result.returns_rows else out
                return out
        finally:
            await db.dispose()

    return asyncio.run(go())


def test_existing_series_get_their_rrule(empty_url: str) -> None:  # noqa: F811
    upgrade(empty_url, "0004_edges")
    series = "INSERT INTO meeting_series (id, unit_id, name, rule_text, rule, lead_days, timezone, source, active, created_at, updated_at) VALUES (:id, 1, :name, 'x', :rule, '[7, 1]', 'Europe/Stockholm', 'org', true, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)"  # fmt: skip
    _run(
        empty_url,
        ("INSERT INTO units (id, name, level, defaults, created_at, updated_at) VALUES "
         "(1, 'Östersund', 'cluster', '{}', CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)", {}),
        (series, {"id": 1, "name": "Samverkansmöte", "rule": json.dumps(MONTHLY)}),
        (series, {"id": 2, "name": "Samverkansråd", "rule": json.dumps(EVERY_OTHER)}),
    )  # fmt: skip
    upgrade(empty_url)
    rows = _run(empty_url, ("SELECT id, rrule FROM meeting_series ORDER BY id", {}))
    monthly, every_other = (r[1] for r in rows)
    # The anchored rule keeps its phase; the other starts at its next meeting from today.
    assert every_other == (
        "DTSTART;TZID=Europe/Stockholm:20261126T090000\n"
        "RRULE:FREQ=WEEKLY;INTERVAL=2;WKST=MO;BYDAY=TH"
    )
    start_line, rule_line = monthly.splitlines()
    assert rule_line == "RRULE:FREQ=MONTHLY;BYDAY=1TU"
    first = datetime.strptime(start_line.split(":")[1], "%Y%m%dT%H%M%S")
    today = datetime.now(ZoneInfo("Europe/Stockholm")).date()
    assert first.weekday() == 1 and first.day <= 7 and first.hour == 13
    assert today <= first.date() <= date.fromordinal(today.toordinal() + 35)
    downgrade(empty_url, "0004_edges")
    columns = _run(empty_url, ("SELECT * FROM meeting_series WHERE id = 1", {}))
    assert len(columns[0]) == 14  # the column is gone, the rows stay
    upgrade(empty_url)
    assert _run(empty_url, ("SELECT rrule FROM meeting_series WHERE id = 2", {}))[0][0] == (
        every_other
    )
