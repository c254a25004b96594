"""RRULE → Microsoft Graph patternedRecurrence: one Graph series where Graph can say the
rule, several where it needs one per ordinal or month, refused where it cannot."""

from datetime import date
from typing import Any

import pytest

from core.graph_recurrence import Unsupported, patterns
from core.recurrence import parse_rule

TODAY = date(2026, 11, 23)
ZONE = "Europe/Stockholm"


def _shape(p: dict[str, Any]) -> tuple[Any, ...]:
    pat, rng = p["pattern"], p["range"]
    return (pat["type"], pat["interval"], tuple(pat["daysOfWeek"]), pat.get("index"),
            pat.get("month"), rng["type"], rng.get("endDate") or rng.get("numberOfOccurrences"))  # fmt: skip


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("varje torsdag 9-10", [("weekly", 1, ("thursday",), None, None, "noEnd", None)]),
        ("varannan torsdag 9-10", [("weekly", 2, ("thursday",), None, None, "noEnd", None)]),
        ("var tredje vecka fredag 10-11 10 gånger",
         [("weekly", 3, ("friday",), None, None, "numbered", 10)]),
        ("första tisdagen varje månad 13-15 till och med 2027-06-30",
         [("relativeMonthly", 1, ("tuesday",), "first", None, "endDate", "2027-06-30")]),
        ("första och tredje tisdagen 13-15",
         [("relativeMonthly", 1, ("tuesday",), "first", None, "noEnd", None),
          ("relativeMonthly", 1, ("tuesday",), "third", None, "noEnd", None)]),
        ("sista söndagen i mars 10-12",
         [("relativeYearly", 1, ("sunday",), "last", 3, "noEnd", None)]),
        ("första tisdagen i mars, juni och september 13-15",
         [("relativeYearly", 1, ("tuesday",), "first", m, "noEnd", None) for m in (3, 6, 9)]),
    ],
)  # fmt: skip
def test_graph_patterns(text: str, expected: list[tuple[Any, ...]]) -> None:
    rule = parse_rule(text, TODAY)
    found = patterns(rule, ZONE)
    assert not isinstance(found, Unsupported)
    assert [_shape(p) for p in found] == expected
    assert {p["range"]["startDate"] for p in found} == {rule.anchor.isoformat()}  # type: ignore[union-attr]
    assert {p["range"]["recurrenceTimeZone"] for p in found} == {ZONE}


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("tisdagar udda veckor 13-14", "week_numbers"),
        ("varje måndag utom juli 8.30", "excluded_months"),
        ("första och tredje tisdagen 13-15 6 gånger", "count_split"),
    ],
)
def test_what_graph_cannot_say_is_refused(text: str, reason: str) -> None:
    assert patterns(parse_rule(text, TODAY), ZONE) == Unsupported(reason)
