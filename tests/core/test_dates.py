"""Dates as people type them, in Swedish and English."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from core.dates import parse_date

MONDAY = date(2026, 11, 23)  # a Monday


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2026-12-03", date(2026, 12, 3)),
        ("3/12", date(2026, 12, 3)),
        ("3/12/2027", date(2027, 12, 3)),
        ("3/12-26", date(2026, 12, 3)),
        ("3 dec", date(2026, 12, 3)),
        ("3 december", date(2026, 12, 3)),
        ("den 3:e december", date(2026, 12, 3)),
        ("dec 3", date(2026, 12, 3)),
        ("December 3rd 2027", date(2027, 12, 3)),
        ("imorgon", date(2026, 11, 24)),
        ("i morgon", date(2026, 11, 24)),
        ("tomorrow", date(2026, 11, 24)),
        ("idag", MONDAY),
        ("i övermorgon", date(2026, 11, 25)),
        ("nästa tisdag", date(2026, 11, 24)),
        ("next tuesday", date(2026, 11, 24)),
        ("på måndag", date(2026, 11, 30)),  # never today: the next one
        ("fredag", date(2026, 11, 27)),
        ("om 2 veckor", date(2026, 12, 7)),
        ("in 3 days", date(2026, 11, 26)),
        ("3/1", date(2027, 1, 3)),  # already past this year: next year
        ("23/11", MONDAY),
    ],
)
def test_understood_forms(text: str, expected: date) -> None:
    assert parse_date(text, MONDAY) == expected


@pytest.mark.parametrize(
    "text", ["", "snart", "31/2", "2026-13-01", "32 dec", "tisdag onsdag", "möte"]
)
def test_not_dates(text: str) -> None:
    assert parse_date(text, MONDAY) is None


@given(st.dates(min_value=date(2000, 1, 1), max_value=date(2099, 12, 31)), st.dates())
def test_iso_round_trip(day: date, today: date) -> None:
    assert parse_date(day.isoformat(), today) == day


@given(st.dates(min_value=date(2000, 1, 1), max_value=date(2098, 12, 31)))
def test_day_month_is_never_in_the_past_and_within_a_year(today: date) -> None:
    for text in ("1/1", "15 jun", "31 dec", "28/2"):
        found = parse_date(text, today)
        assert found is not None
        assert today <= found < today + timedelta(days=367)


@given(
    st.dates(min_value=date(2000, 1, 1), max_value=date(2098, 12, 31)),
    st.sampled_from(["måndag", "tisdag", "onsdag", "torsdag", "fredag", "lördag", "söndag"]),
)
def test_weekday_is_in_the_coming_week(today: date, name: str) -> None:
    found = parse_date(f"nästa {name}", today)
    assert found is not None and 1 <= (found - today).days <= 7
    assert parse_date(name, today) == found
