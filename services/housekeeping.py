"""The small built-in jobs: `noop` and `ping` (tests, benchmarks, smoke tests) and
`retention_purge` (blank old free text, see SECURITY.md)."""

from __future__ import annotations

import logging
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from services.context import JobContext
from storage import files_repo, outbox_repo, retention_repo
from storage.models import Schedule

log = logging.getLogger(__name__)


async def noop(
    session: AsyncSession, schedule: Schedule, occurrence_at: datetime, context: JobContext
) -> None:
    """Does nothing: the ScheduleRun row is the whole effect (benchmarks, tests)."""


async def ping(
    session: AsyncSession, schedule: Schedule, occurrence_at: datetime, context: JobContext
) -> None:
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


async def retention_purge(
    session: AsyncSession, schedule: Schedule, occurrence_at: datetime, context: JobContext
) -> None:
    """Blank free text and audit details older than `payload.months` (default 24), and
    drop held files past their day."""
    months = int(schedule.payload.get("months") or retention_repo.DEFAULT_MONTHS)
    counts = await retention_repo.purge(
        session, retention_repo.months_before(occurrence_at, months)
    )
    log.info("retention purge: %d values blanked", sum(counts.values()))
    # Files held for a person (offered exports, uploads awaiting confirm) live a day.
    dropped = await files_repo.purge_expired(session, occurrence_at)
    if dropped:
        log.info("retention purge: %d held files dropped", dropped)
