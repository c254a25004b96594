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
from zoneinfo import ZoneInfo

import typer

from cli.common import run_with_db
from core.dates import parse_date
from infra.settings import Settings
from services import meeting_calendar
from storage import meetings_repo, org_repo
from storage.db import Database
from storage.types import utcnow

meetings_app = typer.Typer(help="Meetings: calendar files.", no_args_is_help=True)


class Problem(Exception):
    pass


async def _pick(
    db: Database, settings: Settings, unit_name: str, number: int | None, day: str | None,
    upcoming: bool, now: datetime,
) -> tuple[str, bytes]:  # fmt: skip
    deployment = settings.client_id or "local"
    async with db.session() as s:
        unit = await org_repo.find_unit_by_name(s, unit_name)
        if unit is None or unit.id is None:
            raise Problem(f"No unit called {unit_name!r}. `samverkan org show` lists the units.")
        series = await meetings_repo.series_of(s, unit.id)
        if not series:
            raise Problem(f"{unit.name} has no meeting series.")
        if number is None and len(series) > 1:
            raise Problem(f"{unit.name} has {len(series)} series: pick one with --series N.")
        if number is not None and not 1 <= number <= len(series):
            raise Problem(f"No series {number}: {unit.name} has {len(series)}.")
        chosen = series[(number or 1) - 1]
        assert chosen.id is not None
        occurrence_id = None
        if upcoming:
            occ = next(iter(await meetings_repo.upcoming(s, chosen, now)), None)
            if occ is None:
                raise Problem(f"{chosen.name} has no meeting ahead.")
            occurrence_id = occ.id
        elif day is not None:
            today = now.astimezone(ZoneInfo(chosen.timezone)).date()
            wanted = parse_date(day, today)
            if wanted is None:
                raise Problem(f"Not a date: {day!r} (try 2026-12-03).")
            occ = await meetings_repo.occurrence_for_day(s, unit.id, wanted, now)
            if occ is None or occ.series_id != chosen.id:
                raise Problem(f"{chosen.name} has no meeting on {wanted.isoformat()}.")
            occurrence_id = occ.id
    if occurrence_id is not None:
        found = await meeting_calendar.occurrence_ics(
            db, occurrence_id, now, settings.language, deployment
        )
    else:
        found = await meeting_calendar.series_ics(db, chosen.id, now, settings.language, deployment)
    assert found is not None
    return found


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
        try:
            return await _pick(db, settings, unit, series, day, upcoming, utcnow())
        except Problem as exc:
            return str(exc)

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
