"""What the meeting families' handlers share (bot/handlers/meetings.py, agenda.py,
decisions.py, actions.py, minutes.py): the channel's unit, the day a person names, the
meeting a date means, and the agenda card as a reply."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from bot.turn import Turn
from cards.meetings import AgendaNotes
from core.dates import parse_date
from core.refusal import Refused
from i18n import format as fmt
from services import agenda
from services import meetings as service
from storage.meeting_models import MeetingOccurrence
from storage.models import Unit
from storage.types import utcnow

NEXT_WORDS = ("nästa", "nasta", "next")


def actor(turn: Turn) -> str | None:
    return turn.user_name or turn.user_id


def zone(turn: Turn) -> str:
    return turn.services.settings.timezone


def today(turn: Turn, now: datetime) -> date:
    return now.astimezone(ZoneInfo(zone(turn))).date()


def int_value(value: Any) -> int | None:
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, str) and value.isdigit():
        return int(value)
    return None


async def channel_unit(turn: Turn) -> Unit:
    """The unit this channel serves; refused where there is none."""
    unit = await turn.channel_unit()
    if unit is None or unit.id is None:
        raise Refused("mtg.unbound")
    return unit


async def sync_unit(turn: Turn, unit: Unit) -> None:
    """Org-file series are brought in the first time anyone asks (and daily after)."""
    assert unit.id is not None
    await service.sync_unit(turn.services.db, unit.id, utcnow(), turn.lang)
    turn.services.notify_changes()


def named_day(turn: Turn, text: str) -> date | None:
    """The day a person wrote; None for none or "next"; refused when it is no date."""
    if not text or text.casefold() in NEXT_WORDS:
        return None
    day = parse_date(text, today(turn, utcnow()))
    if day is None:
        raise Refused("mtg.err.bad_date", text=text[:60])
    return day


async def meeting_from(turn: Turn, unit: Unit, text: str) -> MeetingOccurrence:
    """The meeting named by a date (or the next one); refused when there is none."""
    assert unit.id is not None
    now = utcnow()
    day = named_day(turn, text)
    if day is None:
        occ = await service.next_meeting(turn.services.db, unit.id, now)
        if occ is None:
            raise Refused("mtg.no_next", unit=unit.name)
        return occ
    occ = await service.meeting_on(turn.services.db, unit.id, day, now, turn.lang)
    if occ is None:
        when = fmt.weekday_date(turn.lang, day)
        raise Refused("mtg.no_meeting_on", unit=unit.name, day=when)
    return occ


async def send_agenda(
    turn: Turn,
    occ: MeetingOccurrence,
    notice: str | None = None,
    page: int = 1,
    *,
    done: str | None = None,
) -> None:
    notes = AgendaNotes(notice=notice, confirmation=done)
    card, view = await agenda.card(turn.services.db, occ, utcnow(), turn.lang, notes, page=page)
    await turn.send_card(card, summary=turn.text("mtg.agenda_title", name=view.series.name))


async def tell_stale(turn: Turn, stale: agenda.Stale) -> None:
    """A meeting cancelled or over: the agenda card as it is on a button, else the text."""
    if turn.is_invoke and stale.card is not None:
        turn.set_invoke_card(stale.card)
    else:
        await turn.send_text(stale.notice)
