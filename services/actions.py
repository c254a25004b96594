"""Action items (åtgärder) of a unit's meetings: recorded with an owner and a due date,
listed while open, closed by their owner or a coordinator."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy.ext.asyncio import AsyncSession

from core.action_values import NewAction
from core.agenda import ActionEntry
from i18n import format as fmt
from i18n.texts import t
from services.people import language_of
from services.personal import send_personal
from storage import actions_repo, channels_repo, meeting_lookup_repo
from storage.db import Database
from storage.meeting_models import ActionItem, MeetingOccurrence
from storage.models import Unit


def entry(a: ActionItem) -> ActionEntry:
    return ActionEntry(a.id or 0, a.text, a.owner_name, a.due, a.status, a.occurrence_id)


async def meetings_for(
    db: Database, unit_id: int, now: datetime
) -> tuple[MeetingOccurrence | None, MeetingOccurrence | None]:
    """(the meeting that follows it up, the meeting it is recorded at): the next meeting,
    and the one going on or latest held (else the next)."""
    async with db.session() as s:
        follow_up = await meeting_lookup_repo.next_meeting(s, unit_id, now)
        recorded_at = await meeting_lookup_repo.current_or_latest(s, unit_id, now) or follow_up
    return follow_up, recorded_at


async def add(
    db: Database,
    unit: Unit,
    new: NewAction,
    *,
    today: date,
    by: str | None,
    tenant_id: str,
    lang: str,
) -> ActionItem:
    """Record the action item; its owner (when not the one writing) also gets a note in
    their personal chat with the bot, through the outbox in the same transaction."""
    assert unit.id is not None
    async with db.session() as s:
        row = await actions_repo.add_action(s, unit.id, new, today=today, by=by)
        if row.owner_aad_id and row.owner_aad_id != by:
            await _tell_owner(s, unit, row, tenant_id, lang)
    return row


async def _tell_owner(
    s: AsyncSession, unit: Unit, row: ActionItem, tenant_id: str, fallback_lang: str
) -> None:
    """A personal message to the new owner (services/personal.py: their chat, one the bot
    opens, or their coordinators told they cannot be reached)."""
    assert row.owner_aad_id is not None
    person = await channels_repo.get_person(s, tenant_id, row.owner_aad_id)
    lang = language_of(person, fallback_lang)
    note = t(lang, "mtg.action_owner_note", unit=unit.name, text=row.text,
             due=fmt.day_month(lang, row.due), id=row.id)  # fmt: skip
    await send_personal(
        s,
        tenant_id,
        row.owner_aad_id,
        subject=f"action:{row.id}:owner",
        day=None,
        activity={"type": "message", "text": note, "textFormat": "markdown"},
        unit_id=unit.id,
        lang=lang,
    )


async def open_entries(db: Database, unit_id: int) -> list[ActionEntry]:
    async with db.session() as s:
        return [entry(a) for a in await actions_repo.open_actions(s, unit_id)]


async def unit_of(db: Database, row: ActionItem) -> Unit | None:
    async with db.session() as s:
        return await s.get(Unit, row.unit_id)


async def close(db: Database, action_id: int, by: str | None, now: datetime) -> bool:
    """Mark it done; False when it was done already (a stale button, a double `done`)."""
    async with db.session() as s:
        fresh = await s.get(ActionItem, action_id)
        assert fresh is not None
        return await actions_repo.close_action(s, fresh, by, now)
