"""Reasons found in core are catalogue keys: said in Swedish for the card, and in English
exactly as core's own message (which logs and the CLI show)."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from core.indicators import parse_period
from core.numbers import parse_number
from core.reasons import Reason, Unreadable
from i18n.reasons import say

BAD_PERIODS = ["", "2026-13", "2026 Q5", "maj", "1800-01", "1800"]
BAD_NUMBERS = [True, "", "1,2.5", "1,2,3", "sextio", "inf", float("nan")]


def _reason(parse: Callable[[object], object], raw: object) -> Unreadable:
    with pytest.raises(Unreadable) as caught:
        parse(raw)
    return caught.value


@pytest.mark.parametrize("raw", BAD_PERIODS)
def test_a_period_core_cannot_read_says_so_in_both_languages(raw: object) -> None:
    exc = _reason(parse_period, raw)
    assert say("en", exc.reason) == str(exc).replace('"', "'")
    assert say("sv", exc.reason) != say("en", exc.reason)


@pytest.mark.parametrize("raw", BAD_NUMBERS)
def test_a_number_core_cannot_read_says_so_in_both_languages(raw: object) -> None:
    exc = _reason(parse_number, raw)
    assert say("en", exc.reason) == str(exc)
    assert say("sv", exc.reason) != say("en", exc.reason)


def test_a_reason_inside_a_reason_is_said_in_the_same_language() -> None:
    wrong = Reason(
        "import.wrong_period_kind",
        {
            "indicator": "x",
            "wanted": Reason("period.kind.month"),
            "period": "2026-Q1",
            "got": Reason("period.a.quarter"),
        },
    )
    assert say("sv", wrong) == "x redovisas per månad, men perioden 2026-Q1 är ett kvartal"
    assert say("en", wrong) == "x is reported per month, but the period 2026-Q1 is a quarter"
