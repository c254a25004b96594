"""The unit's holiday policy and the placement of reminders, as pure rules."""

from datetime import date, timedelta

import pytest

from core.meeting_holidays import (
    answer,
    minutes_delay,
    place,
    policy_of,
    policy_problem,
    reminder_day,
)
from core.org import parse_org


@pytest.mark.parametrize(
    ("day", "policy", "holiday", "held_on"),
    [
        (date(2030, 12, 24), "move", "Julafton", date(2030, 12, 27)),  # past juldagen, annandag
        (date(2030, 12, 31), "move", "Nyårsafton", date(2031, 1, 2)),  # past nyårsdagen
        (date(2031, 6, 20), "move", "Midsommarafton", date(2031, 6, 23)),  # to Monday
        (date(2031, 4, 11), "move", "Långfredagen", date(2031, 4, 15)),  # past annandag påsk
        (date(2030, 12, 26), "skip", "Annandag jul", None),
        (date(2031, 5, 22), "ask", "Kristi himmelsfärdsdag", date(2031, 5, 22)),  # until answered
        (date(2030, 12, 23), "skip", None, date(2030, 12, 23)),  # a working day: untouched
        (date(2030, 12, 28), "move", None, date(2030, 12, 28)),  # a Saturday meeting means to
    ],
)
def test_a_meeting_on_a_day_off_follows_the_policy(
    day: date, policy: str, holiday: str | None, held_on: date | None
) -> None:
    placed = place(day, policy)
    assert (placed.holiday, placed.held_on) == (holiday, held_on)


def test_the_coordinators_answer() -> None:
    day = date(2031, 6, 20)
    assert answer(day, "keep").held_on == day and answer(day, "keep").action == "keep"
    assert answer(day, "move").held_on == date(2031, 6, 23)
    assert answer(day, "skip").held_on is None


@pytest.mark.parametrize(
    ("meeting", "lead", "sent"),
    [
        (date(2030, 12, 26), 1, date(2030, 12, 23)),  # not juldagen, not julafton
        (date(2031, 1, 1), 7, date(2030, 12, 23)),  # 25 December: back past julafton
        (date(2031, 1, 7), 1, date(2031, 1, 5)),  # not trettondedag jul (a Sunday is fine)
        (date(2031, 6, 23), 3, date(2031, 6, 19)),  # not midsommarafton nor midsommardagen
        (date(2031, 1, 14), 7, date(2031, 1, 7)),  # a working day: as planned
    ],
)
def test_a_reminder_moves_earlier_off_a_day_off(meeting: date, lead: int, sent: date) -> None:
    assert reminder_day(meeting, lead) == sent


def test_the_org_file_value() -> None:
    assert policy_of({"meeting_holidays": "move"}) == "move"
    assert policy_of({}) == policy_of(None) == "ask"
    assert policy_problem("flytta") == "must be one of skip, move, ask"
    assert policy_problem("skip") is None


def test_the_minutes_delay_from_the_org_file() -> None:
    assert minutes_delay({"minutes_after_hours": 2}) == timedelta(hours=2)
    assert minutes_delay({"minutes_after_hours": 0.5}) == timedelta(minutes=30)
    assert minutes_delay({}) == minutes_delay({"minutes_after_hours": "2h"}) == timedelta(hours=1)


def test_the_org_file_names_a_wrong_policy_or_delay() -> None:
    problems = parse_org(
        {
            "county": "Region Kalmar",
            "defaults": {"meeting_holidays": "flytta", "minutes_after_hours": 500},
            "units": [{"name": "Kalmar", "level": "macro"}],
        }
    )
    assert isinstance(problems, list)
    assert {(p.path, p.message) for p in problems} == {
        ("defaults.meeting_holidays", "must be one of skip, move, ask"),
        ("defaults.minutes_after_hours", "must be a number of hours from 0 to 168"),
    }
