"""Digest cards: a unit's indicators against targets, and the county side by side.

Compact by default (a headline, a table, up to two charts, pulse, items, next
meeting: read in thirty seconds); "Show all" (Action.Execute) returns the expanded
card, which replaces the same message. Every card stays under the message limit:
the county view summarises off-target units and pages the unit table.
Numbers and dates come from i18n.format, in the reader's language.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime

from cards.base import Card, Element, card, execute, plain, text, title
from cards.charts import share_gauge, trend_chart, units_chart
from core.comparison import Comparison
from core.indicator_checks import is_share
from core.indicators import (
    CHART_PERIODS,
    CountyRow,
    Direction,
    Freshness,
    Headline,
    Row,
    Status,
    Trend,
    parse_period,
)
from core.indicators import status as status_of
from core.pagination import Page, page_of
from i18n import format as fmt
from i18n.texts import t

COMPACT_ROWS = 10
COMPACT_CHARTS = 2
# "Visa alla" pages the rows so every card stays under Teams' ~28 KB card limit (a row is
# ~0,8 KB of card JSON, a trend chart with its fallback table ~4,3 KB).
EXPANDED_ROWS = 10
EXPANDED_CHARTS = 3
COUNTY_ROWS = 15
COUNTY_OFF_INDICATORS = 8  # indicators listed with their off-target units
COUNTY_OFF_UNITS = 6  # units named per indicator before "… and N more"
UNITS_PAGE = 25
MAX_SOURCES = 20  # sources named on the expanded card

EXPAND_VERB = "digest.expand"
COUNTY_UNITS_VERB = "digest.county_units"


# ---------------------------------------------------------------------------
# Inputs (plain data from the composer)


@dataclass(frozen=True)
class PulseSummary:
    period: str
    answers: int
    threshold: int
    score: float | None  # staff-rated collaboration, only when shown (anonymity)


@dataclass(frozen=True)
class ItemCounts:
    open: int = 0
    lifted_here: int = 0  # raised below, now waiting here
    lifted_away: int = 0  # raised here, now handled above


@dataclass(frozen=True)
class UnitDigest:
    unit_id: int
    unit_name: str
    rows: Sequence[Row]
    headline: Headline
    today: date
    period_arg: str | None = None  # what was asked for, carried in the card's actions
    pulse: PulseSummary | None = None
    items: ItemCounts = field(default_factory=ItemCounts)
    next_meeting: datetime | None = None
    sources: Sequence[str] = ()
    # Kolada comparisons by indicator key (core/comparison.py), and the peer group's name.
    comparisons: Mapping[str, Comparison] = field(default_factory=dict)
    peer_name: str = ""


@dataclass(frozen=True)
class CountyDigest:
    unit_id: int
    unit_name: str
    rows: Sequence[CountyRow]
    unit_names: Mapping[int, str]
    unit_count: int
    today: date
    period_arg: str | None = None
    waiting_items: Sequence[str] = ()  # titles of items waiting at county level
    waiting_count: int = 0


# ---------------------------------------------------------------------------
# Pieces


def _cell(value: str, *, weight: str | None = None, color: str | None = None) -> Element:
    block = text(value, weight=weight, color=color)
    block["size"] = "Small"
    return {"type": "TableCell", "items": [block]}


def _table(
    widths: Sequence[int], header: Sequence[str], rows: Sequence[Sequence[Element]]
) -> Element:
    return {
        "type": "Table",
        "columns": [{"width": w} for w in widths],
        "firstRowAsHeader": True,
        "showGridLines": False,
        "gridStyle": "accent",
        "rows": [
            {"type": "TableRow", "cells": [_cell(h, weight="Bolder") for h in header]},
            *({"type": "TableRow", "cells": list(cells)} for cells in rows),
        ],
    }


def trend_arrow(tr: Trend, direction: Direction, lang: str) -> tuple[str, str | None]:
    """(text, colour): the arrow shows where the value moves (as the chart does), the word
    and the colour whether that is better or worse by the indicator's good direction. A
    red ↑ alone read as a contradiction on a "lower is better" indicator."""
    if tr is Trend.UNKNOWN:
        return "–", None
    word = t(lang, f"digest.trend.{tr.value}")
    if tr is Trend.FLAT:
        return f"→ {word}", None
    rising = (tr is Trend.IMPROVING) == (direction is Direction.HIGHER)
    colour = None if tr is Trend.IMPROVING else "Attention"  # the word says "better"
    return f"{'↑' if rising else '↓'} {word}", colour


def status_text(row: Row, lang: str) -> tuple[str, str | None]:
    if row.freshness is Freshness.STALE and row.period is not None:
        return t(lang, "digest.status.stale", period=fmt.period(lang, row.period)), None
    if row.status is Status.ON:
        return t(lang, "digest.status.on"), None
    if row.status is Status.OFF:
        return t(lang, "digest.status.off"), "Attention"
    return t(lang, f"digest.status.{row.status.value}"), None


def _row_cells(row: Row, lang: str, *, with_period: bool) -> list[Element]:
    d = row.defn
    arrow, arrow_colour = trend_arrow(row.trend, d.direction, lang)
    status, status_colour = status_text(row, lang)
    cells = [
        _cell(d.name(lang)),
        _cell(fmt.measure(lang, row.value, d.decimals, d.unit), weight="Bolder"),
        _cell(fmt.measure(lang, row.target, d.decimals, d.unit)),
        _cell(arrow, color=arrow_colour),
        _cell(status, color=status_colour),
    ]
    if with_period:
        cells.insert(2, _cell(fmt.period(lang, row.period) if row.period else "–"))
    return cells


def chart_block(row: Row, lang: str) -> list[Element]:
    """A caption, and Teams' own charts (cards/charts.py): the trend as a line with the
    target; for a share, first a gauge against the target. Each has a table fallback."""
    d = row.defn
    first = row.reference.shift(-(CHART_PERIODS - 1))
    by_period = dict(row.history)
    span = [first.shift(i) for i in range(row.reference.ordinal - first.ordinal + 1)]
    value = fmt.with_unit(lang, row.value, d.decimals, d.unit)
    target = fmt.measure(lang, row.target, d.decimals, d.unit)
    out: list[Element] = [
        text(
            t(
                lang,
                "digest.chart_caption",
                name=d.name(lang),
                value=value,
                target=target,
                periods=len(span),
            ),
            spacing="Small",
        )
    ]
    if is_share(d) and row.value is not None and row.target is not None:
        out.append(
            share_gauge(
                lang,
                decimals=d.decimals,
                value=row.value,
                target=row.target,
                direction=d.direction,
            )
        )
    out.append(
        trend_chart(
            lang,
            name=d.name(lang),
            unit=d.unit,
            decimals=d.decimals,
            points=[(p, by_period.get(p)) for p in span],
            target=row.target,
        )
    )
    return out


def comparison_block(d: UnitDigest, rows: Sequence[Row], lang: str) -> list[Element]:
    """Riket, the county and the peer group beside the unit's own figure (Kolada)."""
    facts: list[dict[str, str]] = []
    for row in rows:
        found = d.comparisons.get(row.defn.key)
        if found is None:
            continue
        dd = row.defn
        parts = [
            t(lang, key, value=fmt.measure(lang, value, dd.decimals, dd.unit), name=plain(name))
            for key, value, name in (
                ("digest.cmp.riket", found.riket, ""),
                ("digest.cmp.county", found.county, ""),
                ("digest.cmp.peers", found.peers, d.peer_name or t(lang, "digest.cmp.peer_group")),
            )
            if value is not None
        ]
        facts.append({"title": dd.name(lang), "value": " · ".join(parts)})
    if not facts:
        return []
    return [
        text(t(lang, "digest.cmp.title"), weight="Bolder", spacing="Medium"),
        {"type": "FactSet", "facts": facts, "spacing": "Small"},
    ]


def _pulse_period(lang: str, label: str) -> str:
    try:
        return fmt.period(lang, parse_period(label))
    except ValueError:
        return label


def _context_lines(d: UnitDigest, lang: str) -> list[Element]:
    out: list[Element] = []
    if d.pulse is not None:
        line = fmt.plural(
            lang, "digest.pulse", d.pulse.answers, period=_pulse_period(lang, d.pulse.period)
        )
        if d.pulse.score is not None:
            line += t(lang, "digest.pulse_score", score=fmt.number(lang, d.pulse.score, 1))
        elif d.pulse.answers < d.pulse.threshold:
            line += t(lang, "digest.pulse_hidden", threshold=d.pulse.threshold)
        out.append(text(line, spacing="Medium"))
    out.append(
        text(
            t(
                lang,
                "digest.items",
                open=d.items.open,
                lifted_here=d.items.lifted_here,
                lifted_away=d.items.lifted_away,
            ),
            spacing="Small" if out else "Medium",
        )
    )
    if d.next_meeting is not None:
        out.append(
            text(t(lang, "digest.meeting", when=fmt.when(lang, d.next_meeting)), spacing="Small")
        )
    else:
        out.append(text(t(lang, "digest.no_meeting"), spacing="Small"))
    return out


def _period_shown(rows: Sequence[Row] | Sequence[CountyRow], lang: str) -> str:
    refs = sorted(
        {r.reference for r in rows}, key=lambda p: (p.kind != "month", p.kind != "quarter", p)
    )
    return ", ".join(fmt.period(lang, p) for p in refs[:3]) if refs else "–"


# ---------------------------------------------------------------------------
# Unit digest


def _heading(d: UnitDigest | CountyDigest, lang: str, title_key: str) -> list[Element]:
    """Title and the subtitle naming the period and the day, as a new card body."""
    subtitle = t(
        lang,
        "digest.subtitle",
        period=_period_shown(d.rows, lang),
        date=fmt.full_date(lang, d.today),
    )
    return [
        title(t(lang, title_key, unit=d.unit_name)),
        text(subtitle, subtle=True, spacing="None"),
    ]


def _nav(lang: str, page: Page, data: dict[str, object]) -> list[Element]:
    """Previous/next page buttons (Action.Execute, replacing the card in place)."""
    out: list[Element] = []
    if page.has_previous:
        out.append(
            execute(t(lang, "digest.previous_page"), EXPAND_VERB, {**data, "page": page.number - 1})
        )
    if page.has_next:
        out.append(
            execute(t(lang, "digest.next_page"), EXPAND_VERB, {**data, "page": page.number + 1})
        )
    return out


def unit_digest_card(d: UnitDigest, lang: str, *, expanded: bool = False, page: int = 1) -> Card:
    body = _heading(d, lang, "digest.title")
    if not d.rows:
        body.append(text(t(lang, "digest.no_indicators")))
        body.extend(_context_lines(d, lang))
        return card(body)
    h = d.headline
    if h.measured:
        colour = "Attention" if h.on * 2 < h.measured else None  # fewer than half on target
        body.append(
            text(
                t(lang, "digest.headline", on=h.on, total=h.measured),
                size="ExtraLarge",
                weight="Bolder",
                color=colour,
            )
        )
    else:
        body.append(text(t(lang, "digest.headline_none"), size="Large", weight="Bolder"))
    if h.stale or h.missing:
        body.append(
            text(
                t(lang, "digest.not_current", stale=h.stale, missing=h.missing),
                subtle=True,
                spacing="None",
            )
        )
    rows_page = page_of(len(d.rows), EXPANDED_ROWS if expanded else COMPACT_ROWS, page)
    shown = (
        list(d.rows)[rows_page.start : rows_page.end] if expanded else list(d.rows)[:COMPACT_ROWS]
    )
    if expanded and rows_page.pages > 1:
        body.append(
            text(
                t(lang, "digest.page", page=rows_page.number, pages=rows_page.pages),
                subtle=True,
                spacing="Small",
            )
        )
    header = [
        t(lang, f"digest.col.{c}") for c in ("indicator", "latest", "target", "trend", "status")
    ]
    widths = [4, 2, 2, 2, 3]
    if expanded:
        header.insert(2, t(lang, "digest.col.period"))
        widths.insert(2, 2)
    body.append(_table(widths, header, [_row_cells(r, lang, with_period=expanded) for r in shown]))
    if not expanded and len(d.rows) > len(shown):
        body.append(
            text(
                fmt.plural(lang, "digest.more_rows", len(d.rows) - len(shown)),
                subtle=True,
                spacing="Small",
            )
        )
    body.extend(comparison_block(d, shown, lang))
    off = [r for r in (shown if expanded else d.rows) if r.status is Status.OFF and r.history]
    if off:
        body.append(text(t(lang, "digest.charts"), weight="Bolder", spacing="Medium"))
        for r in off[: EXPANDED_CHARTS if expanded else COMPACT_CHARTS]:
            body.extend(chart_block(r, lang))
    body.extend(_context_lines(d, lang))
    if d.sources:
        # Sources come from import files (a spreadsheet cell): shown as text, and a few.
        sources = [plain(x) for x in list(d.sources)[: MAX_SOURCES if expanded else 3]]
        if len(d.sources) > len(sources):
            sources.append(t(lang, "card.more", count=len(d.sources) - len(sources)))
        body.append(
            text(
                t(lang, "digest.sources", sources="; ".join(sources)),
                subtle=True,
                size="Small",
                spacing="Medium",
            )
        )
    data = {"unit_id": d.unit_id, "period": d.period_arg, "expanded": not expanded}
    label = t(lang, "digest.show_less" if expanded else "digest.show_all")
    actions = [execute(label, EXPAND_VERB, {"action": EXPAND_VERB, **data})]
    if expanded:
        base = {"action": EXPAND_VERB, "unit_id": d.unit_id, "period": d.period_arg}
        actions += _nav(lang, rows_page, {**base, "expanded": True})
    return card(body, actions)


def headline_text(d: UnitDigest, lang: str) -> str:
    h = d.headline
    if not h.measured:
        return t(lang, "digest.headline_none")
    return t(lang, "digest.headline", on=h.on, total=h.measured)


# ---------------------------------------------------------------------------
# County digest


def county_digest_card(d: CountyDigest, lang: str, page: int = 1) -> Card:
    measured = [r for r in d.rows if r.status in (Status.ON, Status.OFF)]
    on = sum(1 for r in measured if r.status is Status.ON)
    body = _heading(d, lang, "digest.county_title")
    if not d.rows:
        body.append(text(t(lang, "digest.no_indicators")))
        return card(body)
    body.append(
        text(
            t(lang, "digest.county_headline", on=on, total=len(measured)),
            size="ExtraLarge",
            weight="Bolder",
        )
    )
    header = [
        t(lang, f"digest.col.{c}") for c in ("indicator", "county", "target", "trend", "units_on")
    ]
    rows = []
    table_page = page_of(len(d.rows), COUNTY_ROWS, page)
    if table_page.pages > 1:
        body.append(
            text(
                t(lang, "digest.page", page=table_page.number, pages=table_page.pages),
                subtle=True,
                spacing="Small",
            )
        )
    for r in d.rows[table_page.start : table_page.end]:
        dd = r.defn
        arrow, colour = trend_arrow(r.trend, dd.direction, lang)
        value = fmt.measure(lang, r.rollup.value, dd.decimals, dd.unit)
        rows.append(
            [
                _cell(dd.name(lang)),
                _cell(
                    value, weight="Bolder", color="Attention" if r.status is Status.OFF else None
                ),
                _cell(fmt.measure(lang, r.target, dd.decimals, dd.unit)),
                _cell(arrow, color=colour),
                _cell(
                    f"{r.on}/{r.measured}" if r.measured else "–",
                    color="Attention" if r.off_units else None,
                ),
            ]
        )
    body.append(_table([4, 2, 2, 2, 2], header, rows))
    with_off = [r for r in d.rows if r.off_units]
    for r in with_off[:COUNTY_OFF_INDICATORS]:
        names = [
            f"{d.unit_names.get(uid, '?')} {fmt.measure(lang, v, r.defn.decimals, r.defn.unit)}"
            for uid, v, _tgt in r.off_units[:COUNTY_OFF_UNITS]
        ]
        if len(r.off_units) > COUNTY_OFF_UNITS:
            names.append(t(lang, "digest.and_more", count=len(r.off_units) - COUNTY_OFF_UNITS))
        body.append(
            text(
                t(lang, "digest.county_off", name=r.defn.name(lang), units=" · ".join(names)),
                color="Attention",
                size="Small",
                spacing="Small",
            )
        )
    if len(with_off) > COUNTY_OFF_INDICATORS:
        body.append(
            text(
                fmt.plural(
                    lang, "digest.county_more_indicators", len(with_off) - COUNTY_OFF_INDICATORS
                ),
                subtle=True,
                size="Small",
            )
        )
    body.append(text(t(lang, "digest.county_items", count=d.waiting_count), spacing="Medium"))
    if d.waiting_items:
        shown = [f"- {plain(title_[:100])}" for title_ in d.waiting_items[:5]]
        if d.waiting_count > len(shown):
            shown.append(t(lang, "digest.and_more", count=d.waiting_count - len(shown)))
        body.append(text("\n".join(shown), size="Small", spacing="None"))
    body.append(
        {
            "type": "Input.ChoiceSet",
            "id": "indicator",
            "label": t(lang, "digest.pick_indicator"),
            "style": "compact",
            "value": (with_off[0] if with_off else d.rows[0]).defn.key,
            "choices": [{"title": r.defn.name(lang)[:80], "value": r.defn.key} for r in d.rows],
        }
    )
    data = {"action": COUNTY_UNITS_VERB, "unit_id": d.unit_id, "period": d.period_arg, "page": 1}
    actions = [execute(t(lang, "digest.show_units"), COUNTY_UNITS_VERB, data)]
    base = {"action": EXPAND_VERB, "unit_id": d.unit_id, "period": d.period_arg}
    return card(body, actions + _nav(lang, table_page, base))


def county_units_card(
    d: CountyDigest,
    row: CountyRow,
    unit_ids: Sequence[int],
    targets: Mapping[int, float | None],
    page: int,
    lang: str,
) -> Card:
    """One indicator, the units side by side (a page at a time), off-target ones highlighted."""
    dd = row.defn
    ordered = sorted(unit_ids, key=lambda u: d.unit_names.get(u, ""))
    pages = max(1, -(-len(ordered) // UNITS_PAGE))
    page = min(max(1, page), pages)
    chunk = ordered[(page - 1) * UNITS_PAGE : page * UNITS_PAGE]
    bars: list[tuple[str, float | None, float | None, bool | None]] = []
    for uid in chunk:
        value = row.unit_values.get(uid)
        tgt = targets.get(uid, dd.target)
        st = status_of(value, tgt, dd.direction)
        on = True if st is Status.ON else (False if st is Status.OFF else None)
        bars.append((d.unit_names.get(uid, "?"), value, tgt, on))
    body: list[Element] = [
        title(
            t(
                lang,
                "digest.units_title",
                name=dd.name(lang),
                period=fmt.period(lang, row.reference),
            )
        ),
        text(t(lang, "digest.page", page=page, pages=pages), subtle=True, spacing="None"),
        units_chart(lang, unit=dd.unit, decimals=dd.decimals, bars=bars),
    ]
    base = {"unit_id": d.unit_id, "period": d.period_arg, "indicator": dd.key}
    actions: list[Element] = []
    if page > 1:
        actions.append(
            execute(
                t(lang, "digest.previous"),
                COUNTY_UNITS_VERB,
                {"action": COUNTY_UNITS_VERB, **base, "page": page - 1},
            )
        )
    if page < pages:
        actions.append(
            execute(
                t(lang, "digest.next"),
                COUNTY_UNITS_VERB,
                {"action": COUNTY_UNITS_VERB, **base, "page": page + 1},
            )
        )
    actions.append(
        execute(
            t(lang, "digest.back"),
            EXPAND_VERB,
            {"action": EXPAND_VERB, "unit_id": d.unit_id, "period": d.period_arg, "county": True},
        )
    )
    return card(body, actions)
