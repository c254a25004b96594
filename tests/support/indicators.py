"""Shared set-up for the indicator tests: a small county, definitions, values."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

from core.indicators import Period, last_complete, parse_definitions
from storage import indicators_repo
from storage.db import Database
from storage.indicators_repo import ValueIn
from tests.support.harness import add_units

COUNTY = {
    "Regionens samverkansråd": None,
    "Östersund": "Regionens samverkansråd",
    "Krokom": "Regionens samverkansråd",
    "Härjedalen": "Regionens samverkansråd",
}

DEFINITIONS: dict[str, Any] = {
    "indicators": [
        {
            "id": "utskrivningsklara_dagar",
            "name": {"sv": "Utskrivningsklara dagar", "en": "Days ready for discharge"},
            "unit": "dagar",
            "direction": "lower",
            "target": 1.5,
            "targets": {"Härjedalen": 2.0},
            "period": "month",
            "source": "Överenskommelse om trygg och säker utskrivning",
            "rollup": "rate",
            "tolerance": 0.1,
        },
        {
            "id": "fast_lakarkontakt",
            "name": {"sv": "Fast läkarkontakt", "en": "Fixed physician contact"},
            "unit": "%",
            "direction": "higher",
            "target": 60,
            "period": "quarter",
            "source": "Handlingsplan fast vårdkontakt",
            "rollup": "rate",
        },
        {
            "id": "lakemedelsgenomgang_sabo",
            "name": {"sv": "Läkemedelsgenomgång i särskilt boende", "en": "Medication review"},
            "unit": "%",
            "direction": "higher",
            "target": 85,
            "period": "year",
            "source": "Överenskommelse om läkarmedverkan",
            "kolada_kpi": "U21468",
            "lag_periods": 1,
        },
    ]
}


async def seed_definitions(db: Database) -> dict[str, int]:
    defs, overrides, problems = parse_definitions(DEFINITIONS)
    assert not problems
    async with db.session() as s:
        result = await indicators_repo.save_definitions(s, defs, overrides)
        assert not result.problems
        return await indicators_repo.definition_ids(s)


async def seed_county(
    db: Database, roles: Sequence[tuple[str, str, str]] = ()
) -> tuple[dict[str, int], dict[str, int]]:
    units = await add_units(db, COUNTY, roles)
    return units, await seed_definitions(db)


def last_month(today: date | None = None) -> Period:
    from services.digest import today_local

    day = today or today_local()
    return Period("month", day.year, day.month).shift(-1)


async def seed_values(db: Database, units: dict[str, int], ids: dict[str, int]) -> Period:
    """Six months of discharge days (Krokom off target and worsening), a quarter of
    physician contact. Returns the reference month (the last complete one)."""
    ref = last_month()
    rows = []
    series = {
        "Östersund": [2.0, 1.9, 1.7, 1.6, 1.4, 1.3],
        "Krokom": [1.6, 1.8, 2.0, 2.2, 2.6, 3.1],
        "Härjedalen": [1.9] * 6,
    }
    for name, values in series.items():
        for i, v in enumerate(values):
            p = ref.shift(i - 5)
            rows.append(
                ValueIn(ids["utskrivningsklara_dagar"], units[name], p.label, v, 100.0, "test")
            )
    from services.digest import today_local

    quarter = last_complete("quarter", today_local())
    for name, v in {"Östersund": 64.0, "Krokom": 52.5, "Härjedalen": 61.0}.items():
        rows.append(
            ValueIn(ids["fast_lakarkontakt"], units[name], quarter.label, v, 1000.0, "test")
        )
    async with db.session() as s:
        await indicators_repo.upsert_values(s, rows)
    return ref
