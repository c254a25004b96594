"""`units` / `enheter`: the chain as a card, with which units have a channel."""

from __future__ import annotations

from sqlmodel import col, select

from bot.router import Router
from bot.turn import Turn
from cards.base import bullets, card, title
from storage.models import ChannelBinding, Unit

HANDLERS = Router()

EM_SPACE = "\u2003"  # Teams collapses leading spaces; em spaces survive
MAX_LINES = 120  # a county like Skåne has ~100 units; beyond that the card gets too long


@HANDLERS.command("units", aliases=("enheter",), sv="enheter")
async def units_command(turn: Turn, args: str) -> None:
    async with turn.services.db.session() as s:
        units = (
            (await s.execute(select(Unit).where(col(Unit.archived_at).is_(None)))).scalars().all()
        )
        bound = set(
            (
                await s.execute(
                    select(col(ChannelBinding.unit_id)).where(col(ChannelBinding.active).is_(True))
                )
            )
            .scalars()
            .all()
        )
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
    from storage import channels_repo

    choice = args.strip().lower()[:10]
    lang = {
        "sv": "sv",
        "svenska": "sv",
        "swedish": "sv",
        "en": "en",
        "english": "en",
        "engelska": "en",
    }.get(choice)
    if lang is None or not turn.user_id:
        await turn.send_text(turn.text("language.usage"))
        return
    async with turn.services.db.session() as s:
        await channels_repo.remember_person(s, turn.person_tenant, turn.user_id, language=lang)
    turn.services.languages.put(turn.user_id, lang)  # this process sees it at once
    turn.lang = lang
    await turn.send_text(turn.text("language.set"))
