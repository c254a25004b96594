"""Agenda items of a meeting: added, reordered, marked, and the agenda prepared (what
earlier meetings left open carried forward, answers from other levels taken in). The
rules are core.agenda's; this module loads the rows and applies what it decided."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, fields
from datetime import datetime
from typing import TYPE_CHECKING, Any, TypeVar
from zoneinfo import ZoneInfo

from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from core import agenda as core_agenda
from storage.actions_repo import open_actions
from storage.meeting_input import MAX_TEXT, guard
from storage.meeting_lookup_repo import occurrences_of_unit
from storage.meeting_models import ActionItem, AgendaItem, MeetingOccurrence, MeetingSeries
from storage.rows import added, all_of
from storage.types import utcnow

if TYPE_CHECKING:
    from _typeshed import DataclassInstance

_C = TypeVar("_C", bound="DataclassInstance")


def _entry(row: AgendaItem) -> core_agenda.AgendaEntry:
    return _core(core_agenda.AgendaEntry, row, proposed_by=row.proposed_by_name)


def _action_entry(row: ActionItem) -> core_agenda.ActionEntry:
    return _core(core_agenda.ActionEntry, row)


def _ref(occ: MeetingOccurrence) -> core_agenda.OccurrenceRef:
    return _core(core_agenda.OccurrenceRef, occ)


def _core(cls: type[_C], row: AgendaItem | ActionItem | MeetingOccurrence, **given: Any) -> _C:
    """The core.agenda value `cls` of a saved row: each of its fields from the row's
    column of the same name, unless `given`."""
    assert row.id is not None
    names = [f.name for f in fields(cls) if f.name not in given]
    return cls(**{n: getattr(row, n) for n in names}, **given)


async def _series_items(session: AsyncSession, series_id: int) -> list[AgendaItem]:
    return await all_of(
        session,
        select(AgendaItem)
        .join(MeetingOccurrence, col(MeetingOccurrence.id) == col(AgendaItem.occurrence_id))
        .where(col(MeetingOccurrence.series_id) == series_id),
    )


async def items_of(session: AsyncSession, occurrence_id: int) -> list[AgendaItem]:
    return await all_of(
        session,
        select(AgendaItem)
        .where(col(AgendaItem.occurrence_id) == occurrence_id)
        .order_by(col(AgendaItem.position), col(AgendaItem.id)),
    )


@dataclass
class AgendaView:
    occurrence: MeetingOccurrence
    series: MeetingSeries
    agenda: core_agenda.Agenda
    carried: int  # items copied in by this call


async def prepare_agenda(
    session: AsyncSession,
    occ: MeetingOccurrence,
    now: datetime,
    *,
    standing_default: Sequence[str] = (),
) -> AgendaView:
    """The agenda of `occ`, after carrying forward what earlier meetings left open and
    taking in answers that came back from other levels (only for a meeting not yet over:
    a past meeting's agenda is history)."""
    assert occ.id is not None
    series = await session.get(MeetingSeries, occ.series_id)
    assert series is not None
    carried = 0
    if occ.ends_at > now and occ.status != "cancelled":
        carried = await _carry_forward(session, series, occ, now)
        await _take_answers(session, occ, now)
    items = await items_of(session, occ.id)
    actions = await open_actions(session, occ.unit_id)
    meeting_day = occ.starts_at.astimezone(ZoneInfo(series.timezone)).date()
    agenda = core_agenda.assemble(
        occ.id,
        meeting_day,
        series.standing if series.standing is not None else list(standing_default),
        [_entry(i) for i in items],
        [_action_entry(a) for a in actions],
    )
    return AgendaView(occ, series, agenda, carried)


async def _carry_forward(
    session: AsyncSession, series: MeetingSeries, occ: MeetingOccurrence, now: datetime
) -> int:
    assert series.id is not None
    earlier = (
        (
            await session.execute(
                select(MeetingOccurrence).where(
                    col(MeetingOccurrence.series_id) == series.id,
                    col(MeetingOccurrence.starts_at) < occ.starts_at,
                )
            )
        )
        .scalars()
        .all()
    )
    refs = [_ref(o) for o in earlier]
    items = await _series_items(session, series.id)
    by_id = {i.id: i for i in items}
    copies = core_agenda.carry_forward(_ref(occ), refs, [_entry(i) for i in items], now)
    for c in copies:
        source = by_id[c.carried_from]
        session.add(
            AgendaItem(
                occurrence_id=c.occurrence_id,
                unit_id=occ.unit_id,
                position=c.position,
                text=c.text,
                status=c.status,
                carried_from=c.carried_from,
                source=c.source,
                item_id=source.item_id,
                proposed_by=source.proposed_by,
                proposed_by_name=source.proposed_by_name,
            )
        )
    actions = await open_actions(session, occ.unit_id)
    unit_refs = [
        _ref(o)
        for o in await occurrences_of_unit(session, occ.unit_id, end=occ.starts_at)
        if o.id != occ.id
    ]
    to_move = core_agenda.actions_to_move(
        _ref(occ), unit_refs, [_action_entry(a) for a in actions], now
    )
    if to_move:
        await session.execute(
            update(ActionItem).where(col(ActionItem.id).in_(to_move)).values(occurrence_id=occ.id)
        )
    await session.flush()
    return len(copies)


async def _take_answers(session: AsyncSession, occ: MeetingOccurrence, now: datetime) -> None:
    """Items that came back with an answer go on the origin unit's next agenda (issue 7)."""
    try:
        from storage import items_repo
    except ImportError:  # the escalation module is not there: nothing comes back
        return
    answered = await items_repo.agenda_items(session, occ.unit_id)
    if not answered:
        return
    position = max((i.position for i in await items_of(session, occ.id or 0)), default=0)
    for item in answered:
        position += 1
        answer = f": {item.answer}" if item.answer else ""
        assert occ.id is not None
        session.add(
            AgendaItem(
                occurrence_id=occ.id,
                unit_id=occ.unit_id,
                position=position,
                text=f"#{item.id} {item.title}{answer}"[:MAX_TEXT],
                source="answer",
                item_id=item.id,
            )
        )
    await items_repo.mark_on_agenda(session, [i.id for i in answered if i.id is not None])
    await session.flush()


async def add_item(
    session: AsyncSession,
    occ: MeetingOccurrence,
    text: str,
    *,
    by: str | None,
    by_name: str | None,
) -> AgendaItem:
    text = guard(text)
    assert occ.id is not None
    position = max((i.position for i in await items_of(session, occ.id or 0)), default=0) + 1
    row = AgendaItem(
        occurrence_id=occ.id,
        unit_id=occ.unit_id,
        position=position,
        text=text,
        proposed_by=by,
        proposed_by_name=by_name,
    )
    return await added(session, row)


async def renumber(session: AsyncSession, order: Iterable[int]) -> None:
    for position, item_id in enumerate(order, start=1):
        await session.execute(
            update(AgendaItem)
            .where(col(AgendaItem.id) == item_id)
            .values(position=position, updated_at=utcnow())
        )


async def set_item_status(
    session: AsyncSession, item_id: int, status: str, now: datetime
) -> AgendaItem | None:
    row = await session.get(AgendaItem, item_id)
    if row is None:
        return None
    row.status = status
    row.updated_at = now
    await session.flush()
    return row
