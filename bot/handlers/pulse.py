"""`pulse` / `puls`: staff answer anonymous pulse surveys; coordinators start, close and read.

Answering works through Action.Execute (`adaptiveCard/action` invoke: the person
gets their own view of the card back, "Du svarade 4", with a refresh limited to
their own id, while everyone else keeps the blank card) and through the
Action.Submit fallback (a message with `value`). One answer per person, and it
cannot be changed: nothing may lead from a person to their answer
(storage/answer_writer.py).
"""

from __future__ import annotations

import logging
from typing import Any

from microsoft_agents.activity import Activity
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from bot.guard import refusal_text
from bot.handlers.lifecycle import remember_conversation
from bot.permissions import require
from bot.pulse_facts import PulseFacts
from bot.router import router
from bot.turn import Turn
from cards import pulse as pulse_cards
from cards.bounds import fit_activity
from core import pulse as core_pulse
from core.pulse import Refusal
from i18n import format as fmt
from services import pulse as pulse_service
from storage import channels_repo, pulse_repo
from storage.answer_writer import Outcome
from storage.models import Conversation, OutboxMessage, Unit
from storage.pulse_models import Pulse
from storage.types import utcnow

log = logging.getLogger(__name__)

MAX_REF = 40
MEMBER_PAGE = 500
MAX_MEMBER_PAGES = 40

_SUB = {
    "": "status",
    "status": "status",
    "visa": "status",
    "start": "start",
    "starta": "start",
    "close": "close",
    "stäng": "close",
    "stang": "close",
    "avsluta": "close",
    "results": "results",
    "resultat": "results",
}


# -- helpers -----------------------------------------------------------------------------


def _secret(turn: Turn) -> str:
    return turn.services.settings.server_secret()


def _when(turn: Turn, pulse: Pulse | PulseFacts) -> str:
    return fmt.when(turn.lang, pulse.closes_at, turn.services.settings.zone)


async def member_count(turn: Turn, conversation_id: str) -> int | None:
    """People in the channel, from the connector's paged members (None if unavailable)."""
    client = turn.connector()
    if client is None:
        return None
    total, token = 0, None
    try:
        for _ in range(MAX_MEMBER_PAGES):
            page = await client.conversations.get_conversation_paged_members(
                conversation_id, page_size=MEMBER_PAGE, continuation_token=token
            )
            total += len(page.members or [])
            token = page.continuation_token
            if not token:
                return total
    except Exception as exc:  # the rate is a nicety; results still show without it
        log.info("member count failed: %s", type(exc).__name__)
        return None
    return total


def _direct(turn: Turn) -> bool:
    """Send command-triggered posts directly only when no dispatcher runs in this process."""
    return turn.services.extras.get("dispatcher") is None


async def _send_direct(turn: Turn, ops: list[pulse_service.Outgoing]) -> None:
    """Send what the outbox did not take, as top-level posts, and record it as sent."""
    client = turn.connector()
    if client is None or not ops:
        return
    async with turn.services.db.session() as s:
        conversations = {
            op.conversation_pk: await s.get(Conversation, op.conversation_pk) for op in ops
        }
    for op in ops:
        conv = conversations[op.conversation_pk]
        if conv is None:
            continue
        act = Activity.model_validate(fit_activity(op.activity))
        activity_id: str | None = None
        if op.operation == "update":
            activity_id = await _card_activity_id(turn, op)
            if activity_id is None:
                continue
            await client.conversations.update_activity(conv.conversation_id, activity_id, act)
        else:
            sent = await client.conversations.send_to_conversation(conv.conversation_id, act)
            activity_id = sent.id if sent else None
        async with turn.services.db.session() as s:
            await pulse_service.record_sent(s, op, activity_id)
            if op.pulse_id is not None and activity_id and op.operation == "send":
                await pulse_repo.set_activity_id(s, op.pulse_id, activity_id)


async def _card_activity_id(turn: Turn, op: pulse_service.Outgoing) -> str | None:
    """The activity an update replaces: the id in the payload, else its send's outbox row."""
    if op.activity.get("id"):
        return str(op.activity["id"])
    if not op.updates_key:
        return None
    async with turn.services.db.session() as s:
        row = (
            await s.execute(
                select(OutboxMessage).where(col(OutboxMessage.idempotency_key) == op.updates_key)
            )
        ).scalar_one_or_none()
    return row.activity_id if row else None


# -- the command -------------------------------------------------------------------------


@router.command("pulse", aliases=("puls",), sv="puls")
async def pulse_command(turn: Turn, args: str) -> None:
    word, _, rest = args.strip().partition(" ")
    sub = _SUB.get(word.lower())
    if sub is None:
        await turn.send_text(turn.text("pulse.usage"))
        return
    unit = await turn.channel_unit()
    if unit is None or unit.id is None:
        await turn.send_text(turn.text("pulse.unbound"))
        return
    if sub == "status":
        await _status(turn, unit)
        return
    if not await require(turn, unit, "coordinator"):
        return
    if sub == "start":
        await _start(turn, unit, rest.strip())
    elif sub == "close":
        await _close(turn, unit)
    else:
        await _results(turn, unit)


async def _status(turn: Turn, unit: Unit) -> None:
    assert unit.id is not None
    async with turn.services.db.session() as s:
        pulse = await pulse_repo.open_pulse_for_unit(s, unit.id)
        count = await pulse_repo.answer_count(s, pulse) if pulse else 0
    if pulse is None:
        await turn.send_text(turn.text("pulse.none_open", unit=unit.name))
        return
    template = pulse_repo.pulse_template(pulse)
    name = pulse_service.name_of(template, turn.lang)
    await turn.send_text(
        turn.text(
            "pulse.open_status", name=name, unit=unit.name, when=_when(turn, pulse), answers=count
        )
    )
    card = pulse_cards.pulse_card(
        turn.lang, pulse.ref, template, closes=_when(turn, pulse), threshold=pulse.threshold
    )
    await turn.send_card(card, summary=name)


async def _start(turn: Turn, unit: Unit, template_name: str) -> None:
    assert unit.id is not None
    settings = turn.services.settings
    conf = pulse_repo.UnitPulseSettings.of(unit)
    await remember_conversation(turn)
    async with turn.services.db.session() as s:
        binding = await channels_repo.active_binding_for_unit(s, unit.id)
        template = await pulse_repo.find_template(s, template_name or conf.template, unit.id)
        if template is None:
            names = ", ".join(sorted(core_pulse.BUILT_IN))
            await turn.send_text(
                turn.text("pulse.unknown_template", name=template_name[:60], names=names)
            )
            return
        if binding is None:
            await turn.send_text(turn.text("pulse.unbound"))
            return
        try:
            pulse = await pulse_repo.open_pulse(
                s, unit, binding.conversation_pk, template, zone=settings.zone
            )
        except pulse_repo.PulseAlreadyOpen as exc:
            await turn.send_text(
                turn.text("pulse.already_open", unit=unit.name, when=_when(turn, exc.pulse))
            )
            return
        except pulse_repo.PulseCoolingDown as exc:
            when = fmt.when(turn.lang, exc.next_at, settings.zone)
            await turn.send_text(turn.text("pulse.cooling_down", unit=unit.name, when=when))
            return
        ops = await pulse_service.deliver(
            s,
            [pulse_service.card_post(pulse, settings.zone, turn.lang)],
            direct_ok=_direct(turn),
        )
        await pulse_service.ensure_schedules(s, unit)
        channel = await s.get(Conversation, binding.conversation_pk)
    await _send_direct(turn, ops)
    turn.services.notify_changes()
    if channel is not None and pulse.id is not None:
        members = await member_count(turn, channel.conversation_id)
        if members is not None:
            async with turn.services.db.session() as s:
                await pulse_repo.set_member_count(s, pulse.id, members)
    turn.services.notify_changes()
    name = pulse_service.name_of(template, turn.lang)
    await turn.send_text(
        turn.text("pulse.started", name=name, unit=unit.name, when=_when(turn, pulse))
    )


async def _close(turn: Turn, unit: Unit) -> None:
    assert unit.id is not None
    settings = turn.services.settings
    async with turn.services.db.session() as s:
        current = await pulse_repo.open_pulse_for_unit(s, unit.id)
        channel = await s.get(Conversation, current.conversation_pk) if current else None
    if current is None or current.id is None:
        await turn.send_text(turn.text("pulse.none_open", unit=unit.name))
        return
    if channel is not None:
        members = await member_count(turn, channel.conversation_id)
        if members is not None:
            async with turn.services.db.session() as s:
                await pulse_repo.set_member_count(s, current.id, members)
    config = pulse_service.PulseConfig(zone=settings.zone, lang=turn.lang)
    done = await pulse_service.close_now(
        turn.services.db, turn.services.answers, current.id, config, direct_ok=_direct(turn)
    )
    turn.services.pulse_facts.forget(current.ref)
    if done is None:  # closed meanwhile by the sweep or another coordinator
        await turn.send_text(turn.text("pulse.none_open", unit=unit.name))
        return
    closed, ops = done
    await _send_direct(turn, ops)
    turn.services.notify_changes()
    if closed.answer_count is None:  # another instance still holds answers; it posts them
        await turn.send_text(turn.text("pulse.closed_pending", unit=unit.name))
        return
    await turn.send_text(turn.text("pulse.closed_now", unit=unit.name, answers=closed.answer_count))


async def _results(turn: Turn, unit: Unit) -> None:
    assert unit.id is not None
    settings = turn.services.settings
    async with turn.services.db.session() as s:
        pulse = await pulse_repo.latest_closed(s, unit.id)
        if pulse is None:
            await turn.send_text(turn.text("pulse.no_results", unit=unit.name))
            return
        template, results = await pulse_service.results_of(s, pulse)
        children = await _children(s, unit.id)
        rollup_period = pulse.period
        values = {
            uid: v
            for uid, _, v in await pulse_repo.pulse_indicator_values(
                s, rollup_period, zone=settings.zone
            )
        }
    rollup = [(u.name, values.get(u.id)) for u in children if u.id is not None]
    if children:
        rollup.insert(0, (unit.name, values.get(unit.id)))
    card = pulse_cards.results_card(
        turn.lang,
        template,
        results,
        unit=unit.name,
        period=pulse.period,
        rollup=rollup,
        rollup_period=turn.text("pulse.results_rollup", unit=unit.name, period=rollup_period),
    )
    await turn.send_card(card, summary=turn.text("pulse.results_answers"))


async def _children(session: AsyncSession, unit_id: int) -> list[Unit]:
    rows = await session.execute(
        select(Unit)
        .where(col(Unit.parent_id) == unit_id, col(Unit.archived_at).is_(None))
        .order_by(col(Unit.name))
    )
    return list(rows.scalars().all())


# -- answering ---------------------------------------------------------------------------


async def _refuse(turn: Turn, key: str, **args: object) -> None:
    await turn.send_text(turn.text(key, **args))


async def _pulse_from(turn: Turn, data: dict[str, Any]) -> Pulse | None:
    """The pulse the card data names, checked against this conversation; or refuse."""
    ref = _ref_of(turn, data)
    if ref is None:
        await _refuse(turn, "pulse.refused.tampered")
        return None
    async with turn.services.db.read() as s:
        pulse = await pulse_repo.by_ref(s, ref)
        conv = await s.get(Conversation, pulse.conversation_pk) if pulse else None
    if pulse is None:
        await _refuse(turn, "pulse.refused.unknown")
        return None
    if conv is None or conv.conversation_id != turn.conversation_id:
        # Another channel's pulse: answered exactly as a pulse that does not exist.
        await _refuse(turn, "pulse.refused.unknown")
        return None
    return pulse


def _ref_of(turn: Turn, data: dict[str, Any]) -> str | None:
    """The pulse ref the card data names, if it is well formed (and there is a person)."""
    ref = data.get("pulse")
    if not isinstance(ref, str) or not ref or len(ref) > MAX_REF or not turn.user_id:
        return None
    return ref


def _refusal_text(turn: Turn, template: core_pulse.Template, check: core_pulse.AnswerCheck) -> str:
    refusal = check.refusal or Refusal.TAMPERED
    if refusal is Refusal.PERSONNUMMER:
        return refusal_text(turn)
    question = template.question(check.question) if check.question else None
    return turn.text(
        f"pulse.refused.{refusal.value}", question=question.label(turn.lang) if question else ""
    )


@router.action(pulse_cards.ANSWER, anonymous=True)
async def answer(turn: Turn, data: dict[str, Any]) -> None:
    ref = _ref_of(turn, data)
    if ref is None:
        await _refuse(turn, "pulse.refused.tampered")
        return
    assert turn.user_id is not None
    facts = await turn.services.pulse_facts.get(ref)
    if facts is None:
        await _refuse(turn, "pulse.refused.unknown")
        return
    if facts.conversation_id != turn.conversation_id:
        # Another channel's pulse: answered exactly as a pulse that does not exist.
        await _refuse(turn, "pulse.refused.unknown")
        return
    template = facts.template
    check = core_pulse.validate_answer(template, data)
    if not check.ok or check.values is None:
        turn.services.metrics.inc("samverkan_pulse_refused_total", reason=str(check.refusal))
        text = _refusal_text(turn, template, check)
        if turn.is_invoke and check.refusal in (
            Refusal.PERSONNUMMER,
            Refusal.TOO_LONG,
            Refusal.MISSING,
        ):
            # Give the form back with the person's choices kept (never the refused text).
            kept = _kept_values(template, data, drop=check.question)
            turn.set_invoke_card(
                pulse_cards.pulse_card(
                    turn.lang,
                    facts.ref,
                    template,
                    closes=_when(turn, facts),
                    threshold=facts.threshold,
                    values=kept,
                    error=text,
                )
            )
            return
        await turn.send_text(text)
        return
    # Whether the pulse is still open is decided by the writer, in the transaction that
    # stores the answer: a close running now either finishes first (and this answer is
    # refused, storing nothing) or waits for it.
    outcome = Outcome.CLOSED
    if facts.is_open(utcnow()):
        person = pulse_repo.respondent(facts.ref, _secret(turn), turn.user_id)
        outcome = await turn.services.answers.answer(
            facts.pulse_id, person, check.values, keep=facts.threshold
        )
    if outcome is Outcome.CLOSED:
        turn.services.pulse_facts.forget(ref)
        await _refuse(turn, "pulse.refused.closed")
        return
    if outcome is Outcome.ALREADY:
        if turn.is_invoke:
            turn.set_invoke_card(_answered_view(turn, facts.ref, template, facts, again=True))
        else:
            await turn.send_text(turn.text("pulse.already_answered"))
        return
    turn.services.metrics.inc("samverkan_pulse_answers_total")
    if turn.is_invoke:
        turn.set_invoke_card(
            pulse_cards.answered_card(
                turn.lang,
                facts.ref,
                template,
                check.values,
                closes=_when(turn, facts),
                user_id=turn.user_channel_id,
            )
        )
    else:
        await turn.send_text(turn.text("pulse.saved"))


def _kept_values(
    template: core_pulse.Template, data: dict[str, Any], drop: str | None
) -> dict[str, Any]:
    kept: dict[str, Any] = {}
    for q in template.questions:
        raw = data.get(core_pulse.INPUT_PREFIX + q.id)
        if q.id == drop or q.kind is core_pulse.Kind.TEXT or not isinstance(raw, str | int):
            continue
        kept[q.id] = raw
    return kept


async def _personal_view(turn: Turn, data: dict[str, Any], *, edit: bool) -> None:
    """The card as this person should see it now (refresh and "ändra")."""
    found = await _pulse_from(turn, data)
    if found is None:
        return
    assert turn.user_id is not None
    template = pulse_repo.pulse_template(found)
    settings = turn.services.settings
    if not pulse_repo.is_open(found):
        async with turn.services.db.read() as s:
            count = await pulse_repo.answer_count(s, found)
            kept = await pulse_repo.stored_count(s, found.id) if found.id is not None else 0
        card = pulse_cards.closed_card(
            turn.lang,
            template,
            when=fmt.when(turn.lang, found.closed_at or found.closes_at, settings.zone),
            answers=count,
            shown=kept >= found.threshold,
            threshold=found.threshold,
        )
        turn.set_invoke_card(card)
        return
    async with turn.services.db.read() as s:
        answered = await pulse_repo.has_answered(s, found, _secret(turn), turn.user_id)
    if answered:
        card = _answered_view(turn, found.ref, template, found, again=edit)
    else:
        card = pulse_cards.pulse_card(
            turn.lang, found.ref, template, closes=_when(turn, found), threshold=found.threshold
        )
    if turn.is_invoke:
        turn.set_invoke_card(card)
    else:
        await turn.send_text(turn.text("pulse.refused.tampered"))


def _answered_view(
    turn: Turn,
    ref: str,
    template: core_pulse.Template,
    pulse: Pulse | PulseFacts,
    *,
    again: bool,
) -> dict[str, Any]:
    """ "You have answered" without the answer (nothing finds it again); `again`: they
    tried to answer or change it, so say why that cannot be."""
    return pulse_cards.answered_card(
        turn.lang,
        ref,
        template,
        None,
        closes=_when(turn, pulse),
        user_id=turn.user_channel_id,
        note=turn.text("pulse.no_change") if again else None,
    )


@router.action(pulse_cards.EDIT, anonymous=True)
async def edit(turn: Turn, data: dict[str, Any]) -> None:
    """ "Ändra" on cards sent before answers became unchangeable."""
    await _personal_view(turn, data, edit=True)


@router.action(pulse_cards.REFRESH, anonymous=True)
async def refresh(turn: Turn, data: dict[str, Any]) -> None:
    await _personal_view(turn, data, edit=False)


__all__ = ["answer", "edit", "pulse_command", "refresh"]
