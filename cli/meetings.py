"""`samverkan meetings ics`: a unit's meeting series, or one meeting, as an .ics file.

    samverkan meetings ics --unit NAME [--series N] [--date DATE | --next] [-o FILE|DIR]

Without --date/--next: the whole series (one recurring event with its skipped and moved
meetings); with them, that one meeting. `--series N` picks the series by its number in
`möte` (needed when the unit has several). Written to FILE, into DIR under its own name,
or to stdout.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import typer

from cli.common import run_with_db
from core.refusal import Refused
from i18n.texts import t
from infra.settings import Settings
from services import meeting_calendar
from storage import org_repo
from storage.db import Database
from storage.types import utcnow

meetings_app = typer.Typer(help="Meetings: calendar files.", no_args_is_help=True)


async def _pick(
    db: Database, settings: Settings, unit_name: str, number: int | None, day: str | None,
    upcoming: bool, now: datetime,
) -> tuple[str, bytes] | str:  # fmt: skip
    """The file, or what to say instead (in English, like the rest of the CLI)."""
    async with db.read() as s:
        unit = await org_repo.find_unit_by_name(s, unit_name)
    if unit is None or unit.id is None:
        return f"No unit called {unit_name!r}. `samverkan org show` lists the units."
    try:
        return await meeting_calendar.calendar_file(
            db,
            unit,
            now,
            number=number,
            day=day,
            upcoming=upcoming,
            lang="en",
            deployment=settings.client_id or "local",
        )
    except Refused as refused:
        return t("en", refused.key, **refused.values)


@meetings_app.command("ics")
def ics_command(
    unit: str = typer.Option(..., "--unit", help="The unit's name (as in the org file)."),
    series: int | None = typer.Option(None, "--series", help="The series' number in `möte`."),
    day: str | None = typer.Option(None, "--date", help="One meeting: its date."),
    upcoming: bool = typer.Option(False, "--next", help="One meeting: the next one."),
    output: Path | None = typer.Option(None, "--output", "-o", help="A file or a folder."),
) -> None:
    """A series or one meeting as an iCalendar (.ics) file to import into a calendar."""

    async def run(db: Database, settings: Settings) -> tuple[str, bytes] | str:
        return await _pick(db, settings, unit, series, day, upcoming, utcnow())

    result = run_with_db(run)
    if isinstance(result, str):
        typer.echo(result, err=True)
        raise typer.Exit(1)
    name, data = result
    if output is None:
        typer.echo(data.decode("utf-8"), nl=False)
        return
    target = output / name if output.is_dir() else output
    target.write_bytes(data)
    typer.echo(f"Wrote {target}")
