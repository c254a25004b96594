"""Indicator rules: periods, on/off target, trend, missing/stale data, county roll-up.

Pure: no I/O, no SQL. Everything works on plain values so the digest for a whole
county is a loop over data already in memory.

Periods have three kinds, written canonically as `2026-03` (month), `2026-Q1`
(quarter) and `2026` (year); `parse_period` also accepts what people type in a
spreadsheet (`2026 Q1`, `Q1 2026`, `2026K1`, `2026-3`, `202603`, `mars 2026`).
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum
from typing import Any

from core.personnummer import contains_identity_number
from core.reasons import Unreadable

PERIOD_KINDS = ("month", "quarter", "year")


class Direction(StrEnum):
    HIGHER = "higher"  # higher is better
    LOWER = "lower"  # lower is better


class Status(StrEnum):
    ON = "on"  # on target
    OFF = "off"  # off target
    NO_TARGET = "no_target"
    MISSING = "missing"  # no value at all in the window


class Trend(StrEnum):
    IMPROVING = "improving"
    WORSENING = "worsening"
    FLAT = "flat"
    UNKNOWN = "unknown"  # fewer than two values


class Freshness(StrEnum):
    CURRENT = "current"  # a value for the reference period
    STALE = "stale"  # only an older value
    MISSING = "missing"  # nothing in the window


class Rollup(StrEnum):
    RATE = "rate"  # weighted by the denominator (a share, per 1 000 inhabitants, ...)
    MEAN = "mean"  # plain mean of the units (days, a score)
    SUM = "sum"  # counts


# ---------------------------------------------------------------------------
# Periods


_PER_YEAR = {"month": 12, "quarter": 4, "year": 1}


@dataclass(frozen=True, order=True)
class Period:
    """A month, a quarter or a year. Orders within one kind."""

    kind: str
    year: int
    number: int = 1  # month 1-12, quarter 1-4, 1 for a year
    _ordinal: int = field(default=0, init=False, compare=False, repr=False)
    _hash: int = field(default=0, init=False, compare=False, repr=False)

    def __post_init__(self) -> None:
        limit = _PER_YEAR.get(self.kind)
        if limit is None:
            raise ValueError(f"unknown period kind {self.kind!r}")
        if not 1 <= self.number <= limit:
            raise ValueError(f"{self.kind} number must be 1..{limit}")
        if not 1900 <= self.year <= 2200:
            raise Unreadable(f"year {self.year} out of range", "period.year_range", year=self.year)
        object.__setattr__(self, "_ordinal", self.year * limit + self.number - 1)
        object.__setattr__(self, "_hash", hash((self.kind, self._ordinal)))

    def __hash__(self) -> int:
        return self._hash

    def __eq__(self, other: object) -> bool:
        # Same as the generated (kind, year, number) comparison, cheaper: dict look-ups
        # by period run units × indicators × periods times per county digest.
        if self is other:
            return True
        if other.__class__ is not Period:
            return NotImplemented
        assert isinstance(other, Period)
        return self._ordinal == other._ordinal and self.kind == other.kind

    @property
    def label(self) -> str:
        if self.kind == "month":
            return f"{self.year:04d}-{self.number:02d}"
        if self.kind == "quarter":
            return f"{self.year:04d}-Q{self.number}"
        return f"{self.year:04d}"

    def __str__(self) -> str:
        return self.label

    @property
    def ordinal(self) -> int:
        return self._ordinal

    @classmethod
    def from_ordinal(cls, kind: str, ordinal: int) -> Period:
        per_year = {"month": 12, "quarter": 4, "year": 1}[kind]
        return cls(kind, ordinal // per_year, ordinal % per_year + 1)

    def shift(self, n: int) -> Period:
        return Period.from_ordinal(self.kind, self.ordinal + n)

    @property
    def start(self) -> date:
        if self.kind == "month":
            return date(self.year, self.number, 1)
        if self.kind == "quarter":
            return date(self.year, 3 * self.number - 2, 1)
        return date(self.year, 1, 1)

    @property
    def end(self) -> date:
        """The first day after the period."""
        return self.shift(1).start

    def contains(self, day: date) -> bool:
        return self.start <= day < self.end


_MONTHS_SV = {
    "jan": 1, "januari": 1, "feb": 2, "februari": 2, "mar": 3, "mars": 3, "apr": 4,
    "april": 4, "maj": 5, "jun": 6, "juni": 6, "jul": 7, "juli": 7, "aug": 8,
    "augusti": 8, "sep": 9, "sept": 9, "september": 9, "okt": 10, "oktober": 10,
    "nov": 11, "november": 11, "dec": 12, "december": 12,
    "january": 1, "february": 2, "march": 3, "may": 5, "june": 6, "july": 7,
    "august": 8, "oct": 10, "october": 10,
}  # fmt: skip
_YEAR = re.compile(r"^(\d{4})$")
_MONTH = re.compile(r"^(\d{4})[-/.](\d{1,2})$|^(\d{4})(\d{2})$")
_QUARTER = re.compile(r"^(\d{4})\s*[-/ ]?\s*[QK](\d)$|^[QK](\d)\s*[-/ ]?\s*(\d{4})$", re.I)
_MONTH_NAME = re.compile(r"^([a-zåäö]+)\.?\s+(\d{4})$", re.I)


def parse_period(raw: object) -> Period:
    """A period from a cell or a command; `Unreadable` (a ValueError) says why not."""
    if isinstance(raw, date):
        return Period("month", raw.year, raw.month)
    if isinstance(raw, int) and not isinstance(raw, bool):
        raw = str(raw)
    text = " ".join(str(raw or "").split())
    if not text:
        raise Unreadable("empty period", "period.empty")
    if m := _YEAR.match(text):
        return Period("year", int(m.group(1)))
    if m := _MONTH.match(text):
        year, month = (m.group(1), m.group(2)) if m.group(1) else (m.group(3), m.group(4))
        if not 1 <= int(month) <= 12:
            raise Unreadable(
                f"no month {int(month)} in {raw!r}", "period.no_month", month=int(month), raw=text
            )
        return Period("month", int(year), int(month))
    if m := _QUARTER.match(text):
        year, q = (m.group(1), m.group(2)) if m.group(1) else (m.group(4), m.group(3))
        if not 1 <= int(q) <= 4:
            raise Unreadable(
                f"no quarter {q} in {raw!r}", "period.no_quarter", quarter=int(q), raw=text
            )
        return Period("quarter", int(year), int(q))
    if m := _MONTH_NAME.match(text):
        month_no = _MONTHS_SV.get(m.group(1).lower())
        if month_no:
            return Period("month", int(m.group(2)), month_no)
    if re.match(r"^\d{4}-\d{2}-\d{2}$", text):
        y, mo, _d = (int(p) for p in text.split("-"))
        return Period("month", y, mo)
    raise Unreadable(
        f"not a period: {raw!r} (use 2026-03, 2026 Q1 or 2026)", "period.unreadable", raw=text
    )


def period_of(kind: str, day: date) -> Period:
    if kind == "month":
        return Period("month", day.year, day.month)
    if kind == "quarter":
        return Period("quarter", day.year, (day.month - 1) // 3 + 1)
    if kind == "year":
        return Period("year", day.year)
    raise ValueError(f"unknown period kind {kind!r}")


def last_complete(kind: str, today: date) -> Period:
    """The newest period of `kind` that has ended before `today`."""
    return period_of(kind, today).shift(-1)


def align(period: Period, kind: str) -> Period:
    """The period of `kind` a digest for `period` looks at.

    Coarser kinds contain it (2026-03 -> 2026-Q1 -> 2026); finer kinds take the
    last sub-period (2026-Q1 -> 2026-03; 2026 -> 2026-12).
    """
    if period.kind == kind:
        return period
    if PERIOD_KINDS.index(kind) > PERIOD_KINDS.index(period.kind):
        return period_of(kind, period.start)
    last_day = period.end.toordinal() - 1
    return period_of(kind, date.fromordinal(last_day))


def resolve_period_arg(text: str, today: date) -> Period:
    """What `digest Q1` or `digest mars` means: the latest such period already started."""
    t = " ".join(text.split())
    m = re.match(r"^[QK]([1-4])$", t, re.I)
    if m:
        q = int(m.group(1))
        year = today.year if period_of("quarter", today).number >= q else today.year - 1
        return Period("quarter", year, q)
    month_no = _MONTHS_SV.get(t.lower().rstrip("."))
    if month_no:
        year = today.year if today.month >= month_no else today.year - 1
        return Period("month", year, month_no)
    return parse_period(t)


# ---------------------------------------------------------------------------
# Definitions


@dataclass(frozen=True)
class Definition:
    key: str
    name_sv: str
    name_en: str
    unit: str  # unit of measure: "dagar", "%", "poäng (1–5)"
    direction: Direction
    target: float | None
    period_kind: str
    source: str
    kolada_kpi: str | None = None
    rollup: Rollup = Rollup.MEAN
    tolerance: float | None = None  # absolute; None: 2 % of the window's mean level
    trend_periods: int = 3
    lag_periods: int = 0  # how late values normally arrive (Kolada years: 1)
    decimals: int = 1

    def name(self, lang: str) -> str:
        return self.name_en if lang == "en" and self.name_en else self.name_sv


class InvalidDefinition(ValueError):
    pass


DEF_KEYS = (
    "id", "name", "unit", "direction", "target", "period", "source", "kolada_kpi",
    "rollup", "tolerance", "trend_periods", "lag_periods", "decimals", "targets",
)  # fmt: skip
_KEY = re.compile(r"^[a-z0-9][a-z0-9_.-]{0,59}$")


def _identity_numbers(value: Any, path: str) -> list[str]:
    """Paths of the texts in a file that hold a personnummer (names, sources, units)."""
    if isinstance(value, str):
        return [path] if contains_identity_number(value) else []
    if isinstance(value, Mapping):
        return [p for k, v in value.items() for p in _identity_numbers(v, f"{path}.{k}")]
    if isinstance(value, list):
        return [p for i, v in enumerate(value) for p in _identity_numbers(v, f"{path}[{i}]")]
    return []


def parse_definitions(data: Any) -> tuple[list[Definition], dict[str, dict[str, float]], list[str]]:
    """The `indicators:` list of an indicator file.

    Returns (definitions, per-unit target overrides {indicator: {unit name: target}},
    problems). Every problem found is reported with its path in the file.
    """
    problems: list[str] = []
    defs: list[Definition] = []
    overrides: dict[str, dict[str, float]] = {}
    items = data.get("indicators") if isinstance(data, Mapping) else None
    if not isinstance(items, list) or not items:
        return [], {}, ["indicators: a non-empty list is required"]
    seen: set[str] = set()
    problems += [
        f"{where}: looks like a personnummer: patient data must never be stored"
        for where in _identity_numbers(items, "indicators")
    ]
    for i, item in enumerate(items):
        path = f"indicators[{i}]"
        if not isinstance(item, Mapping):
            problems.append(f"{path}: must be a mapping")
            continue
        before = len(problems)
        for k in item:
            if k not in DEF_KEYS:
                problems.append(f"{path}.{k}: unknown key; allowed: {', '.join(DEF_KEYS)}")
        key = str(item.get("id") or "")
        if not _KEY.match(key):
            problems.append(f"{path}.id: lower-case letters, digits, _ . - (got {key!r})")
        elif key in seen:
            problems.append(f"{path}.id: {key!r} is defined twice")
        seen.add(key)
        name = item.get("name")
        if isinstance(name, str):
            name = {"sv": name, "en": name}
        if not isinstance(name, Mapping) or not str(name.get("sv") or "").strip():
            problems.append(f"{path}.name: give {{sv: ..., en: ...}}")
            name = {}
        direction = str(item.get("direction") or "")
        if direction not in ("higher", "lower"):
            problems.append(f"{path}.direction: 'higher' or 'lower' (which is better)")
        kind = str(item.get("period") or "")
        if kind not in PERIOD_KINDS:
            problems.append(f"{path}.period: one of {', '.join(PERIOD_KINDS)}")
        rollup = str(item.get("rollup") or "mean")
        if rollup not in {r.value for r in Rollup}:
            problems.append(f"{path}.rollup: one of rate, mean, sum")
        target = _opt_float(item.get("target"), f"{path}.target", problems)
        tolerance = _opt_float(item.get("tolerance"), f"{path}.tolerance", problems)
        if tolerance is not None and tolerance < 0:
            problems.append(f"{path}.tolerance: must be >= 0")
        ints: dict[str, int] = {}
        for name_key, default, low in (
            ("trend_periods", 3, 2),
            ("lag_periods", 0, 0),
            ("decimals", 1, 0),
        ):
            value = item.get(name_key, default)
            if isinstance(value, bool) or not isinstance(value, int) or value < low:
                problems.append(f"{path}.{name_key}: a whole number >= {low}")
                value = default
            ints[name_key] = value
        targets = item.get("targets") or {}
        if not isinstance(targets, Mapping):
            problems.append(f"{path}.targets: a mapping {{unit name: target}}")
            targets = {}
        unit_targets: dict[str, float] = {}
        for unit_name, raw in targets.items():
            value = _opt_float(raw, f"{path}.targets.{unit_name}", problems)
            if value is not None:
                unit_targets[str(unit_name)] = value
        if len(problems) > before:
            continue
        defs.append(
            Definition(
                key=key,
                name_sv=str(name["sv"]).strip(),
                name_en=str(name.get("en") or name["sv"]).strip(),
                unit=str(item.get("unit") or ""),
                direction=Direction(direction),
                target=target,
                period_kind=kind,
                source=str(item.get("source") or ""),
                kolada_kpi=str(item["kolada_kpi"]) if item.get("kolada_kpi") else None,
                rollup=Rollup(rollup),
                tolerance=tolerance,
                trend_periods=ints["trend_periods"],
                lag_periods=ints["lag_periods"],
                decimals=ints["decimals"],
            )
        )
        if unit_targets:
            overrides[key] = unit_targets
    return defs, overrides, problems


def _opt_float(raw: object, path: str, problems: list[str]) -> float | None:
    if raw is None or raw == "":
        return None
    if isinstance(raw, bool) or not isinstance(raw, int | float) or not math.isfinite(raw):
        problems.append(f"{path}: a number")
        return None
    return float(raw)


# ---------------------------------------------------------------------------
# Rules


def status(value: float | None, target: float | None, direction: Direction) -> Status:
    """On target when the value is at least as good as the target."""
    if value is None:
        return Status.MISSING
    if target is None:
        return Status.NO_TARGET
    good = value >= target if direction is Direction.HIGHER else value <= target
    return Status.ON if good else Status.OFF


def default_tolerance(values: Sequence[float]) -> float:
    """2 % of the window's mean level; a tiny floor so a constant series is flat."""
    level = sum([abs(v) for v in values]) / len(values) if values else 0.0
    return max(0.02 * level, 1e-9)


def trend(
    values: Sequence[float | None], direction: Direction, tolerance: float | None = None
) -> Trend:
    """Trend over a window of periods, oldest first (None: no value that period).

    The change is the least-squares slope times the span between the first and the
    last value present; within ±tolerance it is flat. Higher values improve a
    "higher is better" indicator and worsen a "lower is better" one.
    """
    xs = [float(i) for i, v in enumerate(values) if v is not None]
    if len(xs) < 2:
        return Trend.UNKNOWN
    ys = [float(v) for v in values if v is not None]
    tol = default_tolerance(ys) if tolerance is None else tolerance
    n = len(xs)
    mx = sum(xs) / n
    my = sum(ys) / n
    dxs = [x - mx for x in xs]
    sxx = sum([d * d for d in dxs])
    slope = sum([d * (y - my) for d, y in zip(dxs, ys, strict=True)]) / sxx
    change = slope * (xs[-1] - xs[0])
    # Rounding in the mean leaves a few ulps of "slope" on a constant series: a change
    # that small is arithmetic, not movement (with tolerance 0 it flipped with time's
    # direction: a hypothesis example of three equal values).
    noise = 1e-9 * max(1.0, max(abs(y) for y in ys))
    if abs(change) <= max(tol, noise):
        return Trend.FLAT
    rising = change > 0
    if rising == (direction is Direction.HIGHER):
        return Trend.IMPROVING
    return Trend.WORSENING


def freshness(latest: Period | None, reference: Period) -> Freshness:
    if latest is None:
        return Freshness.MISSING
    return Freshness.CURRENT if latest >= reference else Freshness.STALE


def reference_period(defn: Definition, today: date, asked: Period | None = None) -> Period:
    """The period a digest shows for `defn`: the one asked for, aligned to the
    indicator's kind, else the newest complete one less the indicator's usual lag."""
    if asked is not None:
        return align(asked, defn.period_kind)
    return last_complete(defn.period_kind, today).shift(-defn.lag_periods)


@dataclass(frozen=True)
class RollUp:
    value: float | None
    units: int  # units with a value
    weighted: bool  # True when weighted by denominators


def rollup(values: Iterable[tuple[float, float | None]], method: Rollup) -> RollUp:
    """County roll-up of (value, denominator) pairs.

    Rates are weighted by their denominators (a share of 1 000 people counts more
    than a share of 10); when a denominator is missing or zero the plain mean is
    used and the result says it is not weighted.
    """
    pairs = list(values)
    if not pairs:
        return RollUp(None, 0, False)
    if method is Rollup.SUM:
        return RollUp(sum(v for v, _ in pairs), len(pairs), False)
    if method is Rollup.RATE and all(d is not None and d > 0 for _, d in pairs):
        total = sum(d for _, d in pairs if d is not None)
        value = sum(v * d for v, d in pairs if d is not None) / total
        return RollUp(value, len(pairs), True)
    return RollUp(sum(v for v, _ in pairs) / len(pairs), len(pairs), False)


def gap(value: float, target: float, direction: Direction) -> float:
    """How far from target, relative; > 0 means worse than target. Sorts off-target units."""
    scale = abs(target) or 1.0
    diff = (target - value) if direction is Direction.HIGHER else (value - target)
    return diff / scale


# ---------------------------------------------------------------------------
# One indicator for one unit


@dataclass(frozen=True)
class Row:
    """One line of a unit digest."""

    defn: Definition
    target: float | None
    reference: Period
    value: float | None  # the latest value up to the reference period
    period: Period | None  # its period
    status: Status
    trend: Trend
    freshness: Freshness
    history: tuple[tuple[Period, float], ...] = field(default=())  # oldest first, for charts

    @property
    def counts_for_headline(self) -> bool:
        return self.freshness is Freshness.CURRENT and self.status in (Status.ON, Status.OFF)


CHART_PERIODS = 12


def evaluate(
    defn: Definition,
    series: Mapping[Period, float],
    reference: Period,
    target: float | None,
    *,
    history: int = CHART_PERIODS,
) -> Row:
    """The digest line for one indicator in one unit, from its values by period."""
    return _evaluate(defn, series, False, reference, target, history)


def evaluate_pairs(
    defn: Definition,
    series: Mapping[Period, tuple[float, float | None]],
    reference: Period,
    target: float | None,
    *,
    history: int = CHART_PERIODS,
) -> Row:
    """`evaluate` over (value, denominator) pairs as the digest loads them (no copy)."""
    return _evaluate(defn, series, True, reference, target, history)


_interned: dict[Period, Period] = {}
_windows: dict[tuple[Period, int], tuple[Period, ...]] = {}


def intern_period(period: Period) -> Period:
    """One shared object per period, so dict look-ups by period hit on identity (no
    `__eq__` call): the digest looks up periods units × indicators × periods times."""
    got = _interned.get(period)
    if got is None:
        if len(_interned) > 100_000:
            _interned.clear()
        got = _interned[period] = period
    return got


def _window(reference: Period, length: int) -> tuple[Period, ...]:
    """The `length` periods up to `reference`, oldest first, interned (memoised: a
    county digest asks for the same few windows units × indicators times)."""
    key = (reference, length)
    got = _windows.get(key)
    if got is None:
        if len(_windows) > 1024:
            _windows.clear()
        got = tuple(intern_period(reference.shift(i)) for i in range(1 - length, 1))
        _windows[key] = got
    return got


def _evaluate(
    defn: Definition,
    series: Mapping[Period, Any],
    pairs: bool,
    reference: Period,
    target: float | None,
    history: int,
) -> Row:
    # This runs units × indicators times per county digest: look up the periods of
    # the trend window first, and the rest of the chart window only when needed (no
    # value for the reference period, or off target and so drawn as a chart).
    get = series.get
    window = _window(reference, max(history, defn.trend_periods, 1))
    n = len(window)
    looked: dict[int, float | None] = {}  # index in window -> value

    def at(i: int) -> float | None:
        if i in looked:
            return looked[i]
        got = get(window[i])
        v = None if got is None else (got[0] if pairs else got)
        looked[i] = v
        return v

    trend_values = [at(i) for i in range(n - defn.trend_periods, n)]
    latest: Period | None = None
    value: float | None = None
    for i in range(n - 1, -1, -1):
        v = at(i)
        if v is not None:
            latest, value = window[i], v
            break
    if latest is None and len(series) > 0:  # nothing in the window: anything older?
        older = [p for p in series if p.kind == reference.kind and p < window[0]]
        if older:
            latest = max(older)
            got = series[latest]
            value = got[0] if pairs else got
    tr = trend(trend_values, defn.direction, defn.tolerance)
    fresh = freshness(latest, reference)
    st = status(value, target, defn.direction)
    # Charts are drawn for off-target rows only: skip the history for the rest.
    hist: list[tuple[Period, float]] = []
    if st is Status.OFF and history > 0:
        for i in range(n - history, n):
            v = at(i)
            if v is not None:
                hist.append((window[i], v))
    return Row(defn, target, reference, value, latest, st, tr, fresh, tuple(hist))


@dataclass(frozen=True)
class Headline:
    on: int
    measured: int  # indicators with a target and a current value
    stale: int
    missing: int
    total: int


def headline(rows: Sequence[Row]) -> Headline:
    measured = [r for r in rows if r.counts_for_headline]
    return Headline(
        on=sum(1 for r in measured if r.status is Status.ON),
        measured=len(measured),
        stale=sum(1 for r in rows if r.freshness is Freshness.STALE),
        missing=sum(1 for r in rows if r.freshness is Freshness.MISSING),
        total=len(rows),
    )


def sort_rows(rows: Sequence[Row]) -> list[Row]:
    """Off target first (worst first), then on target, then the rest; stable by name."""

    def key(r: Row) -> tuple[int, float]:
        if r.status is Status.OFF and r.value is not None and r.target is not None:
            return (0, -gap(r.value, r.target, r.defn.direction))
        order = {Status.ON: 1, Status.NO_TARGET: 2, Status.MISSING: 3}
        return (order.get(r.status, 3), 0.0)

    return sorted(rows, key=key)


# ---------------------------------------------------------------------------
# County


@dataclass(frozen=True)
class CountyRow:
    defn: Definition
    reference: Period
    rollup: RollUp
    target: float | None
    status: Status
    trend: Trend
    on: int
    measured: int  # units with a current value and a target
    missing: int  # units with no current value
    off_units: tuple[tuple[int, float, float], ...]  # (unit id, value, its target), worst first
    unit_values: Mapping[int, float] = field(default_factory=dict)


def county_row(
    defn: Definition,
    values: Mapping[int, Mapping[Period, tuple[float, float | None]]],
    targets: Mapping[int, float | None],
    unit_ids: Sequence[int],
    reference: Period,
) -> CountyRow:
    """One indicator across the county's units, rolled up, with off-target units listed.

    `values[unit][period] = (value, denominator)`; `targets[unit]` is the unit's
    effective target (override or county target).
    """
    window = _window(reference, defn.trend_periods)  # interned: look-ups hit on identity
    reference = window[-1]
    empty: Mapping[Period, tuple[float, float | None]] = {}
    unit_series = [(uid, values.get(uid, empty)) for uid in unit_ids]
    current: dict[int, tuple[float, float | None]] = {}
    for uid, by_period in unit_series:
        got = by_period.get(reference)
        if got is not None:
            current[uid] = got
    roll = rollup(current.values(), defn.rollup)
    series: list[float | None] = []
    for p in window:
        at = [got for _uid, by_period in unit_series if (got := by_period.get(p)) is not None]
        series.append(rollup(at, defn.rollup).value if at else None)
    off: list[tuple[int, float, float]] = []
    on = measured = 0
    for uid, (value, _d) in current.items():
        tgt = targets.get(uid, defn.target)
        st = status(value, tgt, defn.direction)
        if st is Status.ON:
            on += 1
            measured += 1
        elif st is Status.OFF and tgt is not None:
            measured += 1
            off.append((uid, value, tgt))
    off.sort(key=lambda o: -gap(o[1], o[2], defn.direction))
    return CountyRow(
        defn=defn,
        reference=reference,
        rollup=roll,
        target=defn.target,
        status=status(roll.value, defn.target, defn.direction),
        trend=trend(series, defn.direction, defn.tolerance),
        on=on,
        measured=measured,
        missing=len(unit_ids) - len(current),
        off_units=tuple(off),
        unit_values={u: v for u, (v, _d) in current.items()},
    )


# ---------------------------------------------------------------------------
# Cadence

_WEEKDAYS = {
    "monday": "mon", "måndag": "mon", "tuesday": "tue", "tisdag": "tue",
    "wednesday": "wed", "onsdag": "wed", "thursday": "thu", "torsdag": "thu",
    "friday": "fri", "fredag": "fri",
}  # fmt: skip
_CADENCE = re.compile(
    r"^(monthly|quarterly|weekly|månadsvis|kvartalsvis|veckovis)"
    r"(?:\s+(first|första))?\s+([a-zåäö]+)\s+(\d{1,2}):(\d{2})$"
)
DEFAULT_DIGEST_CADENCE = "monthly first monday 08:00"


def digest_trigger(cadence: str | None) -> dict[str, Any] | None:
    """A cron spec (core.occurrences) for `monthly first monday 08:00` and the like.

    None for `off`/`never`; ValueError for anything not understood.
    """
    text = " ".join((cadence or DEFAULT_DIGEST_CADENCE).lower().split())
    if text in ("off", "never", "av", "aldrig", "none"):
        return None
    m = _CADENCE.match(text)
    if not m:
        raise ValueError(f"cadence not understood: {cadence!r} (e.g. {DEFAULT_DIGEST_CADENCE!r})")
    every, first, day, hour, minute = m.groups()
    dow = _WEEKDAYS.get(day)
    if dow is None or int(hour) > 23 or int(minute) > 59:
        raise ValueError(f"cadence not understood: {cadence!r}")
    spec: dict[str, Any] = {"day_of_week": dow, "hour": int(hour), "minute": int(minute)}
    if every in ("weekly", "veckovis"):
        if first:
            raise ValueError("'first' only goes with monthly or quarterly")
        return spec
    if not first:
        raise ValueError("monthly and quarterly need 'first <weekday>'")
    spec["day"] = "1-7"
    if every in ("quarterly", "kvartalsvis"):
        spec["month"] = "1,4,7,10"
    return spec
