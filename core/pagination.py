"""Pages of a long list, for cards that must stay under Teams' size limit. Pure."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Page:
    number: int  # 1-based, clamped into 1..pages
    pages: int
    start: int  # slice of the list: items[start:end]
    end: int

    @property
    def has_previous(self) -> bool:
        return self.number > 1

    @property
    def has_next(self) -> bool:
        return self.number < self.pages


def page_of(total: int, size: int, requested: object = 1) -> Page:
    """Page `requested` (anything not a positive int reads as 1; past the end, the last)
    of `total` items, `size` to a page; an empty list has one empty page."""
    size = max(1, size)
    pages = max(1, -(-max(total, 0) // size))
    number = requested if isinstance(requested, int) and not isinstance(requested, bool) else 1
    number = min(max(1, number), pages)
    start = (number - 1) * size
    return Page(number, pages, start, min(start + size, max(total, 0)))
