"""`kalender` / `calendar`: a unit's meetings as an .ics file in the personal chat.

    kalender ‹enhet›              the series (the one meeting soonest, if the unit has several)
    kalender ‹enhet› nästa        the next meeting alone
    kalender ‹enhet› 2026-12-03   the meeting that day

The unit is named, the person's only unit, or picked on a choice card (bot/unit_choice.py:
another unit answers like one the person has no part in). Anyone who reaches the unit may
have its calendar: the file holds the series' name, place and times, no people. The file
comes through Teams' file consent card (bot/files.py), so only in the personal chat.
"""

from __future__ import annotations

from bot import files as bot_files
from bot.router import Router
from bot.turn import Turn
from bot.unit_choice import unit_for
from core.files import safe_filename
from core.refusal import Refused
from services import meeting_calendar
from storage.types import utcnow

HANDLERS = Router()

NEXT = {"nästa", "nasta", "next"}


@HANDLERS.command("calendar", aliases=("kalender", "ics"), sv="kalender")
async def calendar_command(turn: Turn, args: str) -> None:
    if turn.kind != "personal":
        raise Refused("files.personal_only")
    chosen = await unit_for(turn, "kalender", args)
    if chosen is None:
        return  # a choice card went out
    unit, rest = chosen
    rest = rest.strip()
    name, data = await meeting_calendar.calendar_file(
        turn.services.db,
        unit,
        utcnow(),
        upcoming=rest.casefold() in NEXT,
        day=rest if rest and rest.casefold() not in NEXT else None,
        lang=turn.lang,
        deployment=turn.services.settings.client_id or "local",
    )
    await bot_files.offer(
        turn, safe_filename(name), data, turn.text("calendar.description", unit=unit.name)
    )
