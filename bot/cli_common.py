"""The Typer app and the helpers every sub-command shares."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import TypeVar

import typer

from bot.settings import ConfigError, Settings, load_settings
from storage.db import Database

app = typer.Typer(
    name="samverkan",
    help="Samverkan: a Teams bot for local collaboration in Swedish primary care.",
    no_args_is_help=True,
    add_completion=False,
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

    async def runner() -> T:
        database = Database(settings.database_url)
        try:
            return await fn(database, settings)
        finally:
            await database.dispose()

    return asyncio.run(runner())
