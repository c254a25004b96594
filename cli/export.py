"""`samverkan export items|minutes`: the exports of services/export.py, to stdout or a file.

    samverkan export items --unit NAME [--include-children] [--format csv|md]
    samverkan export minutes --unit NAME --from DATE --to DATE [--format md|csv]

Items come with their whole trail (CSV: one row per trail event; Markdown: one section
per item). Minutes: decisions, action items, what was lifted to another level, how each
agenda item ended. Dates as people write them (`2026-12-03`, `3/12`, `3 dec`); `--to` is
inclusive.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from zoneinfo import ZoneInfo

import typer

from cli.common import run_with_db
from core.dates import parse_date
from infra.settings import Settings
from services.export import Format, export_items, export_minutes
from storage.db import Database
from storage.types import utcnow

export_app = typer.Typer(help="Export data for follow-up.", no_args_is_help=True)


def _emit(text: str | None, unit: str, output: Path | None) -> None:
    if text is None:
        typer.echo(f"No unit called {unit!r}. `samverkan org show` lists the units.", err=True)
        raise typer.Exit(1)
    if output is not None:
        output.write_text(text, encoding="utf-8")
        typer.echo(f"Wrote {output}")
    else:
        typer.echo(text, nl=False)


@export_app.command("items")
def export_items_command(
    unit: str = typer.Option(..., "--unit", help="The unit's name (as in the org file)."),
    include_children: bool = typer.Option(
        False, "--include-children", help="Also items of every unit below it."
    ),
    form: Format = typer.Option(Format.csv, "--format", help="csv or md."),
    output: Path | None = typer.Option(None, "--output", "-o", help="Write to a file."),
) -> None:
    """Export items with their whole trail (every level, who, when, what was said)."""

    async def run(db: Database, _settings: Settings) -> str | None:
        return await export_items(db, unit, include_children, form)

    _emit(run_with_db(run), unit, output)


def _date(value: str, today: date, option: str) -> date:
    found = parse_date(value, today)
    if found is None:
        typer.echo(f"{option}: not a date: {value!r} (e.g. 2026-12-03, 3/12, 3 dec).", err=True)
        raise typer.Exit(2)
    return found


@export_app.command("minutes")
def export_minutes_command(
    unit: str = typer.Option(..., "--unit", help="The unit's name (as in the org file)."),
    start: str = typer.Option(..., "--from", help="First day (2026-01-01, 3/12, 3 dec …)."),
    end: str = typer.Option(..., "--to", help="Last day, inclusive."),
    form: Format = typer.Option(Format.md, "--format", help="md or csv."),
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
        return await export_minutes(db, unit, first, last, form, settings.language, zone)

    _emit(run_with_db(run), unit, output)
