"""`samverkan export minutes --unit NAME --from DATE --to DATE --format md|csv`.

The minutes of a unit's meetings in a period (decisions, action items, what was
lifted to another level, how each agenda item ended), for the forum's follow-up.
Dates as people write them (`2026-12-03`, `3/12`, `3 dec`); `--to` is inclusive.
Registers on the `export` group made by cli/items.py.
"""

from __future__ import annotations

import csv
import io
from datetime import date, datetime, time, timedelta
from enum import StrEnum
from pathlib import Path
from zoneinfo import ZoneInfo

import typer

from cli.common import run_with_db
from core.dates import parse_date
from core.names import match_name
from i18n import format as fmt
from i18n.texts import t
from infra.settings import Settings
from storage import meetings_repo
from storage.db import Database
from storage.org_repo import list_units
from storage.types import utcnow

CSV_COLUMNS = (
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


class Format(StrEnum):
    csv = "csv"
    md = "md"


def render_md(unit: str, minutes: list[meetings_repo.Minutes], lang: str) -> str:
    out = [f"# {t(lang, 'mtg.minutes_title', name=unit)}", ""]
    if not minutes:
        out.append(t(lang, "mtg.none"))
    for m in minutes:
        zone = m.series.timezone
        out += [
            f"## {m.series.name} – {fmt.when(lang, m.occurrence.starts_at, zone, m.occurrence.ends_at)}",
            "",
        ]
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


def render_csv(minutes: list[meetings_repo.Minutes]) -> str:
    buf = io.StringIO()
    writer = csv.writer(buf)
    writer.writerow(CSV_COLUMNS)
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
    db: Database, unit_name: str, start: date, end: date, fmt: Format, lang: str, zone: str
) -> str | None:
    """The export text, or None if no unit has that name."""
    tz = ZoneInfo(zone)
    async with db.session() as session:
        units = await list_units(session)
        matched = match_name(unit_name, [u.name for u in units])
        unit = next((u for u in units if u.name == matched), None)
        if unit is None or unit.id is None:
            return None
        minutes = await meetings_repo.for_export(
            session,
            unit.id,
            datetime.combine(start, time(0), tz),
            datetime.combine(end + timedelta(days=1), time(0), tz),
        )
    return render_csv(minutes) if fmt is Format.csv else render_md(unit.name, minutes, lang)


def _date(value: str, today: date, option: str) -> date:
    found = parse_date(value, today)
    if found is None:
        typer.echo(f"{option}: not a date: {value!r} (e.g. 2026-12-03, 3/12, 3 dec).", err=True)
        raise typer.Exit(2)
    return found


def export_minutes_command(
    unit: str = typer.Option(..., "--unit", help="The unit's name (as in the org file)."),
    start: str = typer.Option(..., "--from", help="First day (2026-01-01, 3/12, 3 dec …)."),
    end: str = typer.Option(..., "--to", help="Last day, inclusive."),
    fmt: Format = typer.Option(Format.md, "--format", help="md or csv."),
    output: Path | None = typer.Option(None, "--output", "-o", help="Write to a file."),
) -> None:
    """Export the minutes of a unit's meetings: decisions, action items, lifted items."""

    async def run(db: Database, settings: Settings) -> str | None:
        zone = settings.timezone
        today = utcnow().astimezone(ZoneInfo(zone)).date()
        first, last = _date(start, today, "--from"), _date(end, today, "--to")
        if last < first:
            typer.echo("--to is before --from.", err=True)
            raise typer.Exit(2)
        return await export_minutes(db, unit, first, last, fmt, settings.language, zone)

    text = run_with_db(run)
    if text is None:
        typer.echo(f"No unit called {unit!r}. `samverkan org show` lists the units.", err=True)
        raise typer.Exit(1)
    if output is not None:
        output.write_text(text, encoding="utf-8")
        typer.echo(f"Wrote {output}")
    else:
        typer.echo(text, nl=False)
