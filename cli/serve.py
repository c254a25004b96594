"""`samverkan serve`: run the bot."""

from __future__ import annotations

import asyncio
import logging

import typer

from cli.common import settings_or_exit
from infra.logs import configure as configure_logs
from infra.settings import ConfigError
from storage.db import Database

PLAYGROUND_HINT = """\
Samverkan is running in anonymous local mode on http://{host}:{port}/api/messages
Chat with it through Microsoft 365 Agents Playground (a local Teams client):
    npm ci --prefix tests/e2e    # once
    npx --prefix tests/e2e agentsplayground -e http://{host}:{port}/api/messages -c msteams
(or `npm install -g @microsoft/m365agentsplayground` and run `agentsplayground`).
"""


async def _check_database(url: str) -> None:
    database = Database(url)
    try:
        await database.check_schema()
    finally:
        await database.dispose()


def serve(
    host: str | None = typer.Option(None, help="Address to listen on (default SAMVERKAN_HOST)."),
    port: int | None = typer.Option(None, help="Port (default SAMVERKAN_PORT)."),
) -> None:
    """Start the bot: /api/messages, /readyz, /livez (/healthz) and /metrics."""
    settings = settings_or_exit()
    if host is not None:
        settings.host = host
    if port is not None:
        settings.port = port
    try:
        settings.check_serving()
    except ConfigError as exc:
        typer.echo(f"Refusing to start: {exc}", err=True)
        raise typer.Exit(2) from None
    # A database that is missing, unmigrated or unreachable stops start-up with one line
    # (cli.common), rather than a server whose every request fails.
    asyncio.run(_check_database(settings.database_url))
    configure_logs(settings.log_format)  # text, or JSON lines with the request id
    # APScheduler logs every job it adds at INFO; our scheduler logs one summary line.
    logging.getLogger("apscheduler").setLevel(logging.WARNING)
    from runtime.process import create_app
    from runtime.serving import serve as run_until_stopped

    if settings.anonymous:
        typer.echo(PLAYGROUND_HINT.format(host=settings.host, port=settings.port))
    # Until SIGTERM/SIGINT, then drain (not ready), stop listening, finish in-flight
    # turns, stop the background parts (runtime/serving.py).
    asyncio.run(
        run_until_stopped(
            create_app(settings),
            settings.host,
            settings.port,
            drain_seconds=settings.drain_seconds,
            shutdown_timeout=settings.shutdown_timeout,
        )
    )
