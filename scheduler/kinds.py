"""What a schedule does when it fires, by `kind`: the one table of job kinds.

A job is a plain function in services/, `(session, schedule, occurrence_at, context)`:
it runs inside the firing transaction and only writes rows (outbox messages, state
changes); it never calls Teams. `context` is the JobContext the firing process built
(services/context.py). To add a kind, write the function and list it here.

A job that must ask the outside world first (Kolada, the Teams roster, the Graph group
calendar) would hold the firing transaction open while it waits. That part is in
`AFTER_COMMIT`: `(db, schedule, occurrence_at, context)`, run by whoever fired it once
that transaction has committed (scheduler/firing.py `run_after_commit`), opening its own
short transactions: read, call outside with none open, then write. A kind whose whole
job is outside fires `housekeeping.noop` (the run row alone, exactly once); a kind may
also have both (`pulse_open`: the pulse opens in the firing transaction, its channel's
roster is read after; `meeting_sync`: the meetings are planned and the holiday questions
queued in it, the group calendar is synced after).

Still inside the firing transaction (left): the digest's Entra group membership and
installation (services/digest.py); the digest's recipients depend on them, so moving
them means moving the whole job after the commit. The app installation for a personal
message (nudges, the holiday questions) is not the job's: the dispatcher installs right
before it opens the person's chat (delivery/dispatcher.py `AdapterSender`).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from datetime import datetime
from types import MappingProxyType

from sqlalchemy.ext.asyncio import AsyncSession

from services import (
    alerts,
    digest,
    escalation,
    housekeeping,
    kolada,
    meetings,
    nudges,
    pulse,
    pulse_roster,
)
from services.context import JobContext
from storage import meeting_occurrences_repo, meeting_series_repo
from storage.db import Database
from storage.models import Schedule

JobHandler = Callable[[AsyncSession, Schedule, datetime, JobContext], Awaitable[None]]

JOB_KINDS: Mapping[str, JobHandler] = MappingProxyType(
    {
        "noop": housekeeping.noop,
        "ping": housekeeping.ping,
        "retention_purge": housekeeping.retention_purge,
        digest.KIND: digest.digest_job,
        escalation.SWEEP_KIND: escalation.sweep_job,
        "pulse_open": pulse.pulse_open_job,
        "pulse_close": pulse.pulse_close_job,
        meeting_occurrences_repo.REMINDER_KIND: meetings.meeting_reminder,
        meeting_occurrences_repo.MINUTES_KIND: meetings.meeting_minutes,
        meeting_series_repo.SYNC_KIND: meetings.meeting_sync,
        kolada.KIND: housekeeping.noop,  # the refresh itself: AFTER_COMMIT
        alerts.KIND: alerts.alerts_job,
        nudges.KIND: nudges.nudge_job,
    }
)


AfterCommitJob = Callable[[Database, Schedule, datetime, JobContext], Awaitable[None]]

AFTER_COMMIT: Mapping[str, AfterCommitJob] = MappingProxyType(
    {
        kolada.KIND: kolada.refresh_job,
        "pulse_open": pulse_roster.after_open,  # the roster from Teams, once the pulse is open
        # the team's group calendar (Graph), once the day's meetings are planned
        meeting_series_repo.SYNC_KIND: meetings.calendar_sync,
    }
)


class UnknownJobKind(LookupError):
    def __init__(self, kind: str) -> None:
        super().__init__(f"no job handler for kind {kind!r} (known: {', '.join(kinds())})")
        self.kind = kind


def handler_for(kind: str) -> JobHandler:
    try:
        return JOB_KINDS[kind]
    except KeyError:
        raise UnknownJobKind(kind) from None


def kinds() -> list[str]:
    return sorted(JOB_KINDS)
