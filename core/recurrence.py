"""Meeting recurrences as coordinators say them, as RFC 5545 RRULEs, and when they fall.

Pure. `parse_rule` reads Swedish or English and either understands every word or refuses:

    första tisdagen varje månad 13–15           FREQ=MONTHLY;BYDAY=1TU
    första och tredje tisdagen 13-15            FREQ=MONTHLY;BYDAY=1TU,3TU
    sista söndagen i mars 10-12                 FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU
    varannan torsdag 9-10                       FREQ=WEEKLY;INTERVAL=2;WKST=MO;BYDAY=TH
    var tredje vecka fredag 10-11               FREQ=WEEKLY;INTERVAL=3;WKST=MO;BYDAY=FR
    tisdagar udda veckor 13-14                  FREQ=YEARLY;WKST=MO;BYWEEKNO=1,3,…,53;BYDAY=TU
    första tisdagen i mars, juni och september  FREQ=YEARLY;BYMONTH=3,6,9;BYDAY=1TU
    varje måndag utom juli 8.30                 FREQ=WEEKLY;BYMONTH=1,…,6,8,…,12;BYDAY=MO
    … till och med 2027-06-30 / … 10 gånger     UNTIL=20270630T235959 / COUNT=10

(and the same in English: "first and third tuesday monthly 13-15", "every other thursday",
"last sunday of march", "odd weeks", "until 30 june 2027", "10 times"). A word it does not
understand is never dropped: `RuleError("unknown_words")` names it, so the person is told
what was not understood (the catalogue's message gives an example that works).

A `Recurrence` is the RRULE plus the wall-clock start and end and `anchor`, the first
meeting on or after the day the rule was said (RFC 5545's DTSTART: the phase of "every
other" and where a count starts). `Recurrence.rrule` is the rule in floating local time;
`ical(zone)` the DTSTART/RRULE lines for an .ics file or a calendar. Occurrences are
computed from the RRULE (python-dateutil) in local wall-clock time, then placed in UTC by
core.occurrences' rules, so 13:00 stays 13:00 across daylight-saving changes (a wall time
the clocks skip falls at the end of the gap).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from dateutil.rrule import rrulestr

from core.dates import MONTHS, parse_date, weekday_name
from core.occurrences import next_occurrence
from core.refusal import Refused

DEFAULT_MINUTES = 60
MAX_INTERVAL = 12
MAX_COUNT = 500
# A rule that gives no meeting within this many years is refused rather than stored.
HORIZON_YEARS = 10

Day = tuple[int | None, int]  # (nth in the month or year, or None; weekday 0 Monday..6 Sunday)

_DAY_CODES = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")

_ORDINALS = {
    "första": 1, "forsta": 1, "1:a": 1, "1a": 1, "first": 1, "1st": 1,
    "andra": 2, "2:a": 2, "2a": 2, "second": 2, "2nd": 2,
    "tredje": 3, "3:e": 3, "3e": 3, "third": 3, "3rd": 3,
    "fjärde": 4, "fjarde": 4, "4:e": 4, "4e": 4, "fourth": 4, "4th": 4,
    "femte": 5, "5:e": 5, "5e": 5, "fifth": 5, "5th": 5,
    "sista": -1, "last": -1, "nästsista": -2, "nastsista": -2, "penultimate": -2,
}  # fmt: skip
_SECOND_LAST = (("näst", "sista"), ("nast", "sista"), ("second", "last"))
_SECOND_TO_LAST = (("second", "to", "last"), ("next", "to", "last"))
# After "var"/"vart"/"every": how many weeks, months or years apart.
_EVERY_WORDS = ("var", "vart", "every")
_INTERVAL_WORDS = {
    "annan": 2, "annat": 2, "tannat": 2, "other": 2, "second": 2, "andra": 2,
    "tredje": 3, "third": 3, "fjärde": 4, "fjarde": 4, "fourth": 4,
    "femte": 5, "fifth": 5, "sjätte": 6, "sjatte": 6, "sixth": 6,
}  # fmt: skip
_UNITS = {
    **dict.fromkeys(("vecka", "veckan", "veckor", "week", "weeks", "weekly", "veckovis"), "week"),
    **dict.fromkeys(
        ("månad", "månaden", "månader", "manad", "manaden", "manader", "month", "months",
         "monthly", "månadsvis", "manadsvis", "månatligen"),
        "month",
    ),
    **dict.fromkeys(("år", "året", "year", "years", "yearly", "annually", "årligen"), "year"),
}  # fmt: skip
# Words that only join the others ("den första tisdagen i månaden", "on the first and third").
_FILLERS = {
    "den", "det", "the", "på", "pa", "on", "i", "in", "of", "varje", "every", "each", "alla",
    "all", "och", "and", "samt", "&", "+", "kl", "klockan", "at", "a", "an", "per", "-",
}  # fmt: skip
# "jul" is also Christmas in Swedish: a rule names July in full.
_RULE_MONTHS = {k: v for k, v in MONTHS.items() if k != "jul"}
_MONTH_WORD = "|".join(sorted((re.escape(m) for m in _RULE_MONTHS), key=len, reverse=True))

# Not inside a date ("2026-11-27", "3/12"): no digit, slash, dot or dash around it.
_T = r"(\d{1,2})(?:[:.](\d{2}))?"
_RANGE = re.compile(
    rf"(?:\b(?:från|fran|from)\s+)?(?<![\d/.-]){_T}\s*(?:-|\btill\b|\bto\b|\buntil\b)\s*{_T}(?![\d/-])"
)
_BETWEEN = re.compile(rf"\b(?:mellan|between)\s+{_T}\s+(?:och|and)\s+{_T}(?![\d/-])")
_SINGLE = re.compile(r"(?<![\d/.-])(\d{1,2})[:.](\d{2})(?![\d/.-])")
_AFTER_KL = re.compile(r"(?:\bkl\.?|\bklockan|\bat)\s*(\d{1,2})\b(?!\s*(?::|\.\d))")

_DATE = (
    r"\d{4}-\d{1,2}-\d{1,2}"
    r"|\d{1,2}/\d{1,2}(?:[/-]\d{2,4})?"
    rf"|\d{{1,2}}(?::?[ae]|st|nd|rd|th)?\s+(?:{_MONTH_WORD})\.?(?:\s+\d{{4}})?"
    rf"|(?:{_MONTH_WORD})\.?\s+\d{{1,2}}(?:st|nd|rd|th)?,?(?:\s+\d{{4}})?"
)
_UNTIL = re.compile(
    r"(?:\btill och med|\bt\.\s?o\.\s?m\.?|\btom\b|\bfram till|\btill|\bup to and including"
    r"|\buntil|\bthrough|\bthru|\bending|\bends)\s+(?:den\s+|the\s+)?"
    rf"({_DATE})(?![\d/-])"
)
_COUNT = re.compile(
    r"(?:\b(?:i|for)\s+)?\b(\d{1,4})\s+(?:gånger|ganger|gång|gang|ggr|times|time|tillfällen|tillfallen|tillfälle|möten|moten|möte|mote|meetings|meeting|occurrences|occurrence)\b"
)
_EVERY_N = re.compile(
    r"\b(?:every|var|vart|varje)\s+(\d{1,2})(?::?[ae]|st|nd|rd|th)?\s+"
    r"(vecka|veckor|week|weeks|månad|manad|månader|manader|month|months|år|year|years)\b"
)
_WEEK_NUMBERS = re.compile(
    r"\b(?:vecka|veckorna|veckor|week|weeks|v\.?)\s*(\d{1,2}(?:\s*(?:,|\boch\b|\band\b|&)\s*\d{1,2})*)\b"
)
_PARITY = re.compile(
    r"\b(udda|ojämna|ojamna|jämna|jamna|odd|even)(?:\s*-?\s*numbered)?\s+"
    r"(?:veckor|vecka|veckonummer|weeks|week numbers|week)\b"
)
_EXCEPT = re.compile(
    r"\b(?:utom|förutom|forutom|except|excluding|but not|ej|inte)\s+(?:i\s+|in\s+)?"
    rf"((?:{_MONTH_WORD})(?:\s*(?:,|\boch\b|\band\b|&|\bsamt\b)\s*(?:i\s+|in\s+)?(?:{_MONTH_WORD}))*)\b"
)
_MONTH_IN = re.compile(rf"\b({_MONTH_WORD})\b")
# Characters that would format a reported word in Markdown: dropped from the echo.
_MARKUP = re.compile(r"[\\`*_\[\]<>~#|]")


class RuleError(Refused, ValueError):
    """What is missing or wrong: `code` picks the message shown to the person, `words` are
    the words of the rule it is about (as typed), e.g. the ones that were not understood."""

    def __init__(self, code: str, words: tuple[str, ...] = ()) -> None:
        self.code = code
        self.words = words
        super().__init__(f"mtg.err.{code}", **self.args_)

    def __str__(self) -> str:  # for operators (org file problems, logs): code and words
        return self.code + (": " + ", ".join(self.words) if self.words else "")

    @property
    def args_(self) -> dict[str, str]:
        """The message's arguments: the words, quoted as typed (without Markdown)."""
        shown = [_MARKUP.sub("", w)[:40] for w in self.words[:8]]
        more = ", …" if len(self.words) > 8 else ""
        return {"words": ", ".join(f'"{w}"' for w in shown) + more}


@dataclass(frozen=True)
class Recurrence:
    freq: str  # weekly | monthly | yearly
    days: tuple[Day, ...]  # BYDAY: ((1, 1), (3, 1)) is the first and third Tuesday
    start: time | None
    end: time | None
    interval: int = 1  # every N weeks, months or years
    months: tuple[int, ...] = ()  # BYMONTH, 1..12
    weeks: tuple[int, ...] = ()  # BYWEEKNO: ISO 8601 week numbers (odd weeks: 1, 3, …, 53)
    until: date | None = None  # the last day a meeting may fall on ("till och med")
    count: int | None = None  # how many meetings in all, counted from the anchor
    anchor: date | None = None  # the first meeting (DTSTART's date)

    @property
    def weekdays(self) -> tuple[int, ...]:
        return tuple(dict.fromkeys(wd for _, wd in self.days))

    @property
    def rrule(self) -> str:
        """The RFC 5545 RRULE value, for a DTSTART in floating local time (`dtstart`)."""
        parts = [f"FREQ={self.freq.upper()}"]
        if self.until is not None:
            parts.append(f"UNTIL={self.until:%Y%m%d}T235959")
        if self.count is not None:
            parts.append(f"COUNT={self.count}")
        if self.interval > 1:
            parts.append(f"INTERVAL={self.interval}")
        if self.weeks or (self.freq == "weekly" and self.interval > 1):
            parts.append("WKST=MO")  # ISO weeks start on Monday (the RFC's default too)
        if self.months:
            parts.append("BYMONTH=" + ",".join(str(m) for m in self.months))
        if self.weeks:
            parts.append("BYWEEKNO=" + ",".join(str(w) for w in self.weeks))
        parts.append("BYDAY=" + ",".join(f"{n or ''}{_DAY_CODES[wd]}" for n, wd in self.days))
        return ";".join(parts)

    @property
    def dtstart(self) -> datetime | None:
        """The first meeting's local wall-clock start (RFC 5545 DTSTART, floating)."""
        if self.anchor is None:
            return None
        return datetime.combine(self.anchor, self.start or time(0))

    def ical(self, zone: str) -> str:
        """DTSTART and RRULE lines in `zone`, as an .ics file or a calendar takes them
        (UNTIL in UTC, as RFC 5545 requires beside a DTSTART with a TZID)."""
        start = self.dtstart
        if start is None:
            raise ValueError("a rule without an anchor has no DTSTART: use anchored() first")
        rule = self.rrule
        if self.until is not None:
            last = datetime.combine(self.until, time(23, 59, 59), ZoneInfo(zone))
            rule = rule.replace(
                f"UNTIL={self.until:%Y%m%d}T235959", f"UNTIL={last.astimezone(UTC):%Y%m%dT%H%M%SZ}"
            )
        return f"DTSTART;TZID={zone}:{start:%Y%m%dT%H%M%S}\nRRULE:{rule}"

    def anchored(self, today: date) -> Recurrence:
        """The rule with its anchor: the first meeting on or after `today` (kept if set)."""
        if self.anchor is not None:
            return self
        first = first_on_or_after(self, today)
        if first is None:
            raise RuleError("never")
        return replace(self, anchor=first)

    def to_dict(self) -> dict[str, Any]:
        first_nth, first_weekday = self.days[0]
        return {
            "freq": self.freq,
            "days": [[n, wd] for n, wd in self.days],
            "start": self.start.strftime("%H:%M") if self.start else None,
            "end": self.end.strftime("%H:%M") if self.end else None,
            "interval": self.interval,
            "months": list(self.months),
            "weeks": list(self.weeks),
            "until": self.until.isoformat() if self.until else None,
            "count": self.count,
            "anchor": self.anchor.isoformat() if self.anchor else None,
            # Read by code from before RRULEs (a rolling deploy, a downgrade): its first day.
            "weekday": first_weekday,
            "nth": first_nth,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Recurrence:
        def t(value: Any) -> time | None:
            return time.fromisoformat(value) if value else None

        def d(value: Any) -> date | None:
            return date.fromisoformat(value) if value else None

        freq = str(data["freq"])
        if "days" in data:
            days = tuple((None if n is None else int(n), int(wd)) for n, wd in data["days"])
        else:  # stored before RRULEs: one weekday, the nth for monthly rules
            nth = data.get("nth")
            days = ((int(nth or 1) if freq == "monthly" else None, int(data["weekday"])),)
        return cls(
            freq=freq,
            days=days,
            start=t(data.get("start")),
            end=t(data.get("end")),
            interval=int(data.get("interval") or 1),
            months=tuple(int(m) for m in data.get("months") or ()),
            weeks=tuple(int(w) for w in data.get("weeks") or ()),
            until=d(data.get("until")),
            count=int(data["count"]) if data.get("count") else None,
            anchor=d(data.get("anchor")),
        )

    def with_times(self, start: time, end: time | None = None) -> Recurrence:
        return replace(self, start=start, end=end or _plus_minutes(start, DEFAULT_MINUTES))


# -- reading a rule ------------------------------------------------------------------------


@dataclass
class _Said:
    """What the words of a rule said, and the words (as typed) that said it."""

    raw: str
    work: list[str]  # the lowercased text, with what was understood blanked out
    start: time | None = None
    end: time | None = None
    until: date | None = None
    count: int | None = None
    end_words: list[str] = field(default_factory=list)  # "till och med 30/6", "10 gånger"
    interval: int | None = None
    interval_unit: str | None = None
    units: dict[str, str] = field(default_factory=dict)  # week|month|year -> words that said it
    months: list[int] = field(default_factory=list)
    month_words: list[str] = field(default_factory=list)
    except_months: list[int] = field(default_factory=list)
    except_words: str = ""
    weeks: list[int] = field(default_factory=list)
    week_words: str = ""
    days: list[Day] = field(default_factory=list)
    nth_words: list[str] = field(default_factory=list)
    unknown: list[str] = field(default_factory=list)
    conflicts: list[str] = field(default_factory=list)

    def text(self) -> str:
        return "".join(self.work)

    def take(self, m: re.Match[str]) -> str:
        """Blank out a match; returns the words as typed."""
        self.work[m.start() : m.end()] = " " * (m.end() - m.start())
        return self.raw[m.start() : m.end()].strip()

    def unit(self, unit: str, words: str) -> None:
        self.units.setdefault(unit, words)

    def every(self, n: int, unit: str, words: str) -> None:
        if self.interval is not None and (self.interval, self.interval_unit) != (n, unit):
            self.conflicts.append(words)
        self.interval, self.interval_unit = n, unit
        self.unit(unit, words)


def parse_rule(text: str, today: date) -> Recurrence:
    """The rule said in `text`, anchored at its first meeting on or after `today`.

    Raises RuleError: "unknown_words" (naming them), "conflict" (naming the parts that do
    not go together), "no_weekday", "no_ordinal", "bad_time", "bad_interval", "bad_count",
    "bad_week", "past_end", "never"."""
    raw = unicodedata.normalize("NFC", text)
    raw = re.sub(r"[–—−]", "-", raw)
    raw = re.sub(r"\s+", " ", raw).strip()
    # Lowercase letter by letter so every index in `work` is the same place in `raw`.
    lowered = [c.lower() if len(c.lower()) == 1 else c for c in raw]
    said = _Said(raw=raw, work=lowered)
    _read_phrases(said, today)
    _read_words(said)
    return _build(said, today)


def _read_phrases(said: _Said, today: date) -> None:
    """The parts of several words, most specific first: dates, counts, times, weeks."""
    m = _UNTIL.search(said.text())
    if m:
        found = parse_date(m.group(1).replace(",", " "), today)
        if found is not None:
            said.until = found
            said.end_words.append(said.take(m))
    m = _COUNT.search(said.text())
    if m:
        said.count = int(m.group(1))
        said.end_words.append(said.take(m))
    found_times = _find_times(said.text())
    if found_times is not None:
        said.start, said.end, span = found_times
        said.work[span[0] : span[1]] = " " * (span[1] - span[0])
    for m in list(_EVERY_N.finditer(said.text())):
        unit = _UNITS.get(m.group(2), "month" if m.group(2).startswith("m") else "year")
        said.every(int(m.group(1)), unit, said.take(m))
    for m in list(_PARITY.finditer(said.text())):
        odd = m.group(1) in ("udda", "ojämna", "ojamna", "odd")
        said.weeks += [w for w in range(1, 54) if w % 2 == (1 if odd else 0)]
        said.week_words = said.take(m)
    for m in list(_WEEK_NUMBERS.finditer(said.text())):
        said.weeks += [int(n) for n in re.findall(r"\d+", m.group(1))]
        said.week_words = said.take(m)
    for m in list(_EXCEPT.finditer(said.text())):
        said.except_months += [_RULE_MONTHS[w] for w in _MONTH_IN.findall(m.group(1))]
        said.except_words = said.take(m)


def _tokens(said: _Said) -> list[tuple[str, str]]:
    """The words left: (lowercased, as typed), trailing punctuation off."""
    out = []
    for m in re.finditer(r"[^\s,;]+", said.text()):
        word = m.group(0).rstrip(".!?:")
        if word:
            out.append((word, said.raw[m.start() : m.start() + len(word)]))
    return out


def _read_words(said: _Said) -> None:
    words = _tokens(said)
    folded = [w for w, _ in words]
    # "every second tuesday of the month" is an ordinal; "every second tuesday" an interval.
    periodic = any(_UNITS.get(w) in ("month", "year") for w in folded) or bool(said.months)
    pending: list[int] = []
    pending_words: list[str] = []
    i = 0
    while i < len(words):
        w, typed = words[i]
        nxt = folded[i + 1] if i + 1 < len(words) else ""
        after = folded[i + 2] if i + 2 < len(words) else ""
        if (w, nxt, after) in _SECOND_TO_LAST or (w, nxt) in _SECOND_LAST:
            size = 3 if (w, nxt, after) in _SECOND_TO_LAST else 2
            pending.append(-2)
            pending_words.append(" ".join(t for _, t in words[i : i + size]))
            i += size
            continue
        if w in _EVERY_WORDS and nxt in _INTERVAL_WORDS:
            target = after
            if w == "every" and nxt in _ORDINALS and weekday_name(target) is not None and periodic:
                i += 1  # "every first monday of the month": the ordinal comes next
                continue
            if _interval(said, _INTERVAL_WORDS[nxt], words[i : i + 3]):
                i += 3 if target in _UNITS else 2
                continue
        if w in ("varannan", "varannat", "vartannat") and _interval(said, 2, words[i : i + 2]):
            i += 2 if nxt in _UNITS else 1
            continue
        if w in ("fortnightly", "biweekly"):
            said.every(2, "week", typed)
        elif w in _ORDINALS:
            pending.append(_ORDINALS[w])
            pending_words.append(typed)
        elif weekday_name(w) is not None and w not in _RULE_MONTHS:
            weekday = weekday_name(w)
            assert weekday is not None
            nths: list[int | None] = [*pending] or [None]
            for n in nths:
                if (n, weekday) not in said.days:
                    said.days.append((n, weekday))
            said.nth_words += pending_words
            pending, pending_words = [], []
        elif w in _UNITS:
            said.unit(_UNITS[w], typed)
        elif w in _RULE_MONTHS:
            said.months.append(_RULE_MONTHS[w])
            said.month_words.append(typed)
        elif w not in _FILLERS:
            said.unknown.append(typed)
        i += 1
    if pending and said.days:
        said.unknown += pending_words  # an ordinal with no weekday after it: "tisdag första"
    elif pending:
        said.nth_words += pending_words


def _interval(said: _Said, n: int, words: list[tuple[str, str]]) -> bool:
    """ "varannan vecka", "var tredje månad", "every other thursday": how far apart
    (`words` end with the unit or weekday it is about)."""
    target = words[-1][0] if words else ""
    phrase = " ".join(t for _, t in words)
    if target in _UNITS:
        said.every(n, _UNITS[target], phrase)
        return True
    if weekday_name(target) is not None:
        said.every(n, "week", phrase)
        return True
    return False


def _build(said: _Said, today: date) -> Recurrence:
    if said.unknown:
        raise RuleError("unknown_words", tuple(dict.fromkeys(said.unknown)))
    if said.conflicts:
        raise RuleError("conflict", tuple(dict.fromkeys([*said.units.values(), *said.conflicts])))
    if not said.days:
        raise RuleError("no_weekday")
    with_nth = [n for n, _ in said.days if n is not None]
    if with_nth and len(with_nth) != len(said.days):
        raise RuleError("no_ordinal")  # "första tisdagen och torsdagar": which Thursday?
    if len(said.units) > 1:
        raise RuleError("conflict", tuple(said.units.values()))
    unit = next(iter(said.units), None)
    unit_words = said.units.get(unit or "", "")
    if said.until is not None and said.count is not None:
        raise RuleError("conflict", tuple(said.end_words))
    months = sorted(set(said.months))
    if said.except_months:
        if months:
            raise RuleError("conflict", (*said.month_words[:1], said.except_words))
        months = [m for m in range(1, 13) if m not in set(said.except_months)]
        if not months:
            raise RuleError("never")
    weeks = sorted(set(said.weeks))
    if any(not 1 <= w <= 53 for w in weeks):
        raise RuleError("bad_week", (said.week_words,))
    interval = said.interval or 1
    if weeks:
        if with_nth:
            raise RuleError("conflict", (*said.nth_words[:1], said.week_words))
        if unit in ("month", "year") or interval > 1:
            raise RuleError("conflict", (unit_words, said.week_words))
        freq = "yearly"
    elif with_nth:
        if unit == "week":
            raise RuleError("conflict", (*said.nth_words[:1], unit_words))
        freq = unit + "ly" if unit in ("month", "year") else "yearly" if months else "monthly"
    elif unit == "month" or (unit == "year" and (not months or interval > 1)):
        raise RuleError("no_ordinal")  # "tisdag varje månad": which Tuesday of the month?
    else:
        freq = "weekly"  # "varje tisdag i mars varje år" is every Tuesday in March
        interval = interval if unit != "year" else 1
    if not 1 <= interval <= MAX_INTERVAL:
        raise RuleError("bad_interval")
    if said.count is not None and not 1 <= said.count <= MAX_COUNT:
        raise RuleError("bad_count")
    rule = Recurrence(
        freq=freq,
        days=tuple(sorted(said.days, key=_day_order)),
        start=said.start,
        end=said.end,
        interval=interval,
        months=tuple(months),
        weeks=tuple(weeks),
        until=said.until,
        count=said.count,
    )
    # The anchor is the first meeting on or after today as if every week/month/year, so
    # "varannan torsdag" said on a Friday starts next Thursday, not the one after.
    first = first_on_or_after(replace(rule, interval=1, until=None, count=None), today)
    if first is None:
        raise RuleError("never")
    if rule.until is not None and rule.until < first:
        raise RuleError("past_end")
    return replace(rule, anchor=first)


def _day_order(day: Day) -> tuple[int, int]:
    n, wd = day
    return (wd, 0 if n is None else n if n > 0 else 10 - n)


def _find_times(s: str) -> tuple[time, time, tuple[int, int]] | None:
    """The time or time range in `s`, and where it is; RuleError("bad_time") if it does not
    add up (an end before the start, 25:00)."""
    m = _BETWEEN.search(s) or _RANGE.search(s)
    if m:
        start = _time(m.group(1), m.group(2))
        end = _time(m.group(3), m.group(4))
        if start is None or end is None or end <= start:
            raise RuleError("bad_time")
        return start, end, m.span()
    m = _SINGLE.search(s) or _AFTER_KL.search(s)
    if m:
        start = _time(m.group(1), m.group(2) if m.re is _SINGLE else None)
        if start is None:
            raise RuleError("bad_time")
        return start, _plus_minutes(start, DEFAULT_MINUTES), m.span()
    return None


def take_times(s: str) -> tuple[time | None, time | None, str]:
    """The time or time range in `s` ("13–15", "kl. 8.30"), and `s` without it."""
    found = _find_times(s)
    if found is None:
        return None, None, s
    start, end, (a, b) = found
    return start, end, s[:a] + " " + s[b:]


def _time(hour: str, minute: str | None) -> time | None:
    h, mnt = int(hour), int(minute or 0)
    if h > 23 or mnt > 59:
        return None
    return time(h, mnt)


def _plus_minutes(t: time, minutes: int) -> time:
    total = min(t.hour * 60 + t.minute + minutes, 23 * 60 + 59)
    return time(total // 60, total % 60)


# -- when it falls ------------------------------------------------------------------------


def nth_weekday(year: int, month: int, weekday: int, nth: int) -> date | None:
    """The nth (1..5) or last (-1) `weekday` of the month, or None if there is no such day."""
    if nth == -1:
        last = (date(year + month // 12, month % 12 + 1, 1)) - timedelta(days=1)
        return last - timedelta(days=(last.weekday() - weekday) % 7)
    first = date(year, month, 1)
    day = first + timedelta(days=(weekday - first.weekday()) % 7 + 7 * (nth - 1))
    return day if day.month == month else None


def first_on_or_after(rule: Recurrence, day: date) -> date | None:
    """The rule's first meeting date on or after `day`, looking HORIZON_YEARS ahead."""
    horizon = _years_later(day, HORIZON_YEARS)
    bounded = replace(rule, count=None, until=min(rule.until or horizon, horizon))
    begin = datetime.combine(day, rule.start or time(0))
    if rule.anchor is not None and rule.anchor > day:
        begin = datetime.combine(rule.anchor, rule.start or time(0))
    return next((d.date() for d in _local_starts(bounded, begin)), None)


def _years_later(day: date, years: int) -> date:
    return day.replace(year=day.year + years, day=28 if day.month == 2 else day.day)


def _local_starts(rule: Recurrence, begin: datetime) -> Iterator[datetime]:
    """The rule's local wall-clock starts, from the anchor (or `begin` when the rule has
    none), those before `begin` left out."""
    dtstart = rule.dtstart or begin
    if rule.count is None and dtstart < begin:
        dtstart = _fast_forward(rule, dtstart, begin)
    for local in rrulestr(rule.rrule, dtstart=dtstart):
        if local >= begin:
            yield local


def _fast_forward(rule: Recurrence, dtstart: datetime, begin: datetime) -> datetime:
    """A later DTSTART in the same phase, a period or more before `begin`: a series said
    years ago is not walked from its first meeting on every call."""
    if rule.freq == "weekly":
        weeks = (begin.date() - dtstart.date()).days // 7
        skip = max(0, weeks // rule.interval - 1) * rule.interval
        return dtstart + timedelta(weeks=skip)
    if rule.freq == "monthly":
        months = (begin.year - dtstart.year) * 12 + begin.month - dtstart.month
        skip = max(0, months // rule.interval - 1) * rule.interval
        year, month = divmod(dtstart.month - 1 + skip, 12)
        return dtstart.replace(year=dtstart.year + year, month=month + 1, day=1)
    years = begin.year - dtstart.year
    skip = max(0, years // rule.interval - 1) * rule.interval
    return dtstart.replace(year=dtstart.year + skip, month=1, day=1)


def local_instant(day: date, at: time, zone: str) -> datetime:
    """The UTC instant of a local wall-clock time (DST rules of core.occurrences)."""
    spec = {
        "year": day.year,
        "month": day.month,
        "day": day.day,
        "hour": at.hour,
        "minute": at.minute,
    }
    before = datetime(day.year, day.month, day.day, tzinfo=UTC) - timedelta(days=2)
    found = next_occurrence(spec, zone, before)
    assert found is not None
    return found


def occurrences_after(
    rule: Recurrence, zone: str, after: datetime, count: int
) -> list[tuple[datetime, datetime]]:
    """The next `count` meetings starting strictly after `after`: (start, end) in UTC,
    computed from the rule's RRULE in local wall-clock time."""
    if rule.start is None:
        raise RuleError("no_time")
    local_day = after.astimezone(ZoneInfo(zone)).date() - timedelta(days=1)
    out: list[tuple[datetime, datetime]] = []
    for local in _local_starts(rule, datetime.combine(local_day, rule.start)):
        begins, ends = meeting_instants(rule, zone, local.date())
        if begins <= after:
            continue
        out.append((begins, ends))
        if len(out) >= count:
            break
    return out


def meeting_instants(rule: Recurrence, zone: str, day: date) -> tuple[datetime, datetime]:
    """A meeting of the rule on local `day`: (start, end) in UTC."""
    if rule.start is None:
        raise RuleError("no_time")
    end_time = rule.end or _plus_minutes(rule.start, DEFAULT_MINUTES)
    begins = local_instant(day, rule.start, zone)
    ends = local_instant(day, end_time, zone)
    if ends <= begins:  # the start fell in the hour the clocks skip: it keeps its length
        ends = begins + (datetime.combine(day, end_time) - datetime.combine(day, rule.start))
    return begins, ends


def days_between(rule: Recurrence, first: date, last: date) -> list[date]:
    """The local days the rule meets on, from `first` to `last` inclusive (cheap: no
    instants computed)."""
    out: list[date] = []
    for local in _local_starts(rule, datetime.combine(first, time(0))):
        if local.date() > last:
            break
        out.append(local.date())
    return out


def gives(rule: Recurrence, zone: str, slot: datetime) -> bool:
    """Whether the rule puts a meeting at exactly `slot` (UTC): an occurrence planned
    under an older rule that the current one no longer gives is withdrawn."""
    found = occurrences_after(rule, zone, slot - timedelta(seconds=1), 1)
    return bool(found) and found[0][0] == slot
