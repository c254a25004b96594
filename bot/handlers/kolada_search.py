"""`indikator sök ‹ord›` / `indicator search ‹words›`: Kolada's KPI catalogue from Teams.

Public data (Kolada's open catalogue), so anyone may search; the answer is the KPI ids to
put as `kolada_kpi` in the indicator file, with their titles and operating areas.
"""

from __future__ import annotations

from bot.router import Router
from bot.turn import Turn
from cards.base import bullets, card, plain, text, title
from clients.kolada import KoladaClient, KoladaError
from core.refusal import Refused
from services import kolada as kolada_service

HANDLERS = Router()
SEARCH_WORDS = ("sök", "sok", "search")
LIMIT = 15


@HANDLERS.command("indicator", aliases=("indikator",), sv="indikator")
async def indicator_command(turn: Turn, args: str) -> None:
    head, _, words = args.strip().partition(" ")
    words = " ".join(words.split())[:100]
    if head.lower() not in SEARCH_WORDS or len(words) < 2:
        raise Refused("kolada.usage")
    client = KoladaClient(turn.services.settings.kolada_base_url, timeout=15)
    try:
        found = await kolada_service.search(client, words, limit=LIMIT)
    except KoladaError as exc:
        raise Refused("kolada.unreachable") from exc
    heading = turn.text("kolada.search_title", words=plain(words))
    if not found:
        await turn.send_text(turn.text("kolada.none", words=plain(words)))
        return
    lines = [
        f"**{k.id}** {plain(k.title)}"
        + (f" ({plain(k.operating_area)})" if k.operating_area else "")
        for k in found
    ]
    body = [title(heading), bullets(lines), text(turn.text("kolada.search_hint"), subtle=True)]
    await turn.send_card(card(body), summary=heading)
