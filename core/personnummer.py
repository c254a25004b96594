"""The one guard against Swedish personal identity numbers in free text.

Personnummer and samordningsnummer (day + 60) in the forms YYMMDD-NNNN,
YYMMDD+NNNN (over 100), YYMMDDNNNN, YYYYMMDD-NNNN and YYYYMMDDNNNN, Luhn-checked
on the ten-digit form. Patient data must never be stored, so free text holding one
is refused before it reaches storage.

The text is normalised before matching, because what people paste is rarely
plain ASCII: Word's autocorrect turns `-` into an en dash, web pages carry soft
hyphens and zero-width spaces, and East Asian keyboards type full-width digits.
So: Unicode NFKC; every dash, hyphen and minus becomes `-`; format characters
(zero-width space and joiners, soft hyphen, BOM, direction marks) and stray
combining marks are dropped; every decimal digit becomes ASCII.

Digit groups split by spaces are joined ("811218 9876", "8112 18-98 76",
"19811218 - 9876"), but only where a split falls between the two-digit fields
(century, year, month, day, serial pairs): that keeps the usual ways of writing
Swedish phone numbers ("070-123 45 67", "070 123 45 67", "08-123 456 78") out.
A `-` or `+` is accepted only where the form has it, before the last four digits,
so a date followed by a time ("2026-12-03 13-15") is never read as one number.
The Luhn check digit decides in the end.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from datetime import date

from core.refusal import Refused

# Not in category Pd, but typed or pasted as a minus or hyphen.
_MINUSES = frozenset("\u2212\u2796\u02d7\u2043\u207b\u208b\u2010\u2011")
_PLUSES = frozenset("\u2795")
_DROPPED = frozenset({"Cf", "Mn", "Me"})
_KEPT_CONTROLS = frozenset("\t\n\r\v\f")

# Digit groups joined by whitespace or by one dash/plus (with whitespace around it).
_CHAIN = re.compile(r"[0-9]+(?:(?:\s{0,3}[-+]\s{0,3}|\s{1,3})[0-9]+)*")
_GROUP = re.compile(r"[0-9]+")
_LENGTHS = (10, 12)
_CENTURIES = ("18", "19", "20")


class IdentityNumberRefused(Refused, ValueError):
    """Free text held a personnummer or samordningsnummer: nothing was stored."""

    KEY = "error.personnummer"

    def __init__(self) -> None:
        super().__init__(self.KEY)


def _read_as(ch: str) -> str:
    """What one character is to the guard: '-', '+', an ASCII digit, ' ', itself or ''."""
    if ch.isascii():
        return ch if ch.isprintable() or ch in _KEPT_CONTROLS else ""
    category = unicodedata.category(ch)
    if category == "Pd" or ch in _MINUSES:
        return "-"
    if ch in _PLUSES:
        return "+"
    if category == "Nd":
        return str(unicodedata.decimal(ch))
    if category in _DROPPED or category == "Cc":
        return ""
    if category == "Zs":
        return " "
    if category in ("Zl", "Zp"):
        return "\n"
    return ch


class _Table(dict[int, str]):
    """A str.translate table filled as characters are met (bounded: text can hold any)."""

    def __missing__(self, code: int) -> str:
        value = _read_as(chr(code))
        if len(self) < 4096:
            self[code] = value
        return value


_TABLE = _Table()


def normalise(text: str) -> str:
    """The text as the guard reads it (never stored: only matched)."""
    text = unicodedata.normalize("NFKC", text)
    if text.isascii() and text.isprintable():
        return text
    return text.translate(_TABLE)


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


def _is_identity_number(digits: str) -> bool:
    century = digits[:2] if len(digits) == 12 else None
    if century is not None and century not in _CENTURIES:
        return False
    ten = digits[-10:]
    if not _valid_date(century, ten[0:2], ten[2:4], ten[4:6]):
        return False
    return luhn_ok(ten)


def _candidates(chain: str) -> Iterable[str]:
    """Runs of whole digit groups, 10 or 12 digits long, split only where the form allows."""
    groups = list(_GROUP.finditer(chain))
    if sum(g.end() - g.start() for g in groups) < min(_LENGTHS):
        return
    for i in range(len(groups)):
        digits = ""
        dashes: list[int] = []
        spaces: list[int] = []
        for j in range(i, len(groups)):
            if j > i:
                between = chain[groups[j - 1].end() : groups[j].start()]
                (dashes if ("-" in between or "+" in between) else spaces).append(len(digits))
            digits += groups[j].group()
            if len(digits) > max(_LENGTHS):
                break
            if len(digits) not in _LENGTHS:
                continue
            if len(dashes) > 1 or any(at != len(digits) - 4 for at in dashes):
                continue
            if any(at % 2 for at in spaces):
                continue
            yield chain[groups[i].start() : groups[j].end()]


def find_identity_numbers(text: str) -> list[str]:
    """Every valid personnummer or samordningsnummer, as written in the normalised text."""
    found: list[str] = []
    for chain in _CHAIN.finditer(normalise(text)):
        if chain.end() - chain.start() < min(_LENGTHS):
            continue  # too short to hold ten digits
        for candidate in _candidates(chain.group()):
            if _is_identity_number("".join(_GROUP.findall(candidate))):
                found.append(candidate)
    return found


def contains_identity_number(*texts: str | None) -> bool:
    """True when any of the texts holds a personnummer or samordningsnummer."""
    return any(text and find_identity_numbers(text) for text in texts)


def refuse_identity_numbers(*texts: str | None) -> None:
    """Raise IdentityNumberRefused when any of the texts holds one (storage's last check)."""
    if contains_identity_number(*texts):
        raise IdentityNumberRefused
