"""A unit's pulse settings (threshold, window, template, cadence, cool-down, months
without pulses), read from its `defaults.pulse` in the org file."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from core.pulse_cadence import DEFAULT_SKIP_MONTHS, skip_months
from core.pulse_results import effective_threshold
from core.pulse_window import DEFAULT_WINDOW_DAYS, effective_cooldown
from storage.models import Unit


@dataclass(frozen=True)
class UnitPulseSettings:
    """A unit's pulse settings, from `Unit.defaults["pulse"]` (the org file)."""

    threshold: int
    window_days: int
    template: str
    cadence: str  # "monthly" | "quarterly" | "off"
    cooldown_days: int
    skip_months: tuple[int, ...] = DEFAULT_SKIP_MONTHS  # months without recurring pulses

    @classmethod
    def of(cls, unit: Unit) -> UnitPulseSettings:
        raw = (unit.defaults or {}).get("pulse")
        conf: Mapping[str, Any] = raw if isinstance(raw, dict) else {}
        # The org file's documented name is `window_working_days`; `window_days` too.
        days = conf.get("window_working_days", conf.get("window_days"))
        cadence = conf.get("cadence")
        return cls(
            threshold=effective_threshold(conf.get("threshold")),
            window_days=days if isinstance(days, int) and 1 <= days <= 20 else DEFAULT_WINDOW_DAYS,
            template=str(conf.get("template") or "samverkanspuls"),
            cadence=cadence if cadence in ("monthly", "quarterly", "off") else "monthly",
            cooldown_days=effective_cooldown(conf.get("cooldown_days")),
            skip_months=skip_months(conf.get("skip_months")),
        )
