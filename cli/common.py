"""The Typer app and the helpers every sub-command shares."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import typer
from typer.core import TyperGroup

from infra.settings import ConfigError, Settings, load_settings
from storage.db import Database, DatabaseMissing, database_failure, safe_url, sqlite_path

# What to do, by kind of database failure (storage.db.database_failure); {url} has no
# password. One line each, instead of a few hundred lines of traceback.
DATABASE_ADVICE = {
    "missing": "There is no database at {url}: run `samverkan db upgrade` to create it.",
    "no_schema": "The database at {url} has no schema: run `samverkan db upgrade`.",
    "old_schema": "The database at {url} has an older schema: run `samverkan db upgrade`.",
    "unreachable": "Cannot reach the database at {url}: is the server running?",
    "no_database": "The database at {url} does not exist: create it (e.g. `createdb`), "
    "then run `samverkan db upgrade`.",
    "login": "The database at {url} refused the login: check the user and password in "
    "DATABASE_URL.",
    "cannot_open": "Cannot open the database at {url}: check that the file is a Samverkan "
    "database and its folder exists and is writable.",
    "read_only": "The database at {url} is read-only: check its permissions (or the disk).",
}


def database_advice(exc: BaseException) -> str | None:
    """The one line to print for a database failure, or None if `exc` is not one."""
    kind = database_failure(exc)
    if kind is None:
        return None
    try:
        url = safe_url(load_settings().database_url)
    except Exception:  # the settings worked before the failure; never hide it behind this
        url = "DATABASE_URL"
    return DATABASE_ADVICE[kind].format(url=url)


def if_empty_option(nothing_yet: str) -> Any:
    """`--if-empty` for the seeding steps `make run` repeats on every start: the command
    does nothing once its kind of data is stored (`nothing_yet` says which)."""
    return typer.Option(False, "--if-empty", help=f"Only if {nothing_yet} (for `make run`).")


class _Commands(TyperGroup):
    """Every sub-command runs inside `invoke`: one place turns a database that is
    missing, unmigrated or unreachable into one line and exit status 1."""

    def invoke(self, ctx: Any) -> Any:
        try:
            return super().invoke(ctx)
        except Exception as exc:
            advice = database_advice(exc)
            if advice is None:
                raise
            typer.echo(advice, err=True)
            raise typer.Exit(1) from None


def new_root() -> typer.Typer:
    """The `samverkan` command itself; cli/main.py adds the command groups to it."""
    return typer.Typer(
        name="samverkan",
        help="Samverkan: a Teams bot for local collaboration in Swedish primary care.",
        no_args_is_help=True,
        add_completion=False,
        cls=_Commands,
    )


T = TypeVar("T")


def settings_or_exit() -> Settings:
    try:
        return load_settings()
    except ConfigError as exc:
        typer.echo(f"Configuration error: {exc}", err=True)
        raise typer.Exit(2) from None


def run_with_db(fn: Callable[[Database, Settings], Awaitable[T]]) -> T:
    """Run an async function with a Database built from the settings."""
    settings = settings_or_exit()
    path = sqlite_path(settings.database_url)
    if path is not None and not path.exists():
        # Connecting would create an empty file, and the command would fail on it.
        raise DatabaseMissing(str(path))

    async def runner() -> T:
        database = Database(settings.database_url)
        try:
            return await fn(database, settings)
        finally:
            await database.dispose()

    return asyncio.run(runner())
