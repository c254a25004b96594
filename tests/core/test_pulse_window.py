"""Pulse window: the answer window over working days, and the cool-down."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from core.pulse_window import answer_window, effective_cooldown, next_start

ZONE = ZoneInfo("Europe/Stockholm")


def test_window_respects_holidays_and_reminds_the_day_before() -> None:
    # Opened Thursday 2 April 2026 09:00: Easter takes Fri–Mon.
    w = answer_window(datetime(2026, 4, 2, 7, 0, tzinfo=UTC), ZONE)
    assert w.closes_at.astimezone(ZONE) == datetime(2026, 4, 10, 16, 0, tzinfo=ZONE)
    assert w.remind_at is not None
    assert w.remind_at.astimezone(ZONE) == datetime(2026, 4, 9, 9, 0, tzinfo=ZONE)
    # Opened after the closing hour: the day does not count.
    late = answer_window(datetime(2026, 4, 2, 15, 30, tzinfo=UTC), ZONE, working_days=1)
    assert late.closes_at.astimezone(ZONE).date().isoformat() == "2026-04-07"


def test_cool_down() -> None:
    assert effective_cooldown(None) == 7
    assert effective_cooldown(14) == 14
    assert effective_cooldown(0) == 7 and effective_cooldown(True) == 7
    assert effective_cooldown("3") == 7
    closed = datetime(2026, 11, 6, 15, 0, tzinfo=UTC)
    assert next_start(closed, 7) == datetime(2026, 11, 13, 15, 0, tzinfo=UTC)
    assert next_start(None, 7) is None
