"""`samverkan export items --unit NAME [--include-children] --format csv|md`.

Items with their whole trail, for the forum's follow-up evaluation
("följeutvärdering"). CSV has one row per trail event (the item's columns
repeated); Markdown has one section per item.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

import typer

from cli.common import run_with_db
from core.names import match_name
from i18n import format as fmt
from infra.settings import Settings
from storage import items_repo
from storage.db import Database
from storage.item_models import Item, ItemEvent
from storage.models import Unit
from storage.org_repo import list_units

export_app = typer.Typer(help="Export data for follow-up.", no_args_is_help=True)


class Format(StrEnum):
    csv = "csv"
    md = "md"


CSV_COLUMNS = (
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


def render_csv(items: list[ExportItem], names: dict[int, str]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
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


def render_md(items: list[ExportItem], names: dict[int, str], title: str) -> str:
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


def descendants(unit_id: int, units: list[Unit]) -> list[int]:
    children: dict[int | None, list[int]] = {}
    for u in units:
        if u.id is not None:
            children.setdefault(u.parent_id, []).append(u.id)
    out, stack = [], [unit_id]
    while stack:
        current = stack.pop()
        if current in out:
            continue
        out.append(current)
        stack.extend(children.get(current, []))
    return out


async def export_items(
    db: Database, unit_name: str, include_children: bool, fmt: Format
) -> str | None:
    """The export text, or None if no unit has that name."""
    async with db.session() as session:
        units = await list_units(session)
        matched = match_name(unit_name, [u.name for u in units])
        unit = next((u for u in units if u.name == matched), None)
        if unit is None or unit.id is None:
            return None
        ids = descendants(unit.id, units) if include_children else [unit.id]
        rows = await items_repo.items_for_export(session, ids)
        trails = await items_repo.trails(session, [i.id for i in rows if i.id is not None])
        all_units = await items_repo.units_by_id(
            session,
            {u for i in rows for u in (i.origin_unit_id, i.current_unit_id, *i.path)}
            | {e.unit_id for evs in trails.values() for e in evs},
        )
    names = {uid: u.name for uid, u in all_units.items()}
    entries = [ExportItem(i, trails.get(i.id or 0, [])) for i in rows]
    if fmt is Format.csv:
        return render_csv(entries, names)
    return render_md(entries, names, unit.name)


@export_app.command("items")
def export_items_command(
    unit: str = typer.Option(..., "--unit", help="The unit's name (as in the org file)."),
    include_children: bool = typer.Option(
        False, "--include-children", help="Also items of every unit below it."
    ),
    fmt: Format = typer.Option(Format.csv, "--format", help="csv or md."),
    output: Path | None = typer.Option(None, "--output", "-o", help="Write to a file."),
) -> None:
    """Export items with their whole trail (every level, who, when, what was said)."""

    async def run(db: Database, _settings: Settings) -> str | None:
        return await export_items(db, unit, include_children, fmt)

    text = run_with_db(run)
    if text is None:
        typer.echo(f"No unit called {unit!r}. `samverkan org show` lists the units.", err=True)
        raise typer.Exit(1)
    if output is not None:
        output.write_text(text, encoding="utf-8")
        typer.echo(f"Wrote {output}")
    else:
        typer.echo(text, nl=False)
