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

from bot.guard import REFUSAL_KEY
from bot.handlers import pulse_builder
from bot.handlers.lifecycle import remember_conversation
from bot.permissions import require
from bot.pulse_facts import PulseFacts
from bot.router import Router
from bot.turn import Turn
from bot.unit_choice import unit_for
from cards import pulse as pulse_cards
from cards.pulse_followups import followups
from clients.teams_roster import read_roster
from core.pulse_answers import INPUT_PREFIX, AnswerCheck, Refusal, validate_answer
from core.pulse_delivery import PERSONAL as PERSONAL_DELIVERY
from core.pulse_delivery import delivery_of
from core.pulse_questions import Kind, Template
from core.refusal import Refused
from core.roster import RosterEntry, people_count
from core.scope import CHANNEL
from i18n import format as fmt
from services import pulse as service
from services import pulse_personal, roster
from storage import pulse_answers_repo, pulse_repo, pulse_templates_repo
from storage.answer_writer import Outcome
from storage.models import Unit
from storage.pulse_models import Pulse
from storage.types import utcnow

HANDLERS = Router()

log = logging.getLogger(__name__)

MAX_REF = 40
PERSONAL = "personal"  # turn.kind of a 1:1 chat with the bot

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
    "ny": "new",
    "new": "new",
    "mallar": "templates",
    "templates": "templates",
}


# -- helpers -----------------------------------------------------------------------------


def _secret(turn: Turn) -> str:
    return turn.services.settings.server_secret()


def _when(turn: Turn, pulse: Pulse | PulseFacts) -> str:
    return fmt.when(turn.lang, pulse.closes_at, turn.services.settings.zone)


async def _roster(turn: Turn, conversation_id: str | None) -> list[RosterEntry] | None:
    """The channel's members from the Bot Connector's paged roster, or None if it could not
    be read (the stored members serve; the answer rate shows without a count)."""
    client = turn.connector()
    if client is None or not conversation_id:
        return None
    try:
        return await read_roster(client, conversation_id)
    except Exception as exc:
        log.info("roster not read: %s", type(exc).__name__)
        return None


# -- the command -------------------------------------------------------------------------


@HANDLERS.command("pulse", aliases=("puls",), sv="puls")
async def pulse_command(turn: Turn, args: str) -> None:
    word, _, rest = args.strip().partition(" ")
    sub = _SUB.get(word.lower())
    if sub is None and turn.kind != CHANNEL:  # `puls Östersund`: that unit's status
        sub, rest = "status", args.strip()
    if sub is None:
        raise Refused("pulse.usage")
    if turn.kind != CHANNEL:
        # In a personal or group chat: the status of the unit named, the person's only
        # one, or a choice; the card to answer stays in the unit's channel.
        if sub != "status":
            raise Refused("pulse.channel_only")
        chosen = await unit_for(turn, f"{turn.text('cmd.word.pulse')} status", rest)
        if chosen is None:
            return
        await _status(turn, chosen[0], with_card=False)
        return
    unit = await turn.channel_unit()
    if unit is None or unit.id is None:
        raise Refused("pulse.unbound")
    if sub == "status":
        await _status(turn, unit)
        return
    if sub == "templates":
        await pulse_builder.list_templates(turn, unit)
        return
    if sub == "new":
        await pulse_builder.new_template(turn, unit, rest)
        return
    if not await require(turn, unit, "coordinator"):
        return
    if sub == "start":
        await _start(turn, unit, rest.strip())
    elif sub == "close":
        await _close(turn, unit)
    else:
        await _results(turn, unit)


async def _status(turn: Turn, unit: Unit, *, with_card: bool = True) -> None:
    assert unit.id is not None
    pulse, count = await service.open_status(turn.services.db, unit.id)
    if pulse is None:
        raise Refused("pulse.none_open", unit=unit.name)
    template = pulse_templates_repo.pulse_template(pulse)
    name = service.name_of(template, turn.lang)
    await turn.send_text(
        turn.text(
            "pulse.open_status", name=name, unit=unit.name, when=_when(turn, pulse), answers=count
        )
    )
    if not with_card:
        return
    card = pulse_cards.pulse_card(
        turn.lang, pulse.ref, template, closes=_when(turn, pulse), threshold=pulse.threshold
    )
    await turn.send_card(card, summary=name)


async def _count_members(
    turn: Turn,
    pulse_id: int | None,
    conversation_id: str | None,
    entries: list[RosterEntry] | None = None,
) -> None:
    """The channel's size, kept on the pulse for the answer rate (when Teams tells it):
    each person once (core/roster.py)."""
    if pulse_id is None or conversation_id is None:
        return
    if entries is None:
        entries = await _roster(turn, conversation_id)
    if entries is not None:
        await service.set_member_count(turn.services.db, pulse_id, people_count(entries))


async def _start(turn: Turn, unit: Unit, template_name: str) -> None:
    await remember_conversation(turn)
    entries = await _roster(turn, turn.conversation_id)
    if entries and delivery_of((unit.defaults or {}).get("pulse")) == PERSONAL_DELIVERY:
        # Everyone in the channel, not only those seen: Teams announces no one who was
        # in the team before the bot came.
        await roster.remember(
            turn.services.db,
            entries,
            conversation_id=turn.conversation_id,
            team_id=turn.team_id,
            channel_tenant=turn.tenant_id or "",
        )
    settings = turn.services.settings
    zone, own_tenant = settings.zone, settings.own_tenant
    started = await service.start(
        turn.services.db, unit, template_name, zone=zone, lang=turn.lang, own_tenant=own_tenant
    )
    turn.services.notify_changes()
    same_channel = started.conversation_id == turn.conversation_id
    await _count_members(
        turn, started.pulse.id, started.conversation_id, entries if same_channel else None
    )
    name = service.name_of(started.template, turn.lang)
    await turn.send_text(
        turn.text("pulse.started", name=name, unit=unit.name, when=_when(turn, started.pulse))
    )
    if started.personal is not None:  # org file `pulse.delivery: personal`
        await turn.send_text(turn.text("pulse.sent_personally", count=started.personal.queued))
        if started.personal.in_channel:
            await turn.send_text(
                turn.text("pulse.sent_in_channel_only", count=started.personal.in_channel)
            )


async def _close(turn: Turn, unit: Unit) -> None:
    assert unit.id is not None
    current, conversation_id = await service.open_pulse(turn.services.db, unit.id)
    if current is None or current.id is None:
        raise Refused("pulse.none_open", unit=unit.name)
    await _count_members(turn, current.id, conversation_id)
    zone = turn.services.settings.zone
    closed = await service.close_now(
        turn.services.db, turn.services.answers, current.id, zone, turn.lang
    )
    turn.services.pulse_facts.forget(current.ref)
    if closed is None:  # closed meanwhile by the sweep or another coordinator
        raise Refused("pulse.none_open", unit=unit.name)
    turn.services.notify_changes()
    if closed.answer_count is None:  # another instance still holds answers; it posts them
        await turn.send_text(turn.text("pulse.closed_pending", unit=unit.name))
        return
    await turn.send_text(turn.text("pulse.closed_now", unit=unit.name, answers=closed.answer_count))


async def _results(turn: Turn, unit: Unit) -> None:
    latest = await service.latest_results(
        turn.services.db, unit, zone=turn.services.settings.zone, lang=turn.lang
    )
    if latest is None:
        raise Refused("pulse.no_results", unit=unit.name)
    period = latest.pulse.period
    card = pulse_cards.results_card(
        turn.lang,
        latest.template,
        latest.results,
        unit=unit.name,
        period=period,
        rollup=latest.rollup,
        rollup_period=turn.text("pulse.results_rollup", unit=unit.name, period=period),
        beside=latest.extras.beside if latest.extras else None,
        trend=latest.extras.trend if latest.extras else None,
        extra=followups(turn.lang, latest.extras.followups) if latest.extras else (),
        comment_ref=latest.pulse.ref,  # `puls resultat` is for coordinators
        made=latest.extras.made if latest.extras else None,
    )
    await turn.send_card(card, summary=turn.text("pulse.results_answers"))


# -- answering ---------------------------------------------------------------------------


async def _pulse_from(turn: Turn, data: dict[str, Any]) -> Pulse:
    """The pulse the card data names, checked against this conversation; or refused."""
    ref = _ref_of(turn, data)
    if ref is None:
        raise Refused("pulse.refused.tampered")
    pulse, conversation_id = await service.in_conversation(turn.services.db, ref)
    if pulse is None or not await _may_answer_here(turn, conversation_id):
        # Another channel's pulse: answered exactly as a pulse that does not exist.
        raise Refused("pulse.refused.unknown")
    return pulse


async def _may_answer_here(turn: Turn, channel_id: str | None) -> bool:
    """The pulse's card may be answered here: in the pulse's own channel, or in a
    personal chat by a member of that channel (the card sent 1:1, org file `pulse.
    delivery: personal`; services/pulse_personal.py). A card forwarded anywhere else,
    or pressed by someone outside the channel, is a pulse that does not exist."""
    if channel_id is None:
        return False
    if channel_id == turn.conversation_id:
        return True
    if turn.kind != PERSONAL or not turn.user_id:
        return False
    async with turn.services.db.read() as s:
        return await pulse_personal.is_member(s, channel_id, turn.person_tenant, turn.user_id)


def _ref_of(turn: Turn, data: dict[str, Any]) -> str | None:
    """The pulse ref the card data names, if it is well formed (and there is a person)."""
    ref = data.get("pulse")
    if not isinstance(ref, str) or not ref or len(ref) > MAX_REF or not turn.user_id:
        return None
    return ref


def _refusal_text(turn: Turn, template: Template, check: AnswerCheck) -> str:
    refusal = check.refusal or Refusal.TAMPERED
    if refusal is Refusal.PERSONNUMMER:
        return turn.text(REFUSAL_KEY)
    question = template.question(check.question) if check.question else None
    return turn.text(
        f"pulse.refused.{refusal.value}", question=question.label(turn.lang) if question else ""
    )


@HANDLERS.action(pulse_cards.ANSWER, anonymous=True)
async def answer(turn: Turn, data: dict[str, Any]) -> None:
    ref = _ref_of(turn, data)
    if ref is None:
        raise Refused("pulse.refused.tampered")
    assert turn.user_id is not None
    facts = await turn.services.pulse_facts.get(ref)
    if facts is None or not await _may_answer_here(turn, facts.conversation_id):
        # Another channel's pulse: answered exactly as a pulse that does not exist.
        raise Refused("pulse.refused.unknown")
    template = facts.template
    check = validate_answer(template, data)
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
        person = pulse_answers_repo.respondent(facts.ref, _secret(turn), turn.user_id)
        outcome = await turn.services.answers.answer(
            facts.pulse_id, person, check.values, keep=facts.threshold
        )
    if outcome is Outcome.CLOSED:
        turn.services.pulse_facts.forget(ref)
        raise Refused("pulse.refused.closed")
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


def _kept_values(template: Template, data: dict[str, Any], drop: str | None) -> dict[str, Any]:
    kept: dict[str, Any] = {}
    for q in template.questions:
        raw = data.get(INPUT_PREFIX + q.id)
        if q.id == drop or q.kind is Kind.TEXT or not isinstance(raw, str | int):
            continue
        kept[q.id] = raw
    return kept


async def _personal_view(turn: Turn, data: dict[str, Any], *, edit: bool) -> None:
    """The card as this person should see it now (refresh and "ändra")."""
    found = await _pulse_from(turn, data)
    assert turn.user_id is not None
    template = pulse_templates_repo.pulse_template(found)
    settings = turn.services.settings
    if not pulse_repo.is_open(found):
        count, kept = await service.answers_so_far(turn.services.db, found)
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
    answered = await service.has_answered(turn.services.db, found, _secret(turn), turn.user_id)
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
    template: Template,
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


@HANDLERS.action(pulse_cards.EDIT, anonymous=True)
async def edit(turn: Turn, data: dict[str, Any]) -> None:
    """ "Ändra" on cards sent before answers became unchangeable."""
    await _personal_view(turn, data, edit=True)


@HANDLERS.action(pulse_cards.REFRESH, anonymous=True)
async def refresh(turn: Turn, data: dict[str, Any]) -> None:
    await _personal_view(turn, data, edit=False)


__all__ = ["answer", "edit", "pulse_command", "refresh"]
