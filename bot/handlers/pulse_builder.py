"""`puls ny mall` / `pulse new template`: coordinators build a pulse template on a card,
preview it, and save it for their unit; `puls mallar` lists the unit's templates.

The unit is always the channel's (the card's data names none), and every button checks
the coordinator role again: a card forwarded or kept elsewhere does nothing there.
"""

from __future__ import annotations

from typing import Any

from bot.permissions import require
from bot.router import Router
from bot.turn import Turn
from cards import pulse_builder as cards
from core.pulse_builder import BuilderProblem, builder_values, template_from_builder
from core.pulse_questions import Template
from core.refusal import Refused
from services import pulse_templates as service
from storage.models import Unit
from storage.pulse_settings import UnitPulseSettings

HANDLERS = Router()

_NEW_WORDS = {"mall", "template"}


async def new_template(turn: Turn, unit: Unit, rest: str) -> None:
    """`puls ny mall`: the empty builder (coordinators of the channel's unit)."""
    if rest.strip().lower() not in _NEW_WORDS:
        raise Refused("pulse.builder.usage")
    if not await require(turn, unit, "coordinator"):
        return
    await turn.send_card(cards.builder_card(turn.lang), summary=turn.text("pulse.builder.title"))


async def list_templates(turn: Turn, unit: Unit) -> None:
    keys = await service.available(turn.services.db, unit)
    names = ", ".join(f"`{k}`" for k in keys)
    await turn.send_text(turn.text("pulse.templates", unit=unit.name, names=names))


async def _coordinator_unit(turn: Turn) -> Unit | None:
    """The channel's unit if this person coordinates it (else they are told, and None)."""
    unit = await turn.channel_unit()
    if unit is None or unit.id is None:
        raise Refused("pulse.unbound")
    return unit if await require(turn, unit, "coordinator") else None


async def _reply(turn: Turn, card: dict[str, Any], summary: str) -> None:
    """Replace the card in place when pressed with Action.Execute, else post it."""
    if turn.is_invoke:
        turn.set_invoke_card(card)
    else:
        await turn.send_card(card, summary=summary)


async def _checked(turn: Turn, values: dict[str, str]) -> Template | None:
    """The template the values describe; or the builder back, filled in, saying why not."""
    try:
        return template_from_builder(values)
    except BuilderProblem as problem:
        error = turn.text(f"pulse.builder.problem.{problem.code}", number=problem.number)
        await _reply(
            turn, cards.builder_card(turn.lang, values, error), turn.text("pulse.builder.title")
        )
        return None


@HANDLERS.action(cards.PREVIEW)
async def preview(turn: Turn, data: dict[str, Any]) -> None:
    unit = await _coordinator_unit(turn)
    if unit is None:
        return
    values = builder_values(data)
    template = await _checked(turn, values)
    if template is not None:
        threshold = UnitPulseSettings.of(unit).threshold
        card = cards.preview_card(turn.lang, template, values, threshold)
        await _reply(turn, card, turn.text("pulse.builder.preview_title"))


@HANDLERS.action(cards.EDIT)
async def edit(turn: Turn, data: dict[str, Any]) -> None:
    if await _coordinator_unit(turn) is None:
        return
    card = cards.builder_card(turn.lang, builder_values(data))
    await _reply(turn, card, turn.text("pulse.builder.title"))


@HANDLERS.action(cards.SAVE)
async def save(turn: Turn, data: dict[str, Any]) -> None:
    unit = await _coordinator_unit(turn)
    if unit is None:
        return
    template = await _checked(turn, builder_values(data))
    if template is None:
        return
    await service.save_for_unit(turn.services.db, unit, template, turn.user_id)
    card = cards.saved_card(turn.lang, template, unit.name)
    await _reply(turn, card, turn.text("pulse.builder.saved_title", name=template.key))


__all__ = ["edit", "list_templates", "new_template", "preview", "save"]
