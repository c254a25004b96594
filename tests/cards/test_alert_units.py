"""cards/alerts.py: an alert shows its figures with the indicator's unit of measure, as
the digest does ("4,2 per 1 000", "1,9 dagar", "58,0 %"), on the card, in the facts and
in the line the personal nudge row reuses."""

from __future__ import annotations

import json

from cards.alerts import alert_card, alert_lines, alert_text
from core.alerts import Alert, AlertKind
from core.indicators import Definition, Direction, Period

MARCH, APRIL = Period("month", 2026, 3), Period("month", 2026, 4)


def _defn(unit: str) -> Definition:
    return Definition(
        key="k",
        name_sv="Inläggningar",
        name_en="Admissions",
        unit=unit,
        direction=Direction.LOWER,
        target=3.5,
        period_kind="month",
        source="test",
    )


def _alert() -> Alert:
    return Alert(AlertKind.CROSSED, APRIL, 4.2, 3.5, 3.1, ((MARCH, 3.1), (APRIL, 4.2)))


def test_the_alert_text_and_facts_carry_the_unit_in_both_languages() -> None:
    per_1000 = _defn("per 1 000 invånare")
    sv = alert_text("sv", _alert(), per_1000)
    assert sv.startswith("4,2 per 1 000 invånare för april 2026")
    assert "målet 3,5 per 1 000 invånare" in sv and "innan 3,1 per 1 000 invånare" in sv
    en = alert_text("en", _alert(), per_1000)
    assert en.startswith("4.2 per 1 000 invånare for April 2026")
    assert alert_lines("sv", _alert(), per_1000) == [
        ("mars 2026", "3,1 per 1 000 invånare"),
        ("april 2026", "4,2 per 1 000 invånare"),
    ]
    card = alert_card(
        "sv", _alert(), _defn("dagar"), indicator_id=1, unit_id=2, unit_name="Krokom", recipients=[]
    )
    assert "4,2 dagar för april 2026" in json.dumps(card, ensure_ascii=False)


def test_a_share_keeps_its_percent_sign_once() -> None:
    text = alert_text("sv", _alert(), _defn("%"))
    assert text.startswith("4,2\u00a0% för") and "% %" not in text
