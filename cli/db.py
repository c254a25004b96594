"""`samverkan db ...`: schema migrations."""

from __future__ import annotations

import typer

from cli.common import settings_or_exit
from storage import migrate

db_app = typer.Typer(help="Database schema (Alembic migrations).", no_args_is_help=True)


@db_app.command("upgrade")
def upgrade(revision: str = typer.Argument("head")) -> None:
    """Migrate the database to the newest schema (or REVISION)."""
    settings = settings_or_exit()
    migrate.upgrade(settings.database_url, revision)
    typer.echo("Database is up to date.")


@db_app.command("downgrade")
def downgrade(revision: str) -> None:
    """Migrate the database down to REVISION."""
    settings = settings_or_exit()
    migrate.downgrade(settings.database_url, revision)
