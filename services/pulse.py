"""Pulse cadence and delivery: open, remind, close — as outbox rows in the caller's transaction.

Everything that posts returns `Outgoing` operations; `deliver` writes them to the
outbox (idempotent by key) in the caller's transaction, for the `pulse` command and the
jobs alike, and the delivery dispatcher sends them.

Jobs (listed in scheduler/kinds.py): `pulse_open` (one schedule per unit, cadence from
the org file) and `pulse_close` (one sweep every 10 minutes: closes due pulses, sends due
reminders). The server secret, zone and language come in the job's JobContext.

Closing is two steps. `pulse_repo.close_pulse` stops answers at once; the results
follow with `finalize` once every process has written the answers it held
(storage/answer_writer.py): right away when the closer holds them all (one
instance), else when the last holder has written them (its `on_settled`), at the
latest on the sweep after pulse_repo.SETTLE_GRACE.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from cards.base import card_message
from cards.pulse import closed_card, pulse_card, results_card
from cards.pulse_followups import followups
from core.pulse_cadence import TRIGGERS, opens_on
from core.pulse_periods import period_of
from core.pulse_questions import Template
from core.pulse_results import Results, summarize
from core.pulse_templates import available_keys
from core.refusal import Refused
from i18n import format as fmt
from i18n.texts import t
from services import pulse_personal, pulse_results
from services.context import JobContext
from storage import (
    channels_repo,
    org_repo,
    outbox_repo,
    pulse_answers_repo,
    pulse_indicator_repo,
    pulse_repo,
    pulse_settings,
    pulse_templates_repo,
    schedules_repo,
)
from storage.answer_writer import AnswerWriter
from storage.db import Database
from storage.models import Conversation, Schedule, Unit
from storage.pulse_models import Pulse
from storage.types import utcnow

log = logging.getLogger(__name__)

SWEEP_KEY = "pulse_close:sweep"
SWEEP_TRIGGER = {"minute": "*/10"}
# When the unit's `pulse_open` fires; it opens only on the opening day (core/pulse_cadence.py).
CADENCE_TRIGGERS: dict[str, dict[str, Any]] = TRIGGERS


@dataclass(frozen=True)
class Outgoing:
    key: str
    conversation_pk: int
    activity: dict[str, Any]
    operation: str = "send"  # send | update
    updates_key: str | None = None
    pulse_id: int | None = None  # set on the post whose activity id the pulse keeps


def name_of(template: Template, lang: str) -> str:
    return template.name.get(lang) or template.name["sv"]


# -- building the operations ------------------------------------------------------------


def card_post(pulse: Pulse, zone: ZoneInfo, lang: str) -> Outgoing:
    template = pulse_templates_repo.pulse_template(pulse)
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
        activity=card_message(card, name_of(template, lang)),
        pulse_id=pulse.id,
    )


async def results_of(session: AsyncSession, pulse: Pulse) -> tuple[Template, Results]:
    assert pulse.id is not None
    template = pulse_templates_repo.pulse_template(pulse)
    rows = await pulse_answers_repo.answers(session, pulse.id)
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
    update = card_message(closed, t(lang, "pulse.closed_title", name=name_of(template, lang)))
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
        more = await pulse_results.extras(session, pulse, template, zone=zone, lang=lang)
        card = results_card(
            lang,
            template,
            results,
            unit=unit.name if unit else "?",
            period=pulse.period,
            beside=more.beside,
            trend=more.trend,
            extra=followups(lang, more.followups),
        )
        ops.append(
            Outgoing(
                key=f"pulse:{pulse.ref}:results",
                conversation_pk=pulse.conversation_pk,
                activity=card_message(card, t(lang, "pulse.results_answers")),
            )
        )
    return ops


def reminder_op(pulse: Pulse, zone: ZoneInfo, lang: str) -> Outgoing:
    template = pulse_templates_repo.pulse_template(pulse)
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


# -- the outbox ---------------------------------------------------------------------------


async def deliver(session: AsyncSession, ops: list[Outgoing]) -> None:
    """Queue `ops` in the outbox, in the caller's transaction (idempotent by key); the
    delivery dispatcher sends them. The one way a pulse post leaves, for commands and
    jobs alike."""
    for op in ops:
        await outbox_repo.enqueue(
            session,
            op.key,
            op.conversation_pk,
            op.activity,
            operation=op.operation,
            updates_key=op.updates_key,
        )


# -- the `pulse` command's use cases -------------------------------------------------------


@dataclass(frozen=True)
class Started:
    pulse: Pulse
    template: Template
    conversation_id: str | None  # the channel's Teams id (to count its members)
    personal: pulse_personal.PersonalDelivery | None = None  # sent 1:1 too (org file)


async def open_status(db: Database, unit_id: int) -> tuple[Pulse | None, int]:
    """The unit's open pulse, if any, and how many have answered."""
    async with db.session() as s:
        pulse = await pulse_repo.open_pulse_for_unit(s, unit_id)
        count = await pulse_answers_repo.answer_count(s, pulse) if pulse else 0
    return pulse, count


async def start(
    db: Database,
    unit: Unit,
    template_name: str,
    *,
    zone: ZoneInfo,
    lang: str,
    own_tenant: str | None = None,
) -> Started:
    """Open a pulse in the unit's channel and queue its card (and, where the org file
    says `delivery: personal`, the card 1:1 to the channel's members; services/
    pulse_personal.py). `own_tenant`: the bot's tenant, None in anonymous local mode."""
    assert unit.id is not None
    conf = pulse_settings.UnitPulseSettings.of(unit)
    async with db.session() as s:
        binding = await channels_repo.active_binding_for_unit(s, unit.id)
        wanted = template_name or conf.template
        template = await pulse_templates_repo.find_template(s, wanted, unit.id, unit)
        if template is None:
            pulse_conf = (unit.defaults or {}).get("pulse")
            keys = available_keys(pulse_conf, unit.level) + await pulse_templates_repo.saved_keys(
                s, unit.id
            )
            names = ", ".join(sorted(set(keys)))
            raise Refused("pulse.unknown_template", name=template_name[:60], names=names)
        if binding is None:
            raise Refused("pulse.unbound")
        try:
            pulse = await pulse_repo.open_pulse(
                s, unit, binding.conversation_pk, template, zone=zone
            )
        except pulse_repo.PulseAlreadyOpen as exc:
            when = fmt.when(lang, exc.pulse.closes_at, zone)
            raise Refused("pulse.already_open", unit=unit.name, when=when) from None
        except pulse_repo.PulseCoolingDown as exc:
            when = fmt.when(lang, exc.next_at, zone)
            raise Refused("pulse.cooling_down", unit=unit.name, when=when) from None
        post = card_post(pulse, zone, lang)
        await deliver(s, [post])
        personal = await pulse_personal.send_pulse(
            s, unit, pulse, post.activity, lang=lang, own_tenant=own_tenant
        )
        await ensure_schedules(s, unit)
        channel = await s.get(Conversation, binding.conversation_pk)
    return Started(pulse, template, channel.conversation_id if channel else None, personal)


async def set_member_count(db: Database, pulse_id: int, members: int) -> None:
    async with db.session() as s:
        await pulse_repo.set_member_count(s, pulse_id, members)


async def open_pulse(db: Database, unit_id: int) -> tuple[Pulse | None, str | None]:
    """The unit's open pulse and its channel's Teams id."""
    async with db.session() as s:
        current = await pulse_repo.open_pulse_for_unit(s, unit_id)
        channel = await s.get(Conversation, current.conversation_pk) if current else None
    return current, channel.conversation_id if channel else None


@dataclass(frozen=True)
class LatestResults:
    pulse: Pulse
    template: Template
    results: Results
    rollup: list[tuple[str, float | None]]  # the unit and each unit below, when it has any
    extras: pulse_results.Extras | None = None


async def latest_results(
    db: Database, unit: Unit, *, zone: ZoneInfo, lang: str = "sv"
) -> LatestResults | None:
    """The unit's latest closed pulse, summarised, with the period's values of the unit and
    the units right below it (None where too few answered to show)."""
    assert unit.id is not None
    async with db.session() as s:
        pulse = await pulse_repo.latest_closed(s, unit.id)
        if pulse is None:
            return None
        template, results = await results_of(s, pulse)
        children = await org_repo.live_children(s, unit.id)
        values = {
            uid: v
            for uid, _, v in await pulse_indicator_repo.pulse_indicator_values(
                s, pulse.period, zone=zone
            )
        }
        more = None
        if results.shown:
            more = await pulse_results.extras(s, pulse, template, zone=zone, lang=lang)
    rollup = [(u.name, values.get(u.id)) for u in children if u.id is not None]
    if children:
        rollup.insert(0, (unit.name, values.get(unit.id)))
    return LatestResults(pulse, template, results, rollup, more)


async def in_conversation(db: Database, ref: str) -> tuple[Pulse | None, str | None]:
    """The pulse a card names, and the Teams id of the channel it was posted in."""
    async with db.read() as s:
        pulse = await pulse_repo.by_ref(s, ref)
        conv = await s.get(Conversation, pulse.conversation_pk) if pulse else None
    return pulse, conv.conversation_id if conv else None


async def answers_so_far(db: Database, pulse: Pulse) -> tuple[int, int]:
    """How many answered, and how many answers are written (what results can show)."""
    async with db.read() as s:
        count = await pulse_answers_repo.answer_count(s, pulse)
        kept = await pulse_answers_repo.stored_count(s, pulse.id) if pulse.id is not None else 0
    return count, kept


async def has_answered(db: Database, pulse: Pulse, secret: str, user_id: str) -> bool:
    """Whether the person answered this open pulse (never what they answered)."""
    async with db.read() as s:
        return await pulse_answers_repo.has_answered(s, pulse, secret, user_id)


# -- cadence -----------------------------------------------------------------------------


async def ensure_schedules(session: AsyncSession, unit: Unit) -> None:
    """The unit's `pulse_open` schedule (per its cadence) and the shared close sweep."""
    assert unit.id is not None
    conf = pulse_settings.UnitPulseSettings.of(unit)
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
    """Open the unit's pulse for this occurrence if it is the unit's opening day, unless
    one is open, the unit's last pulse closed within its cool-down, or it has no channel."""
    unit = await session.get(Unit, unit_id)
    if unit is None or unit.archived_at is not None:
        return None
    if await pulse_repo.open_pulse_for_unit(session, unit_id) is not None:
        return None
    binding = await channels_repo.active_binding_for_unit(session, unit_id)
    if binding is None:
        return None
    conf = pulse_settings.UnitPulseSettings.of(unit)
    day = now.astimezone(context.zone).date()
    opened = await pulse_repo.opened_in_period(session, unit_id, period_of(day))
    if not opens_on(day, conf.cadence, conf.skip_months, opened_this_month=opened):
        return None  # before the opening day, a month without pulses, or had one already
    template = await pulse_templates_repo.find_template(session, conf.template, unit_id, unit)
    if template is None:
        log.warning("unit %s: unknown pulse template %r", unit_id, conf.template)
        return None
    try:
        pulse = await pulse_repo.open_pulse(
            session,
            unit,
            binding.conversation_pk,
            template,
            zone=context.zone,
            now=now,
            opened_by="schedule",
        )
    except pulse_repo.PulseCoolingDown:
        log.info("unit %s: pulse not opened, its cool-down has not passed", unit_id)
        return None
    post = card_post(pulse, context.zone, context.language)
    await deliver(session, [post])
    await pulse_personal.send_pulse(
        session, unit, pulse, post.activity, lang=context.language, own_tenant=context.own_tenant
    )
    return pulse


async def sweep(session: AsyncSession, now: datetime, context: JobContext) -> int:
    """Close every due pulse, send due reminders, and make final the results of closed
    pulses whose answers are all written (or whose grace has passed). Returns closures."""
    closed = 0
    for pulse in await pulse_repo.due_reminders(session, now):
        assert pulse.id is not None
        if await pulse_repo.mark_reminded(session, pulse.id, now):
            reminder = reminder_op(pulse, context.zone, context.language)
            await deliver(session, [reminder])
    for due in await pulse_repo.due_to_close(session, now):
        assert due.id is not None
        if await pulse_repo.close_pulse(session, due.id, now) is not None:
            closed += 1
    for pulse in await pulse_repo.unsettled(session):
        assert pulse.id is not None
        await finalize(session, pulse.id, context.zone, context.language, now=now)
    return closed


async def finalize(
    session: AsyncSession,
    pulse_id: int,
    zone: ZoneInfo,
    lang: str,
    *,
    now: datetime | None = None,
) -> Pulse | None:
    """Make a closed pulse's results final if they can be (pulse_repo.finalize) and post
    them through the outbox: the card replaced, the results if shown. Returns the pulse,
    or None if not (yet) or already done."""
    done = await pulse_repo.finalize(session, pulse_id, now)
    if done is None:
        return None
    await deliver(session, await close_ops(session, done, zone, lang))
    return done


async def close_now(
    db: Database,
    answers: AnswerWriter,
    pulse_id: int,
    zone: ZoneInfo,
    lang: str,
) -> Pulse | None:
    """Close a pulse at once (a coordinator's `puls stäng`): stop answers, write what
    this process holds, and make the results final if no other process still holds
    answers (otherwise the last of them does, see the module's docstring). None if it
    was closed already. The pulse's `answer_count` is None while its results wait."""
    async with db.session() as s:
        if await pulse_repo.close_pulse(s, pulse_id) is None:
            return None
    await answers.settle(pulse_id)
    async with db.session() as s:
        final = await finalize(s, pulse_id, zone, lang)
        if final is not None:
            return final
        pulse = await s.get(Pulse, pulse_id)
        assert pulse is not None
        return pulse


async def finalize_settled(db: Database, pulse_id: int, zone: ZoneInfo, lang: str) -> bool:
    """An answer writer has written the last held answers of a pulse closed elsewhere:
    make its results final, through the outbox. True if this call did it."""
    async with db.session() as s:
        return await finalize(s, pulse_id, zone, lang) is not None


async def pulse_open_job(
    session: AsyncSession, schedule: Schedule, occurrence_at: datetime, context: JobContext
) -> None:
    if schedule.unit_id is not None:
        await open_scheduled(session, schedule.unit_id, occurrence_at, context)


async def pulse_close_job(
    session: AsyncSession, schedule: Schedule, occurrence_at: datetime, context: JobContext
) -> None:
    await sweep(session, max(occurrence_at, utcnow()), context)
