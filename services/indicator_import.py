"""Import indicator values from CSV or Excel (.xlsx).

Columns (header row, any order, Swedish or English): `indicator`/`indikator`,
`unit`/`enhet`, `period`, `value`/`värde`; optional `denominator`/`nämnare` (for
rates: weighs the county roll-up) and `source`/`källa`. Values take a decimal
comma (`12,5`, `1 234,5`); periods `2026-03`, `2026 Q1`, `2026`.

Every bad row is reported with its row number as the spreadsheet shows it (the
header is row 1) and its reasons, each a catalogue key and values (`core.reasons.Reason`,
texts in i18n/catalogue/reasons.yaml): the CLI prints them in English, the preview card of a
file sent in Teams in the person's language. A file with any bad row imports nothing, unless
`skip_bad_rows` is given: then the good rows are imported and the bad ones listed.
Importing is an upsert: the same file twice changes nothing.
"""

from __future__ import annotations

import csv
import difflib
import io
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy.ext.asyncio import AsyncSession

from core.indicators import Definition, parse_period
from core.numbers import parse_number
from core.org import fold
from core.personnummer import contains_identity_number
from core.reasons import Reason, Unreadable
from i18n.reasons import say, say_all
from storage import indicators_repo
from storage.indicators_repo import UpsertResult, ValueIn

COLUMNS: dict[str, tuple[str, ...]] = {
    "indicator": ("indicator", "indikator", "mätetal", "matetal", "id"),
    "unit": ("unit", "enhet", "unit_name", "enhetsnamn"),
    "period": ("period", "månad", "ar", "år", "year"),
    "value": ("value", "värde", "varde"),
    "denominator": ("denominator", "nämnare", "namnare"),
    "source": ("source", "källa", "kalla"),
}
REQUIRED = ("indicator", "unit", "period", "value")
MAX_ROWS = 200_000


class ImportFileError(Exception):
    """The file as a whole cannot be read (format, header). `reason` says why as a catalogue
    key and values (the preview card says it in the person's language); `str()` is the
    English text the CLI prints."""

    def __init__(self, key: str, **values: object) -> None:
        self.reason = Reason(key, values)
        super().__init__(say("en", self.reason))


@dataclass(frozen=True)
class BadRow:
    row: int
    reasons: tuple[Reason, ...]

    @property
    def reason(self) -> str:
        """The reasons in English, as the CLI prints them."""
        return say_all("en", self.reasons)

    def __str__(self) -> str:
        return f"row {self.row}: {self.reason}"


@dataclass
class ImportReport:
    rows: int = 0  # data rows read
    good: int = 0
    bad: list[BadRow] = field(default_factory=list)
    imported: bool = False
    result: UpsertResult = field(default_factory=UpsertResult)


# ---------------------------------------------------------------------------
# Reading


def read_table(path: Path) -> Iterator[tuple[int, list[object]]]:
    """(row number, cells) for every row, header included, from .csv or .xlsx."""
    suffix = path.suffix.lower()
    if suffix == ".xlsx":
        yield from _read_xlsx(path)
    elif suffix in (".csv", ".txt"):
        yield from _read_csv(path.read_bytes())
    else:
        raise ImportFileError("import.file_type", file=path.name)


def read_bytes(name: str, data: bytes) -> Iterator[tuple[int, list[object]]]:
    """The same as `read_table`, for a file's bytes (a file sent in Teams); `name` gives
    the format by its ending."""
    suffix = Path(name).suffix.lower()
    if suffix == ".xlsx":
        yield from _read_xlsx_from(io.BytesIO(data), name)
    elif suffix in (".csv", ".txt"):
        yield from _read_csv(data)
    else:
        raise ImportFileError("import.file_type", file=Path(name).name)


def _read_csv(data: bytes) -> Iterator[tuple[int, list[object]]]:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = data.decode("cp1252")  # Excel's "CSV" on Swedish Windows
    first = text.split("\n", 1)[0]
    delimiter = ";" if first.count(";") >= first.count(",") and ";" in first else ","
    if "\t" in first and delimiter not in first:
        delimiter = "\t"
    reader = csv.reader(io.StringIO(text), delimiter=delimiter)
    for number, cells in enumerate(reader, start=1):
        yield number, list(cells)


def _read_xlsx(path: Path) -> Iterator[tuple[int, list[object]]]:
    yield from _read_xlsx_from(path, path.name)


def _read_xlsx_from(source: Path | io.BytesIO, name: str) -> Iterator[tuple[int, list[object]]]:
    try:
        from openpyxl import load_workbook
    except ImportError as exc:  # pragma: no cover - dependency note
        raise ImportFileError("import.needs_openpyxl") from exc
    try:
        book = load_workbook(source, read_only=True, data_only=True)
    except Exception as exc:
        raise ImportFileError("import.not_xlsx", file=name, error=type(exc).__name__) from exc
    try:
        sheet = book.worksheets[0]
        for number, cells in enumerate(sheet.iter_rows(values_only=True), start=1):
            yield number, list(cells)
    finally:
        book.close()


def _header_map(cells: Sequence[object]) -> dict[str, int]:
    names = [fold(str(c or "")) for c in cells]
    out: dict[str, int] = {}
    for column, aliases in COLUMNS.items():
        for i, name in enumerate(names):
            if name in aliases:
                out[column] = i
                break
    missing = [c for c in REQUIRED if c not in out]
    if missing:
        shown = ", ".join(str(c) for c in cells if c not in (None, ""))
        raise ImportFileError(
            "import.missing_columns",
            missing=tuple(Reason(f"import.column.{c}") for c in missing),
            found=shown or Reason("import.no_columns"),
        )
    return out


# ---------------------------------------------------------------------------
# Checking


@dataclass(frozen=True)
class Lookup:
    definitions: dict[str, tuple[int, Definition]]  # key -> (id, definition)
    units: dict[str, int]  # folded name (and kolada code) -> unit id


def _cell(cells: Sequence[object], index: int | None) -> object:
    if index is None or index >= len(cells):
        return None
    value = cells[index]
    return value.strip() if isinstance(value, str) else value


IDENTITY_NUMBER_KEY = "import.identity_number"  # a bad row's reason, said without any cell


def _unreadable(exc: ValueError, fallback: str, raw: object) -> Reason:
    """The reason a parser in core gave, or (for a ValueError without one) `fallback`."""
    if isinstance(exc, Unreadable):
        return exc.reason
    return Reason(fallback, {"raw": str(raw)})


def _holds_identity_number(cells: Sequence[object]) -> bool:
    """Any cell, text or number (Excel keeps 8112189876 as a number), holding one."""
    return contains_identity_number(*(str(c) for c in cells if c is not None))


def check_rows(
    rows: Iterator[tuple[int, list[object]]],
    lookup: Lookup,
    default_source: str,
    numbers: list[int] | None = None,
) -> tuple[list[ValueIn], list[BadRow], int]:
    """Good values, bad rows (every one, with its reason), and the number of data rows.

    `numbers`, if given, gets the row number of each good value (in the same order)."""
    header = next(rows, None)
    if header is None:
        raise ImportFileError("import.empty_file")
    if _holds_identity_number(header[1]):
        raise ImportFileError("import.on_row", row=1, reason=Reason(IDENTITY_NUMBER_KEY))
    cols = _header_map(header[1])
    good: list[ValueIn] = []
    bad: list[BadRow] = []
    seen: dict[tuple[int, int, str], tuple[int, float]] = {}
    count = 0
    for number, cells in rows:
        if all(c is None or (isinstance(c, str) and not c.strip()) for c in cells):
            continue
        count += 1
        if count > MAX_ROWS:
            raise ImportFileError("import.too_many_rows", max=MAX_ROWS)
        if _holds_identity_number(cells):
            # Said without echoing any cell of the row: the report is printed and logged.
            bad.append(BadRow(number, (Reason(IDENTITY_NUMBER_KEY),)))
            continue
        reasons: list[Reason] = []
        key_raw = str(_cell(cells, cols["indicator"]) or "")
        found = lookup.definitions.get(key_raw.lower())
        if found is None:
            close = difflib.get_close_matches(key_raw.lower(), list(lookup.definitions), n=1)
            if not key_raw:
                reasons.append(Reason("import.no_indicator"))
            elif close:
                reasons.append(
                    Reason(
                        "import.unknown_indicator_hint", {"indicator": key_raw, "hint": close[0]}
                    )
                )
            else:
                reasons.append(Reason("import.unknown_indicator", {"indicator": key_raw}))
        unit_raw = str(_cell(cells, cols["unit"]) or "")
        unit_id = lookup.units.get(fold(unit_raw))
        if unit_id is None:
            close = difflib.get_close_matches(fold(unit_raw), list(lookup.units), n=1)
            if not unit_raw:
                reasons.append(Reason("import.no_unit"))
            elif close:
                reasons.append(
                    Reason("import.unknown_unit_hint", {"unit": unit_raw, "hint": close[0]})
                )
            else:
                reasons.append(Reason("import.unknown_unit", {"unit": unit_raw}))
        period_raw = _cell(cells, cols["period"])
        period = None
        try:
            period = parse_period(period_raw)
        except ValueError as exc:
            reasons.append(_unreadable(exc, "period.unreadable", period_raw))
        if period is not None and found is not None and period.kind != found[1].period_kind:
            reasons.append(
                Reason(
                    "import.wrong_period_kind",
                    {
                        "indicator": found[1].key,
                        "wanted": Reason(f"period.kind.{found[1].period_kind}"),
                        "period": period.label,
                        "got": Reason(f"period.a.{period.kind}"),
                    },
                )
            )
        value: float | None = None
        try:
            value = parse_number(_cell(cells, cols["value"]))
        except ValueError as exc:
            problem = _unreadable(exc, "number.not_a_number_raw", _cell(cells, cols["value"]))
            reasons.append(Reason("import.value", {"problem": problem}))
        denominator: float | None = None
        raw_den = _cell(cells, cols.get("denominator"))
        if raw_den not in (None, ""):
            try:
                denominator = parse_number(raw_den)
                if denominator <= 0:
                    reasons.append(Reason("import.denominator_positive"))
            except ValueError as exc:
                problem = _unreadable(exc, "number.not_a_number_raw", raw_den)
                reasons.append(Reason("import.denominator", {"problem": problem}))
        if reasons:
            bad.append(BadRow(number, tuple(reasons)))
            continue
        assert found is not None and unit_id is not None and period is not None
        assert value is not None
        key = (found[0], unit_id, period.label)
        if key in seen and seen[key][1] != value:
            bad.append(BadRow(number, (Reason("import.duplicate", {"row": seen[key][0]}),)))
            continue
        seen.setdefault(key, (number, value))
        source = str(_cell(cells, cols.get("source")) or default_source)[:200]
        good.append(ValueIn(found[0], unit_id, period.label, value, denominator, source))
        if numbers is not None:
            numbers.append(number)
    return good, bad, count


async def build_lookup(session: AsyncSession) -> Lookup:
    defs = await indicators_repo.load_definitions(session)
    units = await indicators_repo.live_units(session)
    by_name: dict[str, int] = {}
    for u in units:
        if u.id is None:
            continue
        by_name[fold(u.name)] = u.id
    for code, ids in indicators_repo.units_by_kolada(units).items():
        if len(ids) == 1:
            by_name.setdefault(code, ids[0])
    return Lookup({d.key: (i, d) for i, d in defs}, by_name)


async def import_file(
    session: AsyncSession, path: Path, *, skip_bad_rows: bool = False
) -> ImportReport:
    """Check the whole file, then upsert in the caller's transaction (or not at all)."""
    lookup = await build_lookup(session)
    if not lookup.definitions:
        raise ImportFileError("import.no_definitions")
    good, bad, count = check_rows(read_table(path), lookup, default_source=f"Fil: {path.name}")
    report = ImportReport(rows=count, good=len(good), bad=bad)
    if bad and not skip_bad_rows:
        return report
    report.result = await indicators_repo.upsert_values(session, good)
    report.imported = True
    return report
