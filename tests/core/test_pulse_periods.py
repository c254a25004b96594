"""Pulse periods: a month or a quarter as dates."""

from __future__ import annotations

import pytest

from core.pulse_periods import period_bounds


def test_periods() -> None:
    assert period_bounds("2026-12")[1].isoformat() == "2027-01-01"
    assert period_bounds("2026-Q4")[0].isoformat() == "2026-10-01"
    with pytest.raises(ValueError):
        period_bounds("2026-13")
