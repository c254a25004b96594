"""`samverkan pulse export`: a unit's pulse results, aggregated and thresholded, as CSV
or xlsx (services/pulse_export.py).

    samverkan pulse export --unit NAME [--period YYYY-MM] [--format csv|xlsx] [-o FILE]

Without `-o` the file is written in the current directory under its own name.
"""

from __future__ import annotations

from pathlib import Path

import typer

from cli.common import run_with_db
from infra.settings import Settings
from services.pulse_export import PulseFormat, export_pulse_results
from storage.db import Database

pulse_app = typer.Typer(help="Pulse surveys.", no_args_is_help=True)


@pulse_app.command("export")
def export_command(
    unit: str = typer.Option(..., "--unit", help="The unit's name (as in the org file)."),
    period: str | None = typer.Option(None, "--period", help="Only this month (YYYY-MM)."),
    form: PulseFormat = typer.Option(PulseFormat.csv, "--format", help="csv or xlsx."),
    output: Path | None = typer.Option(None, "--output", "-o", help="The file to write."),
) -> None:
    """Export the unit's pulse results: per question the count of each answer, its share,
    and the mean; pulses with too few answers only as their number. No free text."""

    async def run(db: Database, settings: Settings) -> tuple[str, bytes] | None:
        return await export_pulse_results(
            db, unit, period=period, form=form, zone=settings.zone, lang=settings.language
        )

    found = run_with_db(run)
    if found is None:
        typer.echo(f"No unit called {unit!r}. `samverkan org show` lists the units.", err=True)
        raise typer.Exit(1)
    filename, data = found
    target = output or Path(filename)
    target.write_bytes(data)
    typer.echo(f"Wrote {target}")
