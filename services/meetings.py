"""Meetings as a service: views for the cards, and the jobs that post them.

Jobs (listed in scheduler/kinds.py):
- `meeting_reminder` (payload `{occurrence_id, lead_days}`): carry forward, take in
  answers, post the agenda card. The first reminder is sent; a later one (1 day
  before) *updates* that card through an outbox update row, so the channel holds one
  current agenda instead of stale copies. Keys: `reminder:{occurrence_id}:{lead}`.
- `meeting_minutes` (end + 1 h): the minutes card, key `minutes:{occurrence_id}`.
- `meeting_sync` (daily): org-file series and the next occurrences of every series.
Everything runs in the caller's transaction and only writes rows.
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, func, select

from cards.base import CARD_CONTENT_TYPE, Card
from cards.meetings import (
    MeetingView,
    MinutesView,
    agenda_card,
    default_standing,
    minutes_card,
)
from core.agenda import ActionEntry
from core.dates import HOME_ZONE
from i18n import format as fmt
from i18n.texts import t
from services.context import JobContext
from storage import channels_repo, meetings_repo, outbox_repo
from storage.meeting_models import MeetingOccurrence, MeetingSeries, ReminderCard
from storage.models import Schedule, Unit

log = logging.getLogger(__name__)


def card_activity(card: Card, summary: str) -> dict[str, Any]:
    return {
        "type": "message",
        "summary": summary,
        "attachments": [{"contentType": CARD_CONTENT_TYPE, "content": card}],
    }


async def meeting_view(
    session: AsyncSession, occ: MeetingOccurrence, series: MeetingSeries | None = None
) -> MeetingView:
    series = series or await session.get(MeetingSeries, occ.series_id)
    unit = await session.get(Unit, occ.unit_id)
    assert series is not None and occ.id is not None
    return MeetingView(
        occurrence_id=occ.id,
        unit=unit.name if unit else "",
        name=series.name,
        starts_at=occ.starts_at,
        ends_at=occ.ends_at,
        place=occ.place,
        status=occ.status,
        zone=series.timezone,
    )


async def agenda_for(
    session: AsyncSession,
    occ: MeetingOccurrence,
    now: datetime,
    lang: str,
    *,
    headline: str | None = None,
    notice: str | None = None,
    confirmation: str | None = None,
    page: int = 1,
) -> tuple[Card, meetings_repo.AgendaView]:
    view = await meetings_repo.prepare_agenda(
        session, occ, now, standing_default=default_standing(lang)
    )
    meeting = await meeting_view(session, occ, view.series)
    today = now.astimezone(ZoneInfo(view.series.timezone)).date()
    card = agenda_card(
        lang,
        meeting,
        view.agenda,
        headline=headline,
        notice=notice,
        confirmation=confirmation,
        interactive=occ.ends_at > now,
        today=today,
        page=page,
    )
    return card, view


def days_until(now: datetime, starts_at: datetime, zone: str) -> int:
    """Calendar days from `now` to the meeting, counted on the local wall calendar: a
    reminder at 17:00 for a meeting at 09:00 the next morning is "tomorrow"."""
    tz = ZoneInfo(zone)
    return (starts_at.astimezone(tz).date() - now.astimezone(tz).date()).days


def reminder_headline(lang: str, days: int) -> str:
    """The real distance to the meeting, whatever lead the reminder was planned with."""
    if days <= 0:
        return t(lang, "mtg.reminder_today")
    if days == 1:
        return t(lang, "mtg.reminder_tomorrow")
    return t(lang, "mtg.reminder_in", days=fmt.number(lang, days))


def reminder_outbox_key(occurrence_id: int, lead: int) -> str:
    return f"reminder:{occurrence_id}:{lead}"


async def send_reminder(
    session: AsyncSession, occ: MeetingOccurrence, lead: int, now: datetime, lang: str = "sv"
) -> str | None:
    """The reminder for `lead` days before; returns the outbox key written, if any."""
    assert occ.id is not None
    if occ.status == "cancelled" or occ.ends_at <= now:
        return None  # fired late, after the meeting: nothing to remind of
    series = await session.get(MeetingSeries, occ.series_id)
    zone = series.timezone if series is not None else HOME_ZONE
    headline = reminder_headline(lang, days_until(now, occ.starts_at, zone))
    card, view = await agenda_for(session, occ, now, lang, headline=headline)
    binding = await channels_repo.active_binding_for_unit(session, occ.unit_id)
    if binding is None:
        log.info("meeting reminder for unit %s: no channel (agenda carried anyway)", occ.unit_id)
        return None
    meeting = await meeting_view(session, occ, view.series)
    summary = t(lang, "mtg.reminder_title", name=meeting.name, when=meeting.when(lang))
    key = reminder_outbox_key(occ.id, lead)
    first = await meetings_repo.first_reminder(session, occ.id)
    if first is not None and first.outbox_key != key:
        # Replace the earlier card's content: one current agenda in the channel.
        await outbox_repo.enqueue(
            session,
            key,
            binding.conversation_pk,
            card_activity(card, summary),
            operation="update",
            updates_key=first.outbox_key,
        )
        await meetings_repo.remember_reminder(session, occ.id, lead, key, first.outbox_key)
    else:
        await outbox_repo.enqueue(
            session, key, binding.conversation_pk, card_activity(card, summary)
        )
        await meetings_repo.remember_reminder(session, occ.id, lead, key, None)
    return key


async def refresh_posted_agenda(
    session: AsyncSession, occ: MeetingOccurrence, now: datetime, lang: str = "sv"
) -> None:
    """After an agenda change, update the reminder card already in the channel (if any)."""
    assert occ.id is not None
    first = await meetings_repo.first_reminder(session, occ.id)
    binding = await channels_repo.active_binding_for_unit(session, occ.unit_id)
    if first is None or binding is None:
        return
    count = (
        await session.execute(
            select(func.count(col(ReminderCard.id))).where(
                col(ReminderCard.occurrence_id) == occ.id
            )
        )
    ).scalar_one()
    card, view = await agenda_for(session, occ, now, lang)
    meeting = await meeting_view(session, occ, view.series)
    key = f"agenda:{occ.id}:rev{count}"
    summary = t(lang, "mtg.agenda_title", name=meeting.name)
    await outbox_repo.enqueue(
        session,
        key,
        binding.conversation_pk,
        card_activity(card, summary),
        operation="update",
        updates_key=first.outbox_key,
    )
    await meetings_repo.remember_reminder(session, occ.id, 0, key, first.outbox_key)


async def minutes_view(session: AsyncSession, occ: MeetingOccurrence) -> MinutesView:
    minutes = await meetings_repo.minutes_of(session, occ)
    meeting = await meeting_view(session, occ, minutes.series)
    return MinutesView(
        meeting=meeting,
        decisions=[d.text for d in minutes.decisions],
        actions=[
            ActionEntry(a.id or 0, a.text, a.owner_name, a.due, a.status, a.occurrence_id)
            for a in minutes.actions
        ],
        lifted=minutes.lifted,
        items=[(i.text, i.status) for i in minutes.items],
    )


async def send_minutes(
    session: AsyncSession, occ: MeetingOccurrence, now: datetime, lang: str = "sv"
) -> str | None:
    assert occ.id is not None
    if occ.status == "cancelled":
        return None
    view = await minutes_view(session, occ)
    occ.minutes_sent_at = now
    binding = await channels_repo.active_binding_for_unit(session, occ.unit_id)
    if binding is None:
        return None
    key = f"minutes:{occ.id}"
    summary = t(lang, "mtg.minutes_title", name=view.meeting.name)
    await outbox_repo.enqueue(
        session, key, binding.conversation_pk, card_activity(minutes_card(lang, view), summary)
    )
    return key


async def _occurrence(session: AsyncSession, schedule: Schedule) -> MeetingOccurrence | None:
    occ_id = schedule.payload.get("occurrence_id")
    return await session.get(MeetingOccurrence, int(occ_id)) if occ_id is not None else None


async def _keep_planning(session: AsyncSession, occ: MeetingOccurrence, now: datetime) -> None:
    series = await session.get(MeetingSeries, occ.series_id)
    if series is not None and series.active:
        await meetings_repo.plan_series(session, series, now)


async def meeting_reminder(
    session: AsyncSession, schedule: Schedule, occurrence_at: datetime, context: JobContext
) -> None:
    """The occurrence is the clock: a reminder fired for 13:00 carries forward as of 13:00."""
    occ = await _occurrence(session, schedule)
    if occ is None:
        return
    lead = int(schedule.payload.get("lead_days") or 0)
    await send_reminder(
        session, occ, lead, occurrence_at, str(schedule.payload.get("lang") or "sv")
    )
    await _keep_planning(session, occ, occurrence_at)


async def meeting_minutes(
    session: AsyncSession, schedule: Schedule, occurrence_at: datetime, context: JobContext
) -> None:
    occ = await _occurrence(session, schedule)
    if occ is None:
        return
    await send_minutes(session, occ, occurrence_at, str(schedule.payload.get("lang") or "sv"))
    await _keep_planning(session, occ, occurrence_at)


async def meeting_sync(
    session: AsyncSession, schedule: Schedule, occurrence_at: datetime, context: JobContext
) -> None:
    count = await meetings_repo.sync_all(session, occurrence_at)
    log.info("meeting sync: %d series planned", count)
