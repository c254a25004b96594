"""Pulse cadence and delivery: open, remind, close — as outbox rows in the caller's transaction.

Everything that posts returns `Outgoing` operations. `deliver` writes them to the
outbox (idempotent by key) when the delivery module is there; the bot's command
handlers can instead send what was not queued directly (see bot/handlers/pulse.py).

Job kinds: `pulse_open` (one schedule per unit, cadence from the org file) and
`pulse_close` (one sweep every 10 minutes: closes due pulses, sends due reminders,
makes results final).

Closing is two steps. `pulse_repo.close_pulse` stops answers at once; the results
follow with `finalize` once every process has written the answers it held
(storage/answer_writer.py): right away when the closer holds them all (one
instance), else when the last holder has written them (its `on_settled`), at the
latest on the sweep after pulse_repo.SETTLE_GRACE.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from cards.base import CARD_CONTENT_TYPE, Card
from cards.pulse import closed_card, pulse_card, results_card
from core.dates import HOME_ZONE
from core.pulse import Results, Template, summarize
from i18n import format as fmt
from i18n.texts import t
from scheduler.jobs import job
from storage import channels_repo, pulse_repo, schedules_repo
from storage.answer_writer import AnswerWriter
from storage.db import Database
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


@dataclass
class PulseConfig:
    secret: str | None = None
    zone: ZoneInfo = field(default_factory=lambda: ZoneInfo(HOME_ZONE))
    lang: str = "sv"


CONFIG = PulseConfig()


def configure(secret: str, zone: ZoneInfo, lang: str = "sv") -> None:
    """Give the scheduled jobs the server secret and locale.

    Called once at start-up by the process that runs the scheduler.
    """
    CONFIG.secret, CONFIG.zone, CONFIG.lang = secret, zone, lang


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
    results = summarize(
        template, rows, pulse.threshold, members=pulse.member_count, answered=pulse.answer_count
    )
    return template, results


async def close_ops(
    session: AsyncSession, pulse: Pulse, zone: ZoneInfo, lang: str
) -> list[Outgoing]:
    """After `pulse_repo.finalize`: replace the card, and post the results if shown."""
    assert pulse.closed_at is not None and pulse.card_key is not None
    template, results = await results_of(session, pulse)
    closed = closed_card(
        lang,
        template,
        when=fmt.when(lang, pulse.closed_at, zone),
        answers=pulse.answer_count or 0,
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
    session: AsyncSession, unit_id: int, now: datetime, config: PulseConfig = CONFIG
) -> Pulse | None:
    """Open the unit's pulse for this occurrence, unless one is open, the unit's last
    pulse closed within its cool-down, or it has no channel."""
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
    try:
        pulse = await pulse_repo.open_pulse(
            session,
            unit,
            binding.conversation_pk,
            template,
            zone=config.zone,
            now=now,
            opened_by="schedule",
        )
    except pulse_repo.PulseCoolingDown:
        log.info("unit %s: pulse not opened, its cool-down has not passed", unit_id)
        return None
    await deliver(session, [card_post(pulse, config.zone, config.lang)], direct_ok=False)
    return pulse


async def sweep(session: AsyncSession, now: datetime, config: PulseConfig = CONFIG) -> int:
    """Close every due pulse, send due reminders, and make final the results of closed
    pulses whose answers are all written (or whose grace has passed). Returns closures."""
    closed = 0
    for pulse in await pulse_repo.due_reminders(session, now):
        assert pulse.id is not None
        if await pulse_repo.mark_reminded(session, pulse.id, now):
            await deliver(session, [reminder_op(pulse, config.zone, config.lang)], direct_ok=False)
    for due in await pulse_repo.due_to_close(session, now):
        assert due.id is not None
        if await pulse_repo.close_pulse(session, due.id, now) is not None:
            closed += 1
    for pulse in await pulse_repo.unsettled(session):
        assert pulse.id is not None
        await finalize(session, pulse.id, config, now=now)
    return closed


async def finalize(
    session: AsyncSession,
    pulse_id: int,
    config: PulseConfig = CONFIG,
    *,
    now: datetime | None = None,
    direct_ok: bool = False,
) -> tuple[Pulse, list[Outgoing]] | None:
    """Make a closed pulse's results final if they can be (pulse_repo.finalize) and post
    them: the card replaced, the results if shown. Returns the pulse and the ops left
    for the caller to send (see `deliver`), or None if not (yet) or already done."""
    done = await pulse_repo.finalize(session, pulse_id, now)
    if done is None:
        return None
    ops = await close_ops(session, done, config.zone, config.lang)
    return done, await deliver(session, ops, direct_ok=direct_ok)


async def close_now(
    db: Database,
    answers: AnswerWriter,
    pulse_id: int,
    config: PulseConfig = CONFIG,
    *,
    direct_ok: bool = False,
) -> tuple[Pulse, list[Outgoing]] | None:
    """Close a pulse at once (a coordinator's `puls stäng`): stop answers, write what
    this process holds, and make the results final if no other process still holds
    answers (otherwise the last of them does, see the module's docstring). None if it
    was closed already. The pulse's `answer_count` is None while its results wait."""
    async with db.session() as s:
        if await pulse_repo.close_pulse(s, pulse_id) is None:
            return None
    await answers.settle(pulse_id)
    async with db.session() as s:
        final = await finalize(s, pulse_id, config, direct_ok=direct_ok)
        if final is not None:
            return final
        pulse = await s.get(Pulse, pulse_id)
        assert pulse is not None
        return pulse, []


async def finalize_settled(db: Database, pulse_id: int, config: PulseConfig = CONFIG) -> bool:
    """An answer writer has written the last held answers of a pulse closed elsewhere:
    make its results final, through the outbox. True if this call did it."""
    async with db.session() as s:
        return await finalize(s, pulse_id, config) is not None


@job("pulse_open")
async def pulse_open_job(
    session: AsyncSession, schedule: Schedule, occurrence_at: datetime
) -> None:
    if schedule.unit_id is not None:
        await open_scheduled(session, schedule.unit_id, occurrence_at)


@job("pulse_close")
async def pulse_close_job(
    session: AsyncSession, schedule: Schedule, occurrence_at: datetime
) -> None:
    await sweep(session, max(occurrence_at, utcnow()))
