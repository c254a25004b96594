"""`samverkan outbox`: what is queued, sent and dead; `outbox retry` sends dead rows again."""

from __future__ import annotations

import typer
from sqlalchemy.ext.asyncio import AsyncSession

from cli.common import run_with_db
from i18n import format as fmt
from infra.settings import Settings
from storage import outbox_repo
from storage.db import Database

outbox_app = typer.Typer(help="The delivery outbox: counts, dead rows, retry.")

ORDER = ("pending", "sending", "retrying", "sent", "dead")


@outbox_app.callback()
def show(
    ctx: typer.Context,
    limit: int = typer.Option(50, "--limit", help="How many dead rows to list."),
) -> None:
    """Show pending, sending, retrying, sent and dead counts, and the dead rows with errors."""
    if ctx.invoked_subcommand is not None:
        return

    async def run(db: Database, settings: Settings) -> None:
        async with db.session() as s:
            counts = await outbox_repo.counts(s)
            dead = await outbox_repo.dead_rows(s, limit)
            names = await _conversation_names(s, {r.conversation_pk for r in dead})
        typer.echo("  ".join(f"{status}: {counts.get(status, 0)}" for status in ORDER))
        if not dead:
            return
        typer.echo(f"\nDead rows ({len(dead)} of {counts.get('dead', 0)}):")
        for row in dead:
            when = fmt.iso_minute(row.dead_at, settings.timezone) if row.dead_at else "?"
            where = names.get(row.conversation_pk) or f"conversation {row.conversation_pk}"
            typer.echo(
                f"  #{row.id}  {when}  {row.operation} {row.idempotency_key}  -> {where}\n"
                f"      {row.last_error or 'no error recorded'} (attempts: {row.attempts})"
            )
        typer.echo("\nSend again: samverkan outbox retry ID ... | --all-dead")

    run_with_db(run)


@outbox_app.command("retry")
def retry(
    ids: list[int] = typer.Argument(None, help="Dead row ids to send again."),
    all_dead: bool = typer.Option(False, "--all-dead", help="Send every dead row again."),
) -> None:
    """Re-queue dead rows (they go out at the dispatcher's next look)."""
    if bool(ids) == all_dead:
        typer.echo("Give row ids or --all-dead (not both).", err=True)
        raise typer.Exit(2)

    async def run(db: Database, _settings: Settings) -> int:
        async with db.session() as s:
            return await outbox_repo.requeue_dead(s, None if all_dead else ids)

    count = run_with_db(run)
    typer.echo(f"Re-queued {count} row{'s' if count != 1 else ''}.")
    if ids and count < len(ids):
        typer.echo("Some ids were not dead rows and were left alone.", err=True)
        raise typer.Exit(1)


async def _conversation_names(s: AsyncSession, pks: set[int]) -> dict[int, str]:
    names: dict[int, str] = {}
    for pk in pks:
        conv = await outbox_repo.get_conversation(s, pk)
        if conv is not None:
            names[pk] = conv.name or conv.conversation_id
    return names
