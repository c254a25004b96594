"""What a schedule does when it fires, by `kind`.

A handler runs inside the firing transaction and only writes rows (outbox
messages, state changes); it never calls Teams. Register one with

    @job("digest")
    async def digest(session: AsyncSession, schedule: Schedule, occurrence_at: datetime) -> None:
        ...

and make sure its module is imported by whoever runs the scheduler (the CLI and
runtime.process import `scheduler.jobs`, which holds the built-in kinds).
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from storage import outbox_repo, retention_repo
from storage.models import Schedule

JobHandler = Callable[[AsyncSession, Schedule, datetime], Awaitable[None]]

_HANDLERS: dict[str, JobHandler] = {}
log = logging.getLogger(__name__)


class UnknownJobKind(LookupError):
    def __init__(self, kind: str) -> None:
        super().__init__(f"no job handler for kind {kind!r} (known: {', '.join(kinds())})")
        self.kind = kind


def job(kind: str) -> Callable[[JobHandler], JobHandler]:
    """Register the handler for schedules of `kind` (one per kind)."""

    def register(handler: JobHandler) -> JobHandler:
        existing = _HANDLERS.get(kind)
        if existing is not None and existing is not handler:
            raise ValueError(f"job kind {kind!r} is already registered by {existing.__qualname__}")
        _HANDLERS[kind] = handler
        return handler

    return register


def handler_for(kind: str) -> JobHandler:
    try:
        return _HANDLERS[kind]
    except KeyError:
        raise UnknownJobKind(kind) from None


def kinds() -> list[str]:
    return sorted(_HANDLERS)


@job("noop")
async def noop(session: AsyncSession, schedule: Schedule, occurrence_at: datetime) -> None:
    """Does nothing: the ScheduleRun row is the whole effect (benchmarks, tests)."""


@job("ping")
async def ping(session: AsyncSession, schedule: Schedule, occurrence_at: datetime) -> None:
    """A plain text message to the unit's channel (smoke tests, benchmarks)."""
    if schedule.unit_id is None:
        return
    text = str(schedule.payload.get("text") or f"ping {occurrence_at.isoformat()}")
    await outbox_repo.enqueue_to_unit(
        session,
        schedule.unit_id,
        f"ping:{schedule.id}:{occurrence_at.isoformat()}",
        {"type": "message", "text": text},
    )


@job("retention_purge")
async def retention_purge(
    session: AsyncSession, schedule: Schedule, occurrence_at: datetime
) -> None:
    """Blank free text and audit details older than `payload.months` (default 24)."""
    months = int(schedule.payload.get("months") or retention_repo.DEFAULT_MONTHS)
    counts = await retention_repo.purge(
        session, retention_repo.months_before(occurrence_at, months)
    )
    log.info("retention purge: %d values blanked", sum(counts.values()))
