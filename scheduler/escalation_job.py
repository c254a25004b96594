"""The `escalation_sweep` job: reminders and automatic escalation, per the policies.

Imported by bot.handlers.items (so the web process registers it); the scheduler's
runner should import it too (see scheduler/jobs.py).
"""

from __future__ import annotations

import logging
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from scheduler.jobs import job
from services.escalation import SWEEP_KIND, sweep
from storage.models import Schedule

log = logging.getLogger(__name__)


@job(SWEEP_KIND)
async def escalation_sweep(
    session: AsyncSession, schedule: Schedule, occurrence_at: datetime
) -> None:
    """The occurrence is the clock: a sweep fired for 08:07 decides as of 08:07."""
    lang = str(schedule.payload.get("lang") or "sv")
    report = await sweep(session, occurrence_at, lang)
    log.info(
        "escalation sweep: %d reminded, %d escalated, %d flagged, %d delivered, %d stale",
        len(report.reminded),
        len(report.escalated),
        len(report.flagged),
        len(report.delivered),
        len(report.stale),
    )
