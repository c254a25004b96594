"""Exports for the forum's follow-up evaluation ("följeutvärdering"): a unit's items with
their whole trail, and the minutes of its meetings in a period; as CSV or Markdown.

Plain text from plain values, so the CLI (`samverkan export items|minutes`) and a Teams
command can serve the same file.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from core.names import match_name
from core.roles import descendants
from i18n import format as fmt
from i18n.texts import t
from storage import items_repo, minutes_repo
from storage.db import Database
from storage.item_models import Item, ItemEvent
from storage.models import Unit
from storage.org_repo import list_units


class Format(StrEnum):
    csv = "csv"
    md = "md"


async def unit_named(session: AsyncSession, name: str) -> tuple[Unit | None, list[Unit]]:
    """The unit a person's spelling of its name means (None if none), and every unit."""
    units = await list_units(session)
    matched = match_name(name, [u.name for u in units])
    unit = next((u for u in units if u.name == matched), None)
    return (unit if unit is not None and unit.id is not None else None), units


# -- items ----------------------------------------------------------------------------------

ITEM_COLUMNS = (
    "item_id",
    "kind",
    "title",
    "status",
    "topic",
    "origin",
    "current",
    "path",
    "owner",
    "due",
    "created_at",
    "at_top",
    "answer",
    "event_at",
    "event_unit",
    "actor",
    "event",
    "text",
)


@dataclass(frozen=True)
class ExportItem:
    item: Item
    events: list[ItemEvent]


def items_csv(items: list[ExportItem], names: dict[int, str]) -> str:
    """One row per trail event, the item's columns repeated."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(ITEM_COLUMNS)
    for entry in items:
        it = entry.item
        head = [
            it.id,
            it.kind,
            it.title,
            it.status,
            it.topic or "",
            names.get(it.origin_unit_id, ""),
            names.get(it.current_unit_id, ""),
            " > ".join(names.get(u, str(u)) for u in it.path),
            it.owner or "",
            it.due.isoformat() if it.due else "",
            fmt.iso_minute(it.created_at),
            "yes" if it.at_top else "",
            it.answer or "",
        ]
        for ev in entry.events:
            writer.writerow(
                [
                    *head,
                    fmt.iso_minute(ev.at),
                    names.get(ev.unit_id, ""),
                    ev.actor or "Samverkan",
                    ev.event,
                    ev.text or "",
                ]
            )
    return out.getvalue()


def _md(value: str) -> str:
    return value.replace("|", "\\|").replace("\n", " ")


def items_md(items: list[ExportItem], names: dict[int, str], title: str) -> str:
    """One section per item, with its trail as a table."""
    lines = [f"# Ärenden – {title}", ""]
    if not items:
        lines.append("Inga ärenden.")
    for entry in items:
        it = entry.item
        lines += [
            f"## #{it.id} {_md(it.title)}",
            "",
            f"- Typ: {it.kind}",
            f"- Status: {it.status}" + (" (olöst på högsta nivån)" if it.at_top else ""),
            f"- Väg: {' → '.join(names.get(u, str(u)) for u in it.path)}",
            f"- Från: {names.get(it.origin_unit_id, '')}; ligger hos: "
            f"{names.get(it.current_unit_id, '')}",
        ]
        if it.topic:
            lines.append(f"- Målgrupp: {it.topic}")
        if it.owner:
            lines.append(f"- Ansvarig: {_md(it.owner)}")
        if it.due:
            lines.append(f"- Klart senast: {fmt.full_date('sv', it.due)}")
        if it.answer:
            lines.append(f"- Svar: {_md(it.answer)}")
        lines += ["", "| När | Enhet | Vem | Händelse | Text |", "|---|---|---|---|---|"]
        for ev in entry.events:
            lines.append(
                f"| {fmt.stamp('sv', ev.at)} | {_md(names.get(ev.unit_id, ''))} | "
                f"{_md(ev.actor or 'Samverkan')} | {ev.event} | {_md(ev.text or '')} |"
            )
        lines.append("")
    return "\n".join(lines)


async def export_items(
    db: Database, unit_name: str, include_children: bool, form: Format
) -> str | None:
    """The unit's items (and, asked, those of every unit below it); None if no unit has
    that name."""
    async with db.read() as session:
        unit, units = await unit_named(session, unit_name)
        if unit is None or unit.id is None:
            return None
        parents = {u.id: u.parent_id for u in units if u.id is not None}
        ids = descendants(unit.id, parents) if include_children else [unit.id]
        rows = await items_repo.items_for_export(session, ids)
        trails = await items_repo.trails(session, [i.id for i in rows if i.id is not None])
        all_units = await items_repo.units_by_id(
            session,
            {u for i in rows for u in (i.origin_unit_id, i.current_unit_id, *i.path)}
            | {e.unit_id for evs in trails.values() for e in evs},
        )
    names = {uid: u.name for uid, u in all_units.items()}
    entries = [ExportItem(i, trails.get(i.id or 0, [])) for i in rows]
    if form is Format.csv:
        return items_csv(entries, names)
    return items_md(entries, names, unit.name)


# -- minutes --------------------------------------------------------------------------------

MINUTES_COLUMNS = (
    "meeting_start",
    "meeting",
    "place",
    "status",
    "kind",
    "id",
    "text",
    "owner",
    "due",
    "state",
)


def minutes_md(unit: str, minutes: list[minutes_repo.Minutes], lang: str) -> str:
    out = [f"# {t(lang, 'mtg.minutes_title', name=unit)}", ""]
    if not minutes:
        out.append(t(lang, "mtg.none"))
    for m in minutes:
        zone = m.series.timezone
        when = fmt.when(lang, m.occurrence.starts_at, zone, m.occurrence.ends_at)
        out += [f"## {m.series.name} – {when}", ""]
        if m.occurrence.place:
            out += [f"{t(lang, 'mtg.where')}: {m.occurrence.place}", ""]
        out += [f"### {t(lang, 'mtg.decisions')}", ""]
        out += [f"- {d.text}" for d in m.decisions] or [t(lang, "mtg.no_decisions")]
        out += ["", f"### {t(lang, 'mtg.actions')}", ""]
        out += [
            f"- #{a.id} {a.text} – {a.owner_name}, {fmt.day_month(lang, a.due)} ({a.status})"
            for a in m.actions
        ] or [t(lang, "mtg.no_new_actions")]
        out += ["", f"### {t(lang, 'mtg.lifted_title')}", ""]
        out += [f"- #{i} {title}" for i, title in m.lifted] or [t(lang, "mtg.nothing_lifted")]
        if m.items:
            out += ["", f"### {t(lang, 'mtg.agenda_outcome')}", ""]
            out += [f"- {i.text} ({t(lang, f'mtg.status.{i.status}')})" for i in m.items]
        out.append("")
    return "\n".join(out)


def minutes_csv(minutes: list[minutes_repo.Minutes]) -> str:
    buf = io.StringIO()
    writer = csv.writer(buf)
    writer.writerow(MINUTES_COLUMNS)
    for m in minutes:
        base = [
            m.occurrence.starts_at.isoformat(),
            m.series.name,
            m.occurrence.place or "",
            m.occurrence.status,
        ]
        for d in m.decisions:
            writer.writerow([*base, "decision", d.id, d.text, "", "", ""])
        for a in m.actions:
            writer.writerow(
                [*base, "action", a.id, a.text, a.owner_name, a.due.isoformat(), a.status]
            )
        for item_id, title in m.lifted:
            writer.writerow([*base, "lifted", item_id, title, "", "", ""])
        for i in m.items:
            writer.writerow([*base, "agenda_item", i.id, i.text, "", "", i.status])
    return buf.getvalue()


async def export_minutes(
    db: Database, unit_name: str, start: date, end: date, form: Format, lang: str, zone: str
) -> str | None:
    """The minutes of the unit's meetings from `start` to `end` (inclusive, local days);
    None if no unit has that name."""
    tz = ZoneInfo(zone)
    async with db.read() as session:
        unit, _ = await unit_named(session, unit_name)
        if unit is None or unit.id is None:
            return None
        minutes = await minutes_repo.for_export(
            session,
            unit.id,
            datetime.combine(start, time(0), tz),
            datetime.combine(end + timedelta(days=1), time(0), tz),
        )
    return minutes_csv(minutes) if form is Format.csv else minutes_md(unit.name, minutes, lang)
