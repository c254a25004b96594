"""core/pagination.py."""

from __future__ import annotations

from core.pagination import page_of


def test_pages_clamp_and_slice() -> None:
    p = page_of(40, 15, 2)
    assert (p.number, p.pages, p.start, p.end, p.has_previous, p.has_next) == (
        2,
        3,
        15,
        30,
        True,
        True,
    )
    assert page_of(40, 15, 3).end == 40 and not page_of(40, 15, 3).has_next
    assert page_of(40, 15, 99).number == 3 and page_of(40, 15, -1).number == 1
    assert page_of(40, 15, "2").number == 1 and page_of(40, 15, True).number == 1
    empty = page_of(0, 15)
    assert (empty.pages, empty.start, empty.end) == (1, 0, 0)
