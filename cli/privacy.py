"""`samverkan privacy export|erase|purge`: a person's data, pseudonymising it, retention."""

from __future__ import annotations

import json

import typer

from cli.common import run_with_db
from infra.settings import Settings
from storage import privacy_repo, retention_repo, schedules_repo
from storage.db import Database
from storage.types import utcnow

privacy_app = typer.Typer(help="Personal data: export, erase (pseudonymise), retention purge.")

USER = typer.Option(..., "--user", help="Entra object id or UPN.")


@privacy_app.command("export")
def export(user: str = USER) -> None:
    """Print, as JSON, everything stored about a person."""

    async def run(db: Database, _settings: Settings) -> dict[str, object]:
        async with db.session() as s:
            return await privacy_repo.export_person(s, user)

    typer.echo(json.dumps(run_with_db(run), ensure_ascii=False, indent=2, default=str))


@privacy_app.command("erase")
def erase(
    user: str = USER,
    yes: bool = typer.Option(False, "--yes", help="Do not ask for confirmation."),
) -> None:
    """Replace the person's id/UPN with a stable pseudonym in authored rows; delete their
    person row, roles and digest choices. Decisions, actions and items stay."""
    if not yes:
        typer.confirm(f"Pseudonymise everything stored about {user}?", abort=True)

    async def run(db: Database, settings: Settings) -> dict[str, int]:
        async with db.session() as s:
            return await privacy_repo.erase_person(s, user, settings.server_secret())

    counts = run_with_db(run)
    for name, count in counts.items():
        if count:
            typer.echo(f"{name}: {count}")
    typer.echo(f"erased ({sum(counts.values())} rows changed or deleted)")
    typer.echo(privacy_repo.PULSE_NOTE)


RETENTION_KEY = "retention:purge"


@privacy_app.command("purge")
def purge(
    dry_run: bool = typer.Option(False, "--dry-run", help="Only list what would be blanked."),
    months: int | None = typer.Option(
        None, "--months", min=1, help="Keep this many months (default SAMVERKAN_RETENTION_MONTHS)."
    ),
    schedule: bool = typer.Option(
        False, "--schedule", help="Also (re)create the nightly retention_purge schedule."
    ),
) -> None:
    """Blank free text and audit details older than the retention period."""

    async def run(db: Database, settings: Settings) -> tuple[str, dict[str, int]]:
        keep = months or settings.retention_months
        cutoff = retention_repo.months_before(utcnow(), keep)
        async with db.session() as s:
            if schedule:
                await schedules_repo.upsert_schedule(
                    s,
                    RETENTION_KEY,
                    "retention_purge",
                    None,
                    {"hour": "3", "minute": "30"},
                    {"months": keep},
                    timezone=settings.timezone,
                )
            counts = await (retention_repo.plan if dry_run else retention_repo.purge)(s, cutoff)
        return cutoff.date().isoformat(), counts

    cutoff, counts = run_with_db(run)
    verb = "would blank" if dry_run else "blanked"
    typer.echo(f"Free text older than {cutoff}:")
    for name, count in counts.items():
        typer.echo(f"  {name}: {verb} {count}")
    if schedule:
        typer.echo(f"schedule {RETENTION_KEY}: nightly at 03:30")
