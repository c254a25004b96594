"""When a recurring pulse opens: the first working day on or after the first Monday."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from core.holidays import is_working_day
from core.org import parse_org
from core.pulse_cadence import TRIGGERS, opening_day, opens_on


@pytest.mark.parametrize(
    ("year", "month", "expected"),
    [
        (2026, 11, date(2026, 11, 2)),  # an ordinary first Monday
        (2026, 4, date(2026, 4, 7)),  # Easter Monday 6 April: the Tuesday
        (2025, 1, date(2025, 1, 7)),  # Epiphany on Monday 6 January: the Tuesday
        (2027, 12, date(2027, 12, 6)),
    ],
)
def test_the_opening_day_skips_holidays(year: int, month: int, expected: date) -> None:
    assert opening_day(year, month) == expected
    assert opens_on(expected, "monthly")
    assert not opens_on(expected - timedelta(days=1), "monthly")
    assert not opens_on(expected, "monthly", opened_this_month=True)


def test_cadences_and_months_without_pulses() -> None:
    assert opens_on(date(2026, 4, 7), "quarterly") and not opens_on(date(2026, 11, 2), "quarterly")
    assert not opens_on(date(2026, 7, 6), "monthly")  # July: the summer holiday, by default
    assert opens_on(date(2026, 7, 6), "monthly", skipped=())
    assert not opens_on(date(2026, 11, 2), "off")


@settings(deadline=None)
@given(st.integers(2000, 2100), st.integers(1, 12))
def test_one_pulse_a_month_on_its_opening_day_and_the_schedule_fires_then(
    year: int, month: int
) -> None:
    first = date(year, month, 1)
    days = [first + timedelta(days=i) for i in range(28)]
    # Firing every day of the month: it opens once, on the opening day, a working day.
    opening, opened = [], False
    for d in days:
        if opens_on(d, "monthly", skipped=(), opened_this_month=opened):
            opening.append(d)
            opened = True
    assert opening == [opening_day(year, month)] and is_working_day(opening[0])
    # The monthly trigger (weekdays, days 1–14) fires on it.
    day = opening[0]
    assert day.weekday() < 5 and 1 <= day.day <= 14 and TRIGGERS["monthly"]["day"] == "1-14"


def test_the_org_file_checks_cadence_and_months() -> None:
    org = {
        "county": "Region Test",
        "defaults": {"pulse": {"cadence": "weekly", "skip_months": [7, 13]}},
        "units": [{"name": "Rådet", "level": "macro"}],
    }
    problems = parse_org(org)
    assert isinstance(problems, list)
    text = " ".join(str(p) for p in problems)
    assert "defaults.pulse.cadence" in text and "defaults.pulse.skip_months" in text
