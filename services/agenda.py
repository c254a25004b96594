"""The agenda of a unit's next meeting: proposing, ordering and settling its items.

Every change updates the agenda card already posted in the channel (through the
outbox, services/meetings.py `refresh_posted_agenda`) in the same transaction. A
meeting that is cancelled or over takes no change: `Stale` says so (with the agenda as
it is, for a button that should answer with a card).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from cards.base import Card
from cards.meetings import AgendaNotes
from i18n.texts import t
from services.meetings import agenda_for, meeting_view, refresh_posted_agenda
from storage import agenda_repo, meeting_lookup_repo, meeting_series_repo
from storage.db import Database
from storage.meeting_models import AgendaItem, MeetingOccurrence
from storage.models import Unit


@dataclass(frozen=True)
class Stale:
    """The meeting is cancelled or over: nothing changes."""

    notice: str
    card: Card | None  # the agenda as it is, with the notice (when asked for)


@dataclass(frozen=True)
class Added:
    number: int
    when: str
    text: str


@dataclass(frozen=True)
class StatusChange:
    occurrence: MeetingOccurrence
    text: str = ""  # the item's text
    missing: bool = False  # no such item any more
    stale: Stale | None = None
    already: str | None = None  # handled or removed before: nothing changed


async def card(
    db: Database,
    occ: MeetingOccurrence,
    now: datetime,
    lang: str,
    notes: AgendaNotes = AgendaNotes(),
    *,
    page: int = 1,
) -> tuple[Card, agenda_repo.AgendaView]:
    """The agenda card (carrying forward what earlier meetings left open)."""
    async with db.session() as s:
        return await agenda_for(s, occ, now, lang, notes, page=page)


async def next_meeting(
    db: Database, unit_id: int, now: datetime
) -> tuple[MeetingOccurrence | None, bool]:
    """The unit's next meeting, and whether the unit has a meeting series at all."""
    async with db.session() as s:
        occ = await meeting_lookup_repo.next_meeting(s, unit_id, now)
        has_series = bool(await meeting_series_repo.series_of(s, unit_id))
    return occ, has_series


async def item_ids(db: Database, occ: MeetingOccurrence, now: datetime) -> list[int]:
    """The agenda's item ids in their order (item number n is index n - 1)."""
    async with db.session() as s:
        view = await agenda_repo.prepare_agenda(s, occ, now)
    return [i.id for i in view.agenda.items]


async def stale(
    s: AsyncSession, occ: MeetingOccurrence, now: datetime, lang: str, *, with_card: bool
) -> Stale | None:
    """None while the meeting is ahead or going on; else what to tell."""
    if occ.status != "cancelled" and occ.ends_at > now:
        return None
    when = (await meeting_view(s, occ)).when(lang)
    if occ.status == "cancelled":
        notice = t(lang, "mtg.stale_meeting", when=when, status=t(lang, "mtg.cancelled"))
    else:
        notice = t(lang, "mtg.stale_over", when=when)
    shown = (
        (await agenda_for(s, occ, now, lang, AgendaNotes(notice=notice)))[0] if with_card else None
    )
    return Stale(notice, shown)


async def check_open(
    db: Database, occ: MeetingOccurrence, now: datetime, lang: str, *, with_card: bool
) -> Stale | None:
    async with db.session() as s:
        return await stale(s, occ, now, lang, with_card=with_card)


async def add(
    db: Database,
    occ: MeetingOccurrence,
    text: str,
    *,
    by: str | None,
    by_name: str | None,
    now: datetime,
    lang: str,
) -> Added:
    """Propose an item for the meeting; it is numbered after the items there now."""
    async with db.session() as s:
        view = await agenda_repo.prepare_agenda(s, occ, now)
        row = await agenda_repo.add_item(s, occ, text, by=by, by_name=by_name)
        number = len(view.agenda.items) + 1
        when = (await meeting_view(s, occ, view.series)).when(lang)
        await refresh_posted_agenda(s, occ, now, lang)
    return Added(number, when, row.text)


async def reorder(
    db: Database, occ: MeetingOccurrence, order: list[int], now: datetime, lang: str
) -> None:
    async with db.session() as s:
        await agenda_repo.renumber(s, order)
        await refresh_posted_agenda(s, occ, now, lang)


async def set_status(
    db: Database,
    occ: MeetingOccurrence,
    item_id: int,
    status: str,
    now: datetime,
    lang: str,
    *,
    with_card: bool,
) -> StatusChange:
    """Accept, settle or remove an item of a meeting not yet over."""
    async with db.session() as s:
        item = await s.get(AgendaItem, item_id)
        fresh = await s.get(MeetingOccurrence, occ.id)
        assert fresh is not None
        if item is None:
            return StatusChange(fresh, missing=True)
        told = await stale(s, fresh, now, lang, with_card=with_card)
        if told is not None:
            return StatusChange(fresh, item.text, stale=told)
        if item.status in ("handled", "removed") or item.status == status:
            return StatusChange(fresh, item.text, already=item.status)  # a stale button
        await agenda_repo.set_item_status(s, item_id, status, now)
        await refresh_posted_agenda(s, fresh, now, lang)
    return StatusChange(fresh, item.text)


async def item_with_meeting(
    db: Database, item: AgendaItem
) -> tuple[MeetingOccurrence | None, Unit | None]:
    """The meeting an agenda item belongs to, and its unit."""
    async with db.session() as s:
        occ = await s.get(MeetingOccurrence, item.occurrence_id)
        unit = await s.get(Unit, item.unit_id)
    return occ, unit
