"""`units` / `enheter`: the chain as a card, with which units have a channel; `language`."""

from __future__ import annotations

from bot.router import Router
from bot.turn import Turn
from cards.base import bullets, card, title
from core.refusal import Refused
from services import people
from services import units as unit_service
from storage.models import Unit

HANDLERS = Router()

EM_SPACE = "\u2003"  # Teams collapses leading spaces; em spaces survive
MAX_LINES = 120  # a county like Skåne has ~100 units; beyond that the card gets too long
LANGUAGE_WORDS = {
    "sv": "sv",
    "svenska": "sv",
    "swedish": "sv",
    "en": "en",
    "english": "en",
    "engelska": "en",
}


@HANDLERS.command("units", aliases=("enheter",), sv="enheter")
async def units_command(turn: Turn, args: str) -> None:
    units, bound = await unit_service.chain(turn.services.db)
    children: dict[int | None, list[Unit]] = {}
    for u in units:
        children.setdefault(u.parent_id, []).append(u)
    lines: list[str] = []

    def walk(parent: int | None, depth: int) -> None:
        for u in sorted(children.get(parent, []), key=lambda x: x.name):
            mark = "✓" if u.id in bound else f"({turn.text('units.no_channel')})"
            lines.append(EM_SPACE * depth + f"{u.name} {mark}")
            walk(u.id, depth + 1)

    walk(None, 0)
    body = [title(turn.text("units.title"))]
    if not lines:
        body.append(bullets([turn.text("welcome.no_units")]))
    else:
        shown = lines[:MAX_LINES]
        body.append({"type": "TextBlock", "text": "\n\n".join(shown), "wrap": True})
        if len(lines) > MAX_LINES:
            body.append(bullets([turn.text("welcome.more", count=len(lines) - MAX_LINES)]))
    await turn.send_card(card(body), summary=turn.text("units.title"))


@HANDLERS.command("language", aliases=("språk", "sprak", "lang"), sv="språk")
async def language_command(turn: Turn, args: str) -> None:
    lang = LANGUAGE_WORDS.get(args.strip().lower()[:10])
    if lang is None or not turn.user_id:
        raise Refused("language.usage")
    await people.set_language(turn.services.db, turn.person_tenant, turn.user_id, lang)
    turn.services.languages.put(turn.user_id, lang)  # this process sees it at once
    turn.lang = lang
    await turn.send_text(turn.text("language.set"))
