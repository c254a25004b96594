"""Kolada v3 against the fake (recorded shapes): the KPI catalogue search (from Teams too),
paging by `next_page`, error shapes, import with comparison areas, and the refresh job
that asks only for what changed (`from_date`) as the clock moves."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from datetime import UTC, datetime

import pytest
from aiohttp.test_utils import TestServer
from sqlmodel import select

from cards.digest import unit_digest_card
from clients.kolada import SOURCE, KoladaClient, KoladaError, error_detail
from core.comparison import RIKET
from scheduler.service import ScheduleService
from services import digest as digest_service
from services import kolada as kolada_service
from storage import comparisons_repo, schedules_repo
from storage.db import Database
from storage.indicator_models import IndicatorValue
from storage.models import Unit
from tests.cardschema import assert_valid_card
from tests.fakes.kolada import FakeKolada
from tests.scheduler.test_service import eventually
from tests.support.harness import BotHarness
from tests.support.indicators import seed_county
from tests.support.jobs import job_context
from tests.teams import TeamsUser

KPI = "U21468"
ON_SQLITE = pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)


@pytest.fixture
async def kolada() -> AsyncIterator[tuple[FakeKolada, str]]:
    fake = FakeKolada(page_size=2)
    server = TestServer(fake.app, host="127.0.0.1")
    await server.start_server()
    yield fake, str(server.make_url("/v3"))
    await server.close()


def catalogue(fake: FakeKolada) -> None:
    fake.add_kpi(KPI, "Läkemedelsgenomgång i särskilt boende, andel (%)", "Äldreomsorg")
    fake.add_kpi("U21469", "Läkemedelsgenomgång i hemtjänst, andel (%)", "Äldreomsorg")
    fake.add_kpi("N00945", "Invånare totalt, antal", "Befolkning")
    fake.add_kpi("U21470", "Läkemedelsgenomgång, uppföljning, andel (%)", "Äldreomsorg")


async def test_catalogue_search_follows_next_page_and_keeps_to_the_limit(
    kolada: tuple[FakeKolada, str],
) -> None:
    fake, base = kolada
    catalogue(fake)
    found = await KoladaClient(base).search_kpis("läkemedelsgenomgång")
    assert [k.id for k in found] == [KPI, "U21469", "U21470"]  # two pages of two
    assert found[0].operating_area == "Äldreomsorg" and found[0].municipality_type == "K"
    assert any("page=2" in r for r in fake.requests)
    assert [k.id for k in await KoladaClient(base).search_kpis("läkemedel", limit=2)] == [
        KPI,
        "U21469",
    ]
    assert await KoladaClient(base).search_kpis("   ") == []


async def test_error_shapes_are_passed_on(kolada: tuple[FakeKolada, str]) -> None:
    fake, base = kolada
    fake.fail_status = 503
    with pytest.raises(KoladaError, match="503: Service unavailable"):
        await KoladaClient(base).search_kpis("x")
    validation = {"detail": [{"loc": ["path", "kpi"], "msg": "invalid kpi id", "type": "x"}]}
    assert error_detail(validation) == "invalid kpi id"
    assert error_detail({"detail": "Too many years (max 25)"}) == "Too many years (max 25)"
    assert error_detail("<html>") == ""
    with pytest.raises(KoladaError, match="not a Kolada KPI id"):
        await KoladaClient(base).data("U2146!", ["2380"], [2024])


async def org_with_codes(db: Database) -> dict[str, int]:
    units, _ = await seed_county(db)
    async with db.session() as s:
        for unit in (await s.execute(select(Unit))).scalars().all():
            unit.kolada_id = {"Östersund": "2380", "Krokom": "2309"}.get(unit.name, unit.kolada_id)
            if unit.level == "macro":
                unit.kolada_id = "0023"
                unit.defaults = {
                    "kolada": {
                        "peers": {"name": "Liknande", "members": ["2361", "0880"]},
                        "refresh": "weekly monday 06:00",
                    }
                }
    return units


@ON_SQLITE
async def test_import_fills_units_and_comparisons_and_the_refresh_asks_only_for_changes(
    db: Database, kolada: tuple[FakeKolada, str]
) -> None:
    fake, base = kolada
    units = await org_with_codes(db)
    for code, value in {
        "2380": 81.0,
        "2309": 70.5,
        RIKET: 78.0,
        "0023": 80.0,
        "0880": 76.0,
    }.items():
        fake.add(KPI, code, 2025, value)
    fake.add(KPI, "9999", 2025, 1.0)  # not ours, never asked for

    async with db.session() as s:
        assert await kolada_service.ensure_schedule(s)
        schedule = await schedules_repo.get_schedule(s, kolada_service.SCHEDULE_KEY)
    assert schedule is not None and schedule.kind == kolada_service.KIND
    assert schedule.trigger == {"day_of_week": "mon", "hour": 6, "minute": 0}

    context = job_context(kolada_base_url=base)
    first = datetime(2026, 3, 2, 5, 0, tzinfo=UTC)
    await kolada_service.refresh_job(db, schedule, first, context)
    assert "from_date" not in fake.requests[0]  # nothing imported before: everything
    async with db.session() as s:
        rows = (await s.execute(select(IndicatorValue))).scalars().all()
        comparisons = await comparisons_repo.load(s, {r.indicator_id for r in rows})
    assert sorted((r.unit_id, r.period, r.value, r.source) for r in rows) == sorted(
        [
            (units["Östersund"], "2025", 81.0, SOURCE),
            (units["Krokom"], "2025", 70.5, SOURCE),
            (units["Regionens samverkansråd"], "2025", 80.0, SOURCE),  # the region's own
        ]
    )
    (by_area,) = (c["2025"] for c in comparisons.values())
    assert by_area == {RIKET: 78.0, "0023": 80.0, "0880": 76.0}  # 2361 has no figure
    assert not any("9999" in r for r in fake.requests)

    # Later, Kolada corrects Krokom's figure: only changes since the last import are asked
    # for (from_date), and only the corrected figure is written.
    fake.requests.clear()
    fake.add(KPI, "2309", 2025, 72.0, changed=datetime.now(UTC).date())
    await kolada_service.refresh_job(db, schedule, datetime(2026, 3, 9, 5, 0, tzinfo=UTC), context)
    assert all("from_date=" in r for r in fake.requests)
    async with db.session() as s:
        rows = (await s.execute(select(IndicatorValue))).scalars().all()
    assert {(r.unit_id, r.value) for r in rows} == {
        (units["Östersund"], 81.0),
        (units["Krokom"], 72.0),
        (units["Regionens samverkansråd"], 80.0),
    }


@ON_SQLITE
async def test_a_slow_kolada_refresh_blocks_no_other_writer(
    db: Database, kolada: tuple[FakeKolada, str]
) -> None:
    """The live scheduler fires the refresh while Kolada takes its time: a command that
    writes meanwhile (here: a unit's defaults) is not kept waiting on SQLite's one
    writer, because no transaction is open while Kolada is asked; once Kolada answers,
    its figures are written."""
    fake, base = kolada
    units = await org_with_codes(db)
    fake.add(KPI, "2380", 2025, 81.0)
    fake.hold = asyncio.Event()
    async with db.session() as s:
        await schedules_repo.upsert_schedule(
            s, kolada_service.SCHEDULE_KEY, kolada_service.KIND, None, {"second": "*"}
        )
    service = ScheduleService(db, job_context(kolada_base_url=base), poll_seconds=0.3)
    await service.start()
    try:
        await asyncio.wait_for(fake.asked.wait(), 10)

        async def another_writer() -> None:
            async with db.session() as s:
                unit = await s.get(Unit, units["Krokom"])
                assert unit is not None
                unit.defaults = {**(unit.defaults or {}), "note": "written meanwhile"}

        await asyncio.wait_for(another_writer(), 3)
        assert not fake.hold.is_set()  # Kolada had not answered yet
        fake.hold.set()

        async def imported() -> bool:
            async with db.read() as s:
                return (await s.execute(select(IndicatorValue))).first() is not None

        await eventually(imported, 10, "the refresh to write Kolada's figures")
    finally:
        await service.stop()


@ON_SQLITE
async def test_import_per_municipality_and_per_region(
    db: Database, kolada: tuple[FakeKolada, str]
) -> None:
    fake, base = kolada
    units = await org_with_codes(db)
    fake.add(KPI, "2380", 2025, 81.0)
    fake.add(KPI, "2309", 2025, 70.5)
    fake.add(KPI, "0023", 2025, 80.0)
    (only,) = await kolada_service.import_kpis(db, KoladaClient(base), [2025], codes=["2309"])
    assert only.problem is None and only.values.inserted == 1 and only.comparisons == 0
    (region,) = await kolada_service.import_kpis(db, KoladaClient(base), [2025], codes=["0023"])
    async with db.read() as s:
        rows = (await s.execute(select(IndicatorValue))).scalars().all()
    assert region.values.inserted == 1
    assert {(r.unit_id, r.value) for r in rows} == {
        (units["Krokom"], 70.5),
        (units["Regionens samverkansråd"], 80.0),  # the region's own figure, on the macro unit
    }
    with pytest.raises(KoladaError, match="no indicator has kolada_kpi: N99999"):
        await kolada_service.import_kpis(db, KoladaClient(base), [2025], kpis=["N99999"])


@ON_SQLITE
async def test_search_from_teams(harness: BotHarness, kolada: tuple[FakeKolada, str]) -> None:
    fake, base = kolada
    catalogue(fake)
    h = harness
    assert h.services is not None
    h.services.settings.kolada_base_url = base
    anna = TeamsUser(name="Anna Berg", upn="anna@example.se")
    await h.say(h.teams.personal_message(anna, "indikator sök läkemedelsgenomgång"))
    posted = await h.connector.wait_for(lambda p: bool(p.cards))
    body = str(posted.cards[0])
    assert "**U21468** Läkemedelsgenomgång i särskilt boende" in body and "kolada_kpi" in body
    await h.say(h.teams.personal_message(anna, "indikator sök zzzz"))
    await h.connector.wait_for(lambda p: "Inget nyckeltal i Kolada har zzzz" in p.text)
    fake.fail_status = 500
    await h.say(h.teams.personal_message(anna, "indicator search läkemedel"))
    await h.connector.wait_for(lambda p: "Kolada svarar inte" in p.text)


@ON_SQLITE
async def test_the_digest_shows_riket_the_county_and_the_peer_group(
    db: Database, kolada: tuple[FakeKolada, str]
) -> None:
    fake, base = kolada
    units = await org_with_codes(db)
    for year in (2023, 2024, 2025):
        for code, value in {
            "2309": 70.5,
            RIKET: 78.0,
            "0023": 80.0,
            "2361": 74.0,
            "0880": 76.0,
        }.items():
            fake.add(KPI, code, year, value)
    await kolada_service.import_kpis(db, KoladaClient(base), [2023, 2024, 2025])
    data = await digest_service.load_units(db, [units["Krokom"]], None)
    digest = digest_service.unit_digest(data, units["Krokom"])
    card = unit_digest_card(digest, "sv")
    assert_valid_card(card)
    body = json.dumps(card, ensure_ascii=False)
    assert "Jämförelse (Källa: Kolada)" in body
    # The peers' median without Krokom itself: 2361 and 0880 -> 75.
    assert "riket 78,0\u00a0% · länet 80,0\u00a0% · Liknande 75,0\u00a0%" in body
    english = json.dumps(unit_digest_card(digest, "en"), ensure_ascii=False)
    assert "Sweden 78.0% · county 80.0% · Liknande 75.0%" in english
