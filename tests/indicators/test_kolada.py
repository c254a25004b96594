"""Kolada API v3 import against a local fake of the API (documented response shape)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from aiohttp.test_utils import TestServer
from sqlmodel import select

from clients.kolada import SOURCE, KoladaClient, KoladaError, parse_years
from services.kolada import import_kpis
from storage.db import Database
from storage.indicator_models import IndicatorValue
from storage.models import Unit
from tests.fakes.kolada import FakeKolada
from tests.support.indicators import seed_county


@pytest.fixture
async def kolada() -> AsyncIterator[tuple[FakeKolada, str]]:
    fake = FakeKolada(page_size=2)
    server = TestServer(fake.app, host="127.0.0.1")
    await server.start_server()
    yield fake, str(server.make_url("/v3"))
    await server.close()


async def set_codes(db: Database, codes: dict[str, str]) -> None:
    async with db.session() as s:
        for unit in (await s.execute(select(Unit))).scalars().all():
            if unit.name in codes:
                unit.kolada_id = codes[unit.name]


def test_years() -> None:
    assert parse_years("2022-2025") == [2022, 2023, 2024, 2025]
    assert parse_years("2024,2022") == [2022, 2024]
    with pytest.raises(ValueError):
        parse_years("2025-2022")


async def test_pages_are_followed_and_codes_map_to_units(
    db: Database, kolada: tuple[FakeKolada, str]
) -> None:
    fake, base = kolada
    units, ids = await seed_county(db)
    await set_codes(db, {"Östersund": "2380", "Krokom": "2309"})
    for year, (ost, kro) in {
        2022: (81.0, 70.5),
        2023: (83.5, 72.0),
        2024: (86.0, None),
        2025: (88.0, 79.0),
    }.items():
        fake.add("U21468", "2380", year, ost)
        fake.add("U21468", "2309", year, kro)
    fake.add("U21468", "2361", 2024, 50.0)  # Härjedalen has no kolada_id here: not imported
    fake.add("N00001", "2380", 2024, 1.0)  # another KPI
    [report] = await import_kpis(db, KoladaClient(base), [2022, 2023, 2024, 2025])
    assert report.kpi == "U21468" and report.problem is None
    assert report.fetched == 7 and report.values.inserted == 7
    assert len(fake.requests) >= 4  # 8 items, 2 per page: paging followed next_url
    async with db.session() as s:
        rows = (await s.execute(select(IndicatorValue))).scalars().all()
    got = sorted((r.unit_id, r.period, r.value, r.source) for r in rows)
    assert got[0] == (units["Östersund"], "2022", 81.0, SOURCE)
    assert {r.source for r in rows} == {"Källa: Kolada"}
    assert (units["Krokom"], "2024") not in {(u, p) for u, p, _, _ in got}  # null value skipped
    assert all(r.indicator_id == ids["lakemedelsgenomgang_sabo"] for r in rows)

    [again] = await import_kpis(db, KoladaClient(base), [2022, 2023, 2024, 2025])
    assert (again.values.inserted, again.values.updated, again.values.unchanged) == (0, 0, 7)


async def test_errors_are_clear(db: Database, kolada: tuple[FakeKolada, str]) -> None:
    fake, base = kolada
    await seed_county(db)
    await set_codes(db, {"Östersund": "2380"})
    with pytest.raises(KoladaError, match="no indicator has kolada_kpi"):
        await import_kpis(db, KoladaClient(base), [2024], kpis=["N99999"])
    # A KPI Kolada cannot serve is reported with the reason; nothing is imported.
    fake.fail_status = 503
    [report] = await import_kpis(db, KoladaClient(base), [2024])
    assert report.problem is not None and "503" in report.problem
    [report] = await import_kpis(db, KoladaClient("http://127.0.0.1:9/v3", timeout=2), [2024])
    assert report.problem is not None and "not reachable" in report.problem
    async with db.read() as s:
        assert (await s.execute(select(IndicatorValue))).first() is None


async def test_more_than_25_years_are_split(kolada: tuple[FakeKolada, str]) -> None:
    fake, base = kolada
    fake.add("U21468", "2380", 1990, 1.0)
    fake.add("U21468", "2380", 2020, 2.0)
    got = await KoladaClient(base).data("U21468", ["2380"], list(range(1990, 2021)))
    assert sorted(v.year for v in got) == [1990, 2020]
    assert all(len(r.split("/year/")[1].split("?")[0].split(",")) <= 25 for r in fake.requests)
