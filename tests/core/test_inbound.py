"""The edge checks as pure functions: nesting depth, NUL anywhere, numbers in card data."""

from __future__ import annotations

from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from core.inbound import MAX_DEPTH, MAX_ID, bad_numbers, card_number, contains_nul, too_deep


def nested(depth: int) -> Any:
    value: Any = 1
    for i in range(depth):
        value = [value] if i % 2 else {"k": value}
    return value


def test_depth_limit_is_exact_and_iterative() -> None:
    assert not too_deep(nested(MAX_DEPTH))
    assert too_deep(nested(MAX_DEPTH + 1))
    assert too_deep(nested(100_000))  # no RecursionError


def test_nul_is_found_in_keys_values_and_lists() -> None:
    assert not contains_nul({"a": ["b", {"c": "d"}], "n": 1})
    assert contains_nul({"a": ["b", {"c": "d\x00"}]})
    assert contains_nul({"a\x00": 1})
    assert contains_nul(["", ("x\x00",)])


@given(st.integers())
def test_whole_numbers_are_accepted_exactly_in_range(n: int) -> None:
    ok = 0 <= n <= MAX_ID
    assert (card_number(n) == n) is ok
    assert (card_number(str(n)) == n) is ok


@given(st.floats() | st.booleans() | st.text().filter(lambda s: not (s.isascii() and s.isdigit())))
def test_anything_else_is_refused(value: Any) -> None:
    assert card_number(value) is None


def test_only_id_like_fields_are_checked_and_missing_ones_are_left_to_the_handler() -> None:
    assert bad_numbers({"item_id": 2**64, "page": -1, "id": "x", "title": 2**64}) == [
        "id",
        "item_id",
        "page",
    ]
    assert bad_numbers({"item_id": None, "version": 3, "unit_id": "12"}) == []
