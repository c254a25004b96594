"""Decisions of a unit's meeting: recorded in the minutes, on an agenda item or lifting an
item (ärende) to the next level, in one transaction with the escalation."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from core import escalation as esc
from core.refusal import Refused
from i18n.texts import t
from services import escalation, items
from services.meetings import meeting_view
from storage import (
    agenda_repo,
    decisions_repo,
    items_repo,
    meeting_lookup_repo,
    meeting_series_repo,
)
from storage.db import Database
from storage.meeting_models import MeetingOccurrence


@dataclass(frozen=True)
class Recorded:
    text: str
    when: str


async def meeting_for(
    db: Database, unit_id: int, now: datetime
) -> tuple[MeetingOccurrence | None, bool]:
    """The meeting going on or the latest held; before the first one, the next one. And
    whether the unit has a meeting series at all."""
    async with db.session() as s:
        occ = await meeting_lookup_repo.current_or_latest(s, unit_id, now)
        if occ is None:
            occ = await meeting_lookup_repo.next_meeting(s, unit_id, now)
        has_series = bool(await meeting_series_repo.series_of(s, unit_id))
    return occ, has_series


async def record(
    db: Database,
    occ: MeetingOccurrence,
    text: str,
    *,
    by: str | None,
    agenda_item_id: int | None,
    now: datetime,
    lang: str,
) -> Recorded:
    async with db.session() as s:
        row = await decisions_repo.add_decision(s, occ, text, by=by, agenda_item_id=agenda_item_id)
        if agenda_item_id is not None:
            # A decided item is dealt with: it does not carry forward.
            await agenda_repo.set_item_status(s, agenda_item_id, "handled", now)
        when = (await meeting_view(s, occ)).when(lang)
    return Recorded(row.text, when)


async def lift(
    db: Database,
    occ: MeetingOccurrence,
    item_id: int,
    reason: str,
    *,
    actor: str | None,
    by: str | None,
    now: datetime,
    lang: str,
) -> items.Lifted:
    """The meeting decides to lift the item: the escalation and the decision land together.

    At the top of the chain nothing is lifted (the item is flagged, as `escalate` does) and
    no decision is recorded. An item closed (or changed) meanwhile is refused.
    """
    try:
        async with db.session() as s:
            result = await escalation.escalate_item(
                s, item_id, actor, reason or None, now, lang=lang
            )
            if not result.at_top:
                text = f"{t(lang, 'mtg.lift_decision')}: #{item_id}" + (
                    f" – {reason}" if reason else ""
                )
                await decisions_repo.add_decision(s, occ, text, by=by, lifted_item_id=item_id)
            return await items.lifted(s, result)
    except items_repo.ItemNotFound:
        raise Refused("item.not_found", id=item_id) from None
    except (esc.TransitionError, items_repo.StaleItem):
        fresh = await items.get(db, item_id)
        status = t(lang, f"item.status.{fresh.status}").lower() if fresh else "?"
        raise Refused("item.closed", id=item_id, status=status) from None
