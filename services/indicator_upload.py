"""Indicator values from a file sent in Teams: a preview first, the import on confirm.

`preview` reads the file with the one importer (services/indicator_import.py), limited to
the units the person may add values for (any other unit reads as unknown, exactly like
a unit that does not exist), runs the range checks (core/indicator_checks.py) against
the unit's stored history, and says what would change. `commit` imports what the
preview accepted. Nothing is written before `commit`.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy.ext.asyncio import AsyncSession

from core.indicator_checks import check_value
from core.indicators import Definition, Period, parse_period
from core.reasons import Reason
from core.refusal import Refused
from services.indicator_import import ImportFileError, Lookup, build_lookup, check_rows, read_bytes
from storage import indicators_repo
from storage.indicators_repo import UpsertResult, ValueIn

HISTORY_PERIODS = 24  # how far back the "ten times off" check looks


@dataclass(frozen=True)
class Accepted:
    row: int
    value: ValueIn
    old: float | None  # the stored value for this unit and period, if any
    flags: tuple[Reason, ...] = ()

    @property
    def change(self) -> str:
        if self.old is None:
            return "new"
        return "unchanged" if self.old == self.value.value else "changed"


@dataclass(frozen=True)
class RefusedRow:
    row: int
    # The importer's reasons (unknown unit, bad period, ...) when `value` is None, else the
    # range checks on the value read.
    reasons: tuple[Reason, ...] = ()
    value: ValueIn | None = None


@dataclass
class Preview:
    filename: str
    rows: int = 0
    accepted: list[Accepted] = field(default_factory=list)
    refused: list[RefusedRow] = field(default_factory=list)
    definitions: dict[int, Definition] = field(default_factory=dict)

    def count(self, change: str) -> int:
        return sum(1 for a in self.accepted if a.change == change)

    @property
    def flagged(self) -> list[Accepted]:
        return [a for a in self.accepted if a.flags]


def _restricted(lookup: Lookup, unit_ids: set[int]) -> Lookup:
    return Lookup(
        lookup.definitions, {name: uid for name, uid in lookup.units.items() if uid in unit_ids}
    )


async def preview(
    session: AsyncSession, filename: str, data: bytes, unit_ids: Iterable[int], today: date
) -> Preview:
    """What importing the file would do, for a person who may add values to `unit_ids`."""
    allowed = set(unit_ids)
    lookup = await build_lookup(session)
    if not lookup.definitions:
        raise Refused("indfile.no_definitions")
    numbers: list[int] = []
    try:
        good, bad, count = check_rows(
            read_bytes(filename, data),
            _restricted(lookup, allowed),
            default_source=f"Fil: {filename}"[:200],
            numbers=numbers,
        )
    except ImportFileError as exc:
        raise Refused("indfile.unreadable", reason=exc.reason) from exc
    out = Preview(filename, rows=count)
    out.definitions = {i: d for i, d in lookup.definitions.values()}
    out.refused = [RefusedRow(b.row, reasons=b.reasons) for b in bad]
    periods = {v.period: parse_period(v.period) for v in good}
    windows: dict[int, tuple[Period, Period]] = {}
    for v in good:
        p = periods[v.period]
        first, last = windows.get(v.indicator_id, (p, p))
        windows[v.indicator_id] = (min(first, p.shift(-HISTORY_PERIODS)), max(last, p))
    stored = await indicators_repo.load_values(session, windows, {v.unit_id for v in good})
    for v, row in zip(good, numbers, strict=True):
        definition = out.definitions[v.indicator_id]
        period = periods[v.period]
        series = stored.get(v.indicator_id, {}).get(v.unit_id, {})
        old = series.get(period)
        history = [series[p][0] for p in sorted(series) if p < period][-12:]
        verdict = check_value(definition, period, v.value, today, history)
        if verdict.refused:
            out.refused.append(RefusedRow(row, reasons=verdict.refused, value=v))
        else:
            out.accepted.append(Accepted(row, v, old[0] if old else None, verdict.flagged))
    out.refused.sort(key=lambda r: r.row)
    return out


async def commit(session: AsyncSession, checked: Preview) -> UpsertResult:
    """Import what the preview accepted (in the caller's transaction). A value equal to the
    stored one is left alone (its source too)."""
    changed = [a.value for a in checked.accepted if a.change != "unchanged"]
    result = await indicators_repo.upsert_values(session, changed)
    result.unchanged += checked.count("unchanged")
    return result


def changed_keys(checked: Preview) -> list[tuple[int, int, str]]:
    """(indicator id, unit id, period) of the values the import writes."""
    return [
        (a.value.indicator_id, a.value.unit_id, a.value.period)
        for a in checked.accepted
        if a.change != "unchanged"
    ]
