"""Range checks on incoming indicator values: pure rules over plain values.

A value is *refused* when it cannot be true (a share above 100 % or below 0, a negative
rate or count, a period that has not begun) and *flagged* when it is possible but
suspicious (ten times off the unit's own history, a period not yet ended). Reasons are
i18n catalogue keys with their values, so the preview card says them in the person's
language; the file importer (services/indicator_import.py) stays the one reader.
"""

from __future__ import annotations

import statistics
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from core.indicators import Definition, Period, Rollup
from core.reasons import Reason

OFF_BY = 10.0  # a value this many times above or below the unit's usual level is flagged


@dataclass(frozen=True)
class Verdict:
    refused: tuple[Reason, ...] = ()
    flagged: tuple[Reason, ...] = ()


def is_share(definition: Definition) -> bool:
    unit = definition.unit.strip().lower()
    return unit in ("%", "procent", "percent", "andel (%)") or unit.startswith("%")


def check_value(
    definition: Definition,
    period: Period,
    value: float,
    today: date,
    history: Sequence[float] = (),
) -> Verdict:
    """What is wrong with `value` for `period`, given the unit's earlier values."""
    refused: list[Reason] = []
    flagged: list[Reason] = []
    if is_share(definition) and value > 100:
        refused.append(Reason("checks.share_over", {"value": value}))
    if value < 0:
        if is_share(definition) or definition.rollup in (Rollup.RATE, Rollup.SUM):
            refused.append(Reason("checks.negative", {"value": value}))
        else:
            flagged.append(Reason("checks.negative_flag", {"value": value}))
    if period.start > today:
        refused.append(Reason("checks.future", {"period": period.label}))
    elif period.end > today:
        flagged.append(Reason("checks.not_ended", {"period": period.label}))
    level = usual_level(history)
    if level is not None and value >= 0 and (value >= OFF_BY * level or value * OFF_BY <= level):
        flagged.append(Reason("checks.off_history", {"value": value, "usual": level}))
    return Verdict(tuple(refused), tuple(flagged))


def usual_level(history: Sequence[float]) -> float | None:
    """The median of the unit's earlier positive values (None without any)."""
    positive = [v for v in history if v > 0]
    if not positive:
        return None
    return float(statistics.median(positive))
