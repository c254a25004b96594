"""Dates as people type them, in Swedish and English, relative to a given `today`.

Pure: `parse_date("3 dec", today=date(2026, 11, 23))` is `date(2026, 12, 3)`.

Understood forms (case-insensitive, surrounding words like "den", "on" ignored):
- ISO `2026-12-03`; day/month `3/12`, `3/12/2026`, `3/12-26`, `3.12.2026`
  (Swedish order: day first);
- `3 dec`, `3 december`, `3:e december 2026`, `dec 3`, `december 3rd`;
- `idag`/`today`, `imorgon`/`i morgon`/`tomorrow`, `i övermorgon`/`day after tomorrow`;
- `tisdag`, `på tisdag`, `nästa tisdag`, `next tuesday`, `tuesday`: the first such day
  strictly after today (so "nästa tisdag" said on a Monday is tomorrow);
- `om 3 dagar`/`in 3 days`, `om 2 veckor`/`in 2 weeks`.

A day-and-month without a year means the next such date on or after today (said in
December, "3/1" is January next year). Returns None when the text is not a date.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date, timedelta

# The zone times are counted and shown in unless the settings name another
# (SAMVERKAN_TIMEZONE); every module takes its default from here.
HOME_ZONE = "Europe/Stockholm"

WEEKDAYS: dict[str, int] = {}
for _i, _names in enumerate(
    (
        ("måndag", "mandag", "mån", "monday", "mon"),
        ("tisdag", "tis", "tuesday", "tue", "tues"),
        ("onsdag", "ons", "wednesday", "wed"),
        ("torsdag", "tors", "tor", "thursday", "thu", "thur", "thurs"),
        ("fredag", "fre", "friday", "fri"),
        ("lördag", "lordag", "lör", "saturday", "sat"),
        ("söndag", "sondag", "sön", "sunday", "sun"),
    )
):
    for _n in _names:
        WEEKDAYS[_n] = _i

MONTHS: dict[str, int] = {}
for _i, _names in enumerate(
    (
        ("januari", "january", "jan"),
        ("februari", "february", "feb"),
        ("mars", "march", "mar"),
        ("april", "apr"),
        ("maj", "may"),
        ("juni", "june", "jun"),
        ("juli", "july", "jul"),
        ("augusti", "august", "aug"),
        ("september", "sept", "sep"),
        ("oktober", "october", "okt", "oct"),
        ("november", "nov"),
        ("december", "dec"),
    ),
    start=1,
):
    for _n in _names:
        MONTHS[_n] = _i

_FILLER = {"den", "on", "the", "på", "pa", "by", "senast", "due", "of", "kl", "till", "to"}
_ISO = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$")
_NUMERIC = re.compile(r"^(\d{1,2})[/.](\d{1,2})(?:[/.-](\d{2}|\d{4}))?$")
_ORDINAL_SUFFIX = re.compile(r"^(\d{1,2})(?::?e|:?a|st|nd|rd|th)?$")
_RELATIVE = re.compile(r"^(?:om|in)\s+(\d{1,3})\s+(dag|dagar|day|days|vecka|veckor|week|weeks)$")


def weekday_name(word: str) -> int | None:
    """0 for Monday ... 6 for Sunday; plural/definite Swedish forms too (tisdagen, tisdagar)."""
    w = _fold(word).rstrip(".")
    if w in WEEKDAYS:
        return WEEKDAYS[w]
    for suffix in ("en", "ar", "arna", "s"):
        if w.endswith(suffix) and w[: -len(suffix)] in WEEKDAYS:
            return WEEKDAYS[w[: -len(suffix)]]
    return None


def parse_date(text: str, today: date) -> date | None:
    words = [w for w in _fold(text).replace(",", " ").split() if w not in _FILLER]
    if not words:
        return None
    phrase = " ".join(words)
    if phrase in ("idag", "i dag", "today"):
        return today
    if phrase in ("imorgon", "i morgon", "imorn", "i morn", "tomorrow"):
        return today + timedelta(days=1)
    if phrase in ("i övermorgon", "övermorgon", "iövermorgon", "day after tomorrow"):
        return today + timedelta(days=2)
    m = _RELATIVE.match(phrase)
    if m:
        n = int(m.group(1))
        return today + timedelta(days=n * (7 if m.group(2).startswith(("v", "w")) else 1))
    if words[0] in ("nästa", "nasta", "next", "kommande", "coming"):
        words = words[1:]
    if len(words) == 1:
        wd = weekday_name(words[0])
        if wd is not None:
            ahead = (wd - today.weekday() - 1) % 7 + 1
            return today + timedelta(days=ahead)
        return _single_token(words[0], today)
    return _day_month_words(words, today)


def _single_token(word: str, today: date) -> date | None:
    m = _ISO.match(word)
    if m:
        return _make(int(m.group(1)), int(m.group(2)), int(m.group(3)))
    m = _NUMERIC.match(word)
    if m:
        day, month, year = int(m.group(1)), int(m.group(2)), m.group(3)
        if year is None:
            return _next_on_or_after(day, month, today)
        y = int(year)
        return _make(y + 2000 if y < 100 else y, month, day)
    return None


def _day_month_words(words: list[str], today: date) -> date | None:
    """`3 dec [2026]` or `dec 3 [2026]` (ordinal suffixes allowed)."""
    if len(words) not in (2, 3):
        return None
    year: int | None = None
    if len(words) == 3:
        if not re.fullmatch(r"\d{4}", words[2]):
            return None
        year = int(words[2])
    first, second = words[0], words[1]
    day_m = _ORDINAL_SUFFIX.match(first)
    if day_m and second.rstrip(".") in MONTHS:
        day, month = int(day_m.group(1)), MONTHS[second.rstrip(".")]
    else:
        day_m = _ORDINAL_SUFFIX.match(second)
        if not (day_m and first.rstrip(".") in MONTHS):
            return None
        day, month = int(day_m.group(1)), MONTHS[first.rstrip(".")]
    if year is not None:
        return _make(year, month, day)
    return _next_on_or_after(day, month, today)


def _next_on_or_after(day: int, month: int, today: date) -> date | None:
    for year in (today.year, today.year + 1, today.year + 2, today.year + 3, today.year + 4):
        found = _make(year, month, day)
        if found is not None and found >= today:
            return found
        if found is None and not (month == 2 and day == 29):
            return None  # not a date in any year
    return None


def _make(year: int, month: int, day: int) -> date | None:
    try:
        return date(year, month, day)
    except ValueError:
        return None


def _fold(text: str) -> str:
    return unicodedata.normalize("NFC", text).casefold().strip()
