"""Checks on what arrives from outside, before any handler sees it.

- Nesting: JSON nested deeper than any Teams activity (a body of 100,000 `[`) would
  exhaust the recursion of whatever walks it next; `too_deep` walks iteratively.
- NUL: PostgreSQL cannot store U+0000 in text, and no person types it; `contains_nul`
  finds it anywhere in a value.
- Numbers in card data: ids, versions and page numbers must fit the database's integer
  (a 2^64 id makes the driver raise); `bad_numbers` names the fields that do not.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

MAX_DEPTH = 64  # a Teams activity nests about 6 deep; card data 2
MAX_ID = 2**31 - 1  # PostgreSQL `integer`, the type of every id column
NUMBER_FIELDS = frozenset({"version", "page"})  # besides `id` and every `*_id`


def too_deep(value: Any, limit: int = MAX_DEPTH) -> bool:
    """Whether lists and objects nest more than `limit` levels in `value`."""
    stack: list[tuple[Any, int]] = [(value, 1)]
    while stack:
        current, depth = stack.pop()
        if isinstance(current, dict):
            children: Any = current.values()
        elif isinstance(current, list):
            children = current
        else:
            continue
        if depth > limit:
            return True
        stack.extend((child, depth + 1) for child in children)
    return False


def contains_nul(value: Any) -> bool:
    """Whether any string in `value` (keys of objects included) holds U+0000."""
    stack: list[Any] = [value]
    while stack:
        current = stack.pop()
        if isinstance(current, str):
            if "\x00" in current:
                return True
        elif isinstance(current, dict):
            stack.extend(current.keys())
            stack.extend(current.values())
        elif isinstance(current, list | tuple):
            stack.extend(current)
    return False


def is_number_field(name: str) -> bool:
    return name == "id" or name.endswith("_id") or name in NUMBER_FIELDS


def card_number(value: Any) -> int | None:
    """An id-like card value as an int, or None if it is not a whole number in
    0..MAX_ID. Accepts ints and strings of ASCII digits (some clients send "12");
    refuses bools, floats, negatives, signs, spaces and other digits ("²", "١٢")."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value if 0 <= value <= MAX_ID else None
    if isinstance(value, str) and 0 < len(value) <= 10 and value.isascii() and value.isdigit():
        number = int(value)
        return number if number <= MAX_ID else None
    return None


def bad_numbers(data: Mapping[str, Any]) -> list[str]:
    """Names of the id-like fields of card `data` holding something other than a whole
    number in range (a missing or null field is the handler's business)."""
    return sorted(
        name
        for name, value in data.items()
        if is_number_field(name) and value is not None and card_number(value) is None
    )
