"""Guard against Swedish personal identity numbers in free text.

Personnummer and samordningsnummer (day + 60) in the forms YYMMDD-NNNN,
YYMMDD+NNNN, YYMMDDNNNN, YYYYMMDD-NNNN and YYYYMMDDNNNN, Luhn-checked on the
ten-digit form. Patient data must never be stored, so free text holding one is
refused before it reaches storage.
"""

from __future__ import annotations

import re
from datetime import date

_CANDIDATE = re.compile(r"(?<!\d)(\d{2})?(\d{2})(\d{2})(\d{2})\s?[-+]?\s?(\d{4})(?!\d)")


def luhn_ok(digits: str) -> bool:
    total = 0
    for i, ch in enumerate(digits):
        n = int(ch) * (2 if i % 2 == 0 else 1)
        total += n - 9 if n > 9 else n
    return total % 10 == 0


def _valid_date(century: str | None, yy: str, mm: str, dd: str) -> bool:
    day = int(dd)
    if day > 60:  # samordningsnummer: day of birth + 60
        day -= 60
    years = [int(century + yy)] if century else [1900 + int(yy), 2000 + int(yy)]
    for year in years:
        try:
            date(year, int(mm), day)
            return True
        except ValueError:
            continue
    return False


def find_identity_numbers(text: str) -> list[str]:
    """Every substring that is a valid personnummer or samordningsnummer."""
    found: list[str] = []
    for m in _CANDIDATE.finditer(text):
        century, yy, mm, dd, tail = m.groups()
        if century is not None and century not in ("18", "19", "20"):
            continue
        if not _valid_date(century, yy, mm, dd):
            continue
        if luhn_ok(yy + mm + dd + tail):
            found.append(m.group(0))
    return found


def contains_identity_number(text: str) -> bool:
    return bool(find_identity_numbers(text))
