"""Every digest card stays under Teams' ~28 KB card limit, whatever the county: 40
indicators with long names, all off target with charts and comparisons, 300 units with
long names ("Visa alla" pages the rows; the county's units come a page at a time)."""

from __future__ import annotations

import json
from datetime import date
from typing import Any

from cards.digest import (
    CountyDigest,
    UnitDigest,
    county_digest_card,
    county_units_card,
    unit_digest_card,
)
from core.comparison import Comparison
from core.indicators import (
    CountyRow,
    Definition,
    Direction,
    Freshness,
    Headline,
    Period,
    RollUp,
    Rollup,
    Row,
    Status,
    Trend,
)
from tests.cardschema import assert_valid_card

CARD_LIMIT = 28 * 1024
REF = Period("month", 2026, 10)
LONG = "Andel personer 65+ i särskilt boende med genomförd läkemedelsgenomgång senaste året"


def definition(i: int) -> Definition:
    return Definition(
        f"ind_{i:02d}",
        f"{LONG} ({i})",
        f"Indicator {i}",
        "%" if i % 2 else "dagar per vårdtillfälle",
        Direction.HIGHER if i % 2 else Direction.LOWER,
        60.0,
        "month",
        "",
        kolada_kpi=f"U{i:05d}",
        rollup=Rollup.RATE,
    )


def rows() -> list[Row]:
    out = []
    for i in range(40):
        d = definition(i)
        history = tuple((REF.shift(-k), 40.0 + k * 0.37 + i) for k in range(11, -1, -1))
        out.append(
            Row(d, 60.0, REF, 52.123, REF, Status.OFF, Trend.WORSENING, Freshness.CURRENT, history)
        )
    return out


def size(card: dict[str, Any]) -> int:
    assert_valid_card(card)
    return len(json.dumps(card, ensure_ascii=False).encode())


def test_unit_digest_cards_fit_in_every_page() -> None:
    digest = UnitDigest(
        unit_id=1,
        unit_name="Lokal samverkansgrupp Mellersta Skåne – Hörby, Höör och Eslöv",
        rows=rows(),
        headline=Headline(0, 40, 0, 0, 40),
        today=date(2026, 11, 26),
        sources=[f"Fil: värden {i}.xlsx" for i in range(30)],
        comparisons={f"ind_{i:02d}": Comparison(78.1, 80.2, 75.3, 6) for i in range(40)},
        peer_name="Glesbygd i norra inlandet (exempel)",
    )
    assert size(unit_digest_card(digest, "sv")) < CARD_LIMIT
    pages = [unit_digest_card(digest, "sv", expanded=True, page=p) for p in range(1, 6)]
    assert all(size(c) < CARD_LIMIT for c in pages)
    text = json.dumps(pages[1], ensure_ascii=False)
    assert "Sida 2 av 4" in text and "Föregående sida" in text and "Nästa sida" in text
    assert '"type": "Chart.Line"' in text and '"type": "Chart.Gauge"' in text


def test_county_cards_fit_for_300_units_and_40_indicators() -> None:
    names = {u: f"Vårdcentral och hemsjukvård i kommundel nummer {u:03d}" for u in range(300)}
    county_rows = [
        CountyRow(
            definition(i),
            REF,
            RollUp(55.5, 300, True),
            60.0,
            Status.OFF,
            Trend.WORSENING,
            100,
            300,
            0,
            tuple((u, 50.0, 60.0) for u in range(200)),
            {u: 40.0 + u % 30 for u in range(300)},
        )
        for i in range(40)
    ]
    county = CountyDigest(1, "Länet", county_rows, names, 300, date(2026, 11, 26))
    for page in (1, 2, 3):
        assert size(county_digest_card(county, "sv", page)) < CARD_LIMIT
    for page in (1, 12):
        card = county_units_card(county, county_rows[0], list(names), {}, page, "sv")
        assert size(card) < CARD_LIMIT
        assert '"type": "Chart.VerticalBar"' in json.dumps(card)
