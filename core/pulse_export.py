"""Pulse results as table rows for export (CSV, xlsx). Pure.

Only what a results card shows: counts per answer value, shares and means, for
pulses whose results were shown (at least the threshold of answers); a pulse below
the threshold gives one row with its number of answers and nothing else. Free-text
answers are not exported (only how many wrote one): a file travels further than a
card. Cells a spreadsheet would run as a formula are written as text.
"""

from __future__ import annotations

from collections.abc import Sequence

from core.pulse_questions import SCALES, Kind, Question, Template, scale_range
from core.pulse_results import Results

COLUMNS = (
    "unit",
    "period",
    "opened",
    "template",
    "answers",
    "shown",
    "question_id",
    "question",
    "kind",
    "question_answers",
    "value",
    "label",
    "count",
    "share",
    "mean",
)
Row = list[str | int | float | None]
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def safe(value: str | int | float | None) -> str | int | float | None:
    """Text a spreadsheet would read as a formula, made plain text."""
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


def _labels(q: Question, lang: str, yes: str, no: str) -> dict[str, str]:
    if q.kind in SCALES:
        values = scale_range(q.kind)
        low = q.low.get(lang) or q.low.get("sv", "")
        high = q.high.get(lang) or q.high.get("sv", "")
        return {str(values[0]): low, str(values[-1]): high}
    if q.kind is Kind.YESNO:
        return {"yes": yes, "no": no}
    return {o.id: o.label.get(lang) or o.label["sv"] for o in q.options}


def result_rows(
    unit: str,
    period: str,
    opened: str,
    template: Template,
    results: Results,
    *,
    lang: str,
    yes: str,
    no: str,
) -> list[Row]:
    name = template.name.get(lang) or template.name["sv"]
    head: Row = [unit, period, opened, name, results.answers, "yes" if results.shown else "no"]
    if not results.shown:
        return [[safe(v) for v in head + [None] * (len(COLUMNS) - len(head))]]
    rows: list[Row] = []
    for qr in results.questions:
        q = qr.question
        base: Row = [*head, q.id, q.label(lang), q.kind.value, qr.answered]
        if q.kind is Kind.TEXT:
            rows.append([*base, None, None, qr.answered, None, None])
            continue
        labels = _labels(q, lang, yes, no)
        mean = round(qr.mean, 3) if qr.mean is not None else None
        for value, count in qr.counts.items():
            share = round(count / qr.answered, 3) if qr.answered else None
            rows.append([*base, value, labels.get(value, ""), count, share, mean])
    return [[safe(v) for v in row] for row in rows]


def sheet(rows: Sequence[Row]) -> list[Row]:
    """The header and the rows."""
    return [list(COLUMNS), *rows]
