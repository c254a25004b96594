"""Pulse cadence and delivery: open, remind, close — as outbox rows in the caller's transaction.

Everything that posts returns `Outgoing` operations. `deliver` writes them to the
outbox (idempotent by key) when the delivery module is there; the bot's command
handlers can instead send what was not queued directly (see bot/handlers/pulse.py).

Jobs (listed in scheduler/kinds.py): `pulse_open` (one schedule per unit, cadence from
the org file) and `pulse_close` (one sweep every 10 minutes: closes due pulses, sends due
reminders). The server secret, zone and language come in the job's JobContext.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from cards.base import CARD_CONTENT_TYPE, Card
from cards.pulse import closed_card, pulse_card, results_card
from core.pulse import Results, Template, summarize
from i18n import format as fmt
from i18n.texts import t
from services.context import JobContext
from storage import channels_repo, pulse_repo, schedules_repo
from storage.models import OutboxMessage, Schedule, Unit
from storage.pulse_models import Pulse
from storage.types import utcnow
from storage.upsert import insert_missing

log = logging.getLogger(__name__)

SWEEP_KEY = "pulse_close:sweep"
SWEEP_TRIGGER = {"minute": "*/10"}
CADENCE_TRIGGERS: dict[str, dict[str, Any]] = {
    # The first Monday of the month (or quarter) at 09:00 local time.
    "monthly": {"day_of_week": "mon", "day": "1-7", "hour": 9, "minute": 0},
    "quarterly": {"month": "1,4,7,10", "day_of_week": "mon", "day": "1-7", "hour": 9, "minute": 0},
}


@dataclass(frozen=True)
class Outgoing:
    key: str
    conversation_pk: int
    activity: dict[str, Any]
    operation: str = "send"  # send | update
    updates_key: str | None = None
    pulse_id: int | None = None  # set on the post whose activity id the pulse keeps


def activity(card: Card, summary: str) -> dict[str, Any]:
    return {
        "type": "message",
        "summary": summary,
        "attachments": [{"contentType": CARD_CONTENT_TYPE, "content": card}],
    }


def name_of(template: Template, lang: str) -> str:
    return template.name.get(lang) or template.name["sv"]


# -- building the operations ------------------------------------------------------------


def card_post(pulse: Pulse, zone: ZoneInfo, lang: str) -> Outgoing:
    template = pulse_repo.pulse_template(pulse)
    card = pulse_card(
        lang,
        pulse.ref,
        template,
        closes=fmt.when(lang, pulse.closes_at, zone),
        threshold=pulse.threshold,
    )
    assert pulse.card_key is not None
    return Outgoing(
        key=pulse.card_key,
        conversation_pk=pulse.conversation_pk,
        activity=activity(card, name_of(template, lang)),
        pulse_id=pulse.id,
    )


async def results_of(session: AsyncSession, pulse: Pulse) -> tuple[Template, Results]:
    assert pulse.id is not None
    template = pulse_repo.pulse_template(pulse)
    rows = await pulse_repo.answers(session, pulse.id)
    return template, summarize(template, rows, pulse.threshold, members=pulse.member_count)


async def close_ops(
    session: AsyncSession, pulse: Pulse, zone: ZoneInfo, lang: str
) -> list[Outgoing]:
    """After `pulse_repo.close_pulse`: replace the card, and post the results if shown."""
    assert pulse.closed_at is not None and pulse.card_key is not None
    template, results = await results_of(session, pulse)
    closed = closed_card(
        lang,
        template,
        when=fmt.when(lang, pulse.closed_at, zone),
        answers=results.answers,
        shown=results.shown,
        threshold=pulse.threshold,
    )
    update = activity(closed, t(lang, "pulse.closed_title", name=name_of(template, lang)))
    if pulse.activity_id:
        update["id"] = pulse.activity_id
    ops = [
        Outgoing(
            key=f"pulse:{pulse.ref}:closed",
            conversation_pk=pulse.conversation_pk,
            activity=update,
            operation="update",
            updates_key=pulse.card_key,
        )
    ]
    if results.shown:
        unit = await session.get(Unit, pulse.unit_id)
        card = results_card(
            lang, template, results, unit=unit.name if unit else "?", period=pulse.period
        )
        ops.append(
            Outgoing(
                key=f"pulse:{pulse.ref}:results",
                conversation_pk=pulse.conversation_pk,
                activity=activity(card, t(lang, "pulse.results_answers")),
            )
        )
    return ops


def reminder_op(pulse: Pulse, zone: ZoneInfo, lang: str) -> Outgoing:
    template = pulse_repo.pulse_template(pulse)
    text = t(
        lang,
        "pulse.reminder",
        name=name_of(template, lang),
        when=fmt.when(lang, pulse.closes_at, zone),
    )
    return Outgoing(
        key=f"pulse:{pulse.ref}:reminder",
        conversation_pk=pulse.conversation_pk,
        activity={"type": "message", "text": text, "textFormat": "markdown"},
    )


# -- the outbox seam ---------------------------------------------------------------------


def outbox_available() -> bool:
    try:
        from storage import outbox_repo  # type: ignore[attr-defined]
    except ImportError:
        return False
    return hasattr(outbox_repo, "enqueue")


async def deliver(session: AsyncSession, ops: list[Outgoing], *, direct_ok: bool) -> list[Outgoing]:
    """Queue `ops` in the outbox, in the caller's transaction; or hand them back.

    `direct_ok`: the caller is a command handler in a process with no delivery
    dispatcher running, so it sends the returned ops itself (and records them as
    sent with `record_sent`, so later updates find the card). Otherwise every op
    is an outbox row (through storage.outbox_repo when present, else the row
    itself, the shared table contract) and the dispatcher sends it.
    """
    if direct_ok:
        return ops
    if outbox_available():
        from storage import outbox_repo  # type: ignore[attr-defined,unused-ignore]

        for op in ops:
            await outbox_repo.enqueue(
                session,
                op.key,
                op.conversation_pk,
                op.activity,
                operation=op.operation,
                updates_key=op.updates_key,
            )
        return []
    for op in ops:
        await _insert_row(session, op)
    return []


async def _insert_row(session: AsyncSession, op: Outgoing, **values: Any) -> None:
    """The op's outbox row unless one with its key exists (insert first: no race)."""
    now = utcnow()
    row = {
        "idempotency_key": op.key,
        "operation": op.operation,
        "conversation_pk": op.conversation_pk,
        "updates_key": op.updates_key,
        "payload": op.activity,
        "status": "pending",
        "attempts": 0,
        "next_attempt_at": now,
        "created_at": now,
    }
    await insert_missing(session, OutboxMessage, row | values, ["idempotency_key"])


async def record_sent(session: AsyncSession, op: Outgoing, activity_id: str | None) -> None:
    """An op sent directly: keep it in the outbox as `sent`, with the activity id, so a
    later update (e.g. the scheduled close) can find the card by its key."""
    await _insert_row(
        session, op, status="sent", attempts=1, activity_id=activity_id, sent_at=utcnow()
    )


# -- cadence -----------------------------------------------------------------------------


async def ensure_schedules(session: AsyncSession, unit: Unit) -> None:
    """The unit's `pulse_open` schedule (per its cadence) and the shared close sweep."""
    assert unit.id is not None
    conf = pulse_repo.UnitPulseSettings.of(unit)
    trigger = CADENCE_TRIGGERS.get(conf.cadence)
    key = f"pulse_open:unit:{unit.id}"
    if trigger is None:
        await schedules_repo.deactivate_schedule(session, key)
    else:
        await schedules_repo.upsert_schedule(session, key, "pulse_open", unit.id, trigger)
    await schedules_repo.upsert_schedule(
        session, SWEEP_KEY, "pulse_close", None, SWEEP_TRIGGER, grace_seconds=86400
    )


async def open_scheduled(
    session: AsyncSession, unit_id: int, now: datetime, context: JobContext
) -> Pulse | None:
    """Open the unit's pulse for this occurrence, unless one is open or it has no channel."""
    unit = await session.get(Unit, unit_id)
    if unit is None or unit.archived_at is not None:
        return None
    if await pulse_repo.open_pulse_for_unit(session, unit_id) is not None:
        return None
    binding = await channels_repo.active_binding_for_unit(session, unit_id)
    if binding is None:
        return None
    conf = pulse_repo.UnitPulseSettings.of(unit)
    template = await pulse_repo.find_template(session, conf.template, unit_id)
    if template is None:
        log.warning("unit %s: unknown pulse template %r", unit_id, conf.template)
        return None
    pulse = await pulse_repo.open_pulse(
        session,
        unit,
        binding.conversation_pk,
        template,
        secret=context.secret,
        zone=context.zone,
        now=now,
        opened_by="schedule",
    )
    await deliver(session, [card_post(pulse, context.zone, context.language)], direct_ok=False)
    return pulse


async def sweep(session: AsyncSession, now: datetime, context: JobContext) -> int:
    """Close every due pulse (erasing its key) and send due reminders. Returns closures."""
    closed = 0
    for pulse in await pulse_repo.due_reminders(session, now):
        assert pulse.id is not None
        if await pulse_repo.mark_reminded(session, pulse.id, now):
            reminder = reminder_op(pulse, context.zone, context.language)
            await deliver(session, [reminder], direct_ok=False)
    for due in await pulse_repo.due_to_close(session, now):
        assert due.id is not None
        done = await pulse_repo.close_pulse(session, due.id, now)
        if done is not None:
            closed += 1
            ops = await close_ops(session, done, context.zone, context.language)
            await deliver(session, ops, direct_ok=False)
    return closed


async def pulse_open_job(
    session: AsyncSession, schedule: Schedule, occurrence_at: datetime, context: JobContext
) -> None:
    if schedule.unit_id is not None:
        await open_scheduled(session, schedule.unit_id, occurrence_at, context)


async def pulse_close_job(
    session: AsyncSession, schedule: Schedule, occurrence_at: datetime, context: JobContext
) -> None:
    await sweep(session, max(occurrence_at, utcnow()), context)
