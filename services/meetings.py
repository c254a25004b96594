"""Meetings as a service: views for the cards, and the jobs that post them.

Jobs (listed in scheduler/kinds.py):
- `meeting_reminder` (payload `{occurrence_id, lead_days}`): carry forward, take in
  answers, post the agenda card. The first reminder is sent; a later one (1 day
  before) *updates* that card through an outbox update row, so the channel holds one
  current agenda instead of stale copies. Keys: `reminder:{occurrence_id}:{lead}`.
- `meeting_minutes` (end + 1 h): the minutes card, key `minutes:{occurrence_id}`.
- `meeting_sync` (daily): org-file series and the next occurrences of every series, and
  the holiday questions; once that has committed, `calendar_sync` brings the team's
  group calendar in line both ways (scheduler/kinds.py `AFTER_COMMIT`).
Everything but `calendar_sync` runs in the caller's transaction and only writes rows.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, replace
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, func, select

from cards.base import Card, card_message
from cards.meetings import (
    AgendaNotes,
    MeetingView,
    MinutesView,
    SeriesView,
    agenda_card,
    default_standing,
    minutes_card,
)
from clients.graph_calendar import GraphCalendar
from core.agenda import with_indicator_status
from core.dates import HOME_ZONE
from core.recurrence import Recurrence, gives
from core.refusal import Refused
from i18n import format as fmt
from i18n.texts import t
from services import (
    actions,
    meeting_attendance,
    meeting_graph,
    meeting_holidays,
    meeting_indicators,
)
from services.context import JobContext
from storage import (
    agenda_repo,
    channels_repo,
    meeting_lookup_repo,
    meeting_occurrences_repo,
    meeting_series_repo,
    minutes_repo,
    outbox_repo,
    reminder_cards_repo,
)
from storage.db import Database
from storage.meeting_models import MeetingOccurrence, MeetingSeries, ReminderCard
from storage.models import Schedule, Unit

log = logging.getLogger(__name__)


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
    notes: AgendaNotes = AgendaNotes(),
    *,
    page: int = 1,
    indicators: bool = False,
) -> tuple[Card, agenda_repo.AgendaView]:
    """The agenda card; with `indicators` (the reminder card) the indicators standing
    point shows the unit's current indicator status."""
    view = await agenda_repo.prepare_agenda(
        session, occ, now, standing_default=default_standing(lang)
    )
    meeting = await meeting_view(session, occ, view.series)
    today = now.astimezone(ZoneInfo(view.series.timezone)).date()
    agenda = view.agenda
    if indicators and occ.ends_at > now:
        status = await meeting_indicators.status_line(session, occ.unit_id, today, lang)
        agenda = replace(agenda, standing=with_indicator_status(agenda.standing, status))
    card = agenda_card(
        lang, meeting, agenda, notes, interactive=occ.ends_at > now, today=today, page=page
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
    notes = AgendaNotes(headline=headline)
    card, view = await agenda_for(session, occ, now, lang, notes, indicators=True)
    card = await meeting_attendance.shared(session, occ, card, now, lang)
    binding = await channels_repo.active_binding_for_unit(session, occ.unit_id)
    if binding is None:
        log.info("meeting reminder for unit %s: no channel (agenda carried anyway)", occ.unit_id)
        return None
    meeting = await meeting_view(session, occ, view.series)
    summary = t(lang, "mtg.reminder_title", name=meeting.name, when=meeting.when(lang))
    key = reminder_outbox_key(occ.id, lead)
    first = await reminder_cards_repo.first_reminder(session, occ.id)
    # A later reminder replaces the earlier card's content: one current agenda in the channel.
    replaces = first.outbox_key if first is not None and first.outbox_key != key else None
    await outbox_repo.enqueue(
        session,
        key,
        binding.conversation_pk,
        card_message(card, summary),
        operation="update" if replaces else "send",
        updates_key=replaces,
    )
    await reminder_cards_repo.remember_reminder(session, occ.id, lead, key, replaces)
    return key


async def refresh_posted_agenda(
    session: AsyncSession, occ: MeetingOccurrence, now: datetime, lang: str = "sv"
) -> None:
    """After an agenda change, update the reminder card already in the channel (if any)."""
    assert occ.id is not None
    first = await reminder_cards_repo.first_reminder(session, occ.id)
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
    card, view = await agenda_for(session, occ, now, lang, indicators=True)
    card = await meeting_attendance.shared(session, occ, card, now, lang)
    meeting = await meeting_view(session, occ, view.series)
    key = f"agenda:{occ.id}:rev{count}"
    summary = t(lang, "mtg.agenda_title", name=meeting.name)
    await outbox_repo.enqueue(
        session,
        key,
        binding.conversation_pk,
        card_message(card, summary),
        operation="update",
        updates_key=first.outbox_key,
    )
    await reminder_cards_repo.remember_reminder(session, occ.id, 0, key, first.outbox_key)


async def reader_card(
    db: Database,
    occurrence_id: int,
    now: datetime,
    lang: str,
    person: str | None,
    *,
    show_names: bool,
) -> Card:
    """The reminder card as one person sees it (Action.Execute refresh or their answer):
    the agenda with the real distance, their own answer, and who, for a coordinator."""
    async with db.session() as s:
        occ = await s.get(MeetingOccurrence, occurrence_id)
        assert occ is not None
        series = await s.get(MeetingSeries, occ.series_id)
        zone = series.timezone if series is not None else HOME_ZONE
        headline = None
        if occ.status != "cancelled" and occ.ends_at > now:
            headline = reminder_headline(lang, days_until(now, occ.starts_at, zone))
        card, _ = await agenda_for(
            s, occ, now, lang, AgendaNotes(headline=headline), indicators=True
        )
        return await meeting_attendance.personal(
            s, occ, card, now, lang, person, show_names=show_names
        )


async def minutes_view(session: AsyncSession, occ: MeetingOccurrence) -> MinutesView:
    minutes = await minutes_repo.minutes_of(session, occ)
    meeting = await meeting_view(session, occ, minutes.series)
    return MinutesView(
        meeting=meeting,
        decisions=[d.text for d in minutes.decisions],
        actions=[actions.entry(a) for a in minutes.actions],
        lifted=minutes.lifted,
        items=[(i.text, i.status) for i in minutes.items],
        attendance=await meeting_attendance.tally_of(session, occ.id) if occ.id else None,
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
        session, key, binding.conversation_pk, card_message(minutes_card(lang, view), summary)
    )
    return key


# -- the `meeting` command's use cases: series and their occurrences -----------------------


async def sync_unit(db: Database, unit_id: int, now: datetime, lang: str) -> None:
    """Org-file series are brought in the first time anyone asks (and daily after)."""
    async with db.session() as s:
        fresh = await s.get(Unit, unit_id)
        if fresh is not None:
            await meeting_series_repo.sync_unit_from_org(s, fresh, now, lang)
        await meeting_series_repo.ensure_sync_schedule(s)


async def series_of(db: Database, unit_id: int) -> list[MeetingSeries]:
    async with db.session() as s:
        return await meeting_series_repo.series_of(s, unit_id)


async def series_views(db: Database, unit_id: int, now: datetime, lang: str) -> list[SeriesView]:
    """The unit's series, numbered, each with its next three meetings."""
    views: list[SeriesView] = []
    async with db.session() as s:
        for n, series in enumerate(await meeting_series_repo.series_of(s, unit_id), start=1):
            rule = Recurrence.from_dict(series.rule)
            upcoming = [
                o
                for o in await meeting_occurrences_repo.upcoming(
                    s, series, now, include_cancelled=True
                )
                # a meeting cancelled on its own shows as such; an older rule's does not
                if o.status != "cancelled" or gives(rule, series.timezone, o.slot_at)
            ]
            views.append(
                SeriesView(
                    number=n,
                    name=series.name,
                    rule_text=fmt.recurrence(lang, rule),
                    place=series.place,
                    lead_days=list(series.lead_days),
                    upcoming=[await meeting_view(s, o, series) for o in upcoming[:3]],
                )
            )
    return views


@dataclass(frozen=True)
class SeriesPlan:
    """A series as a coordinator wrote it: new, or a change of `existing`."""

    name: str
    rule: Recurrence
    rule_text: str
    place: str | None
    existing: MeetingSeries | None = None


async def save_series(
    db: Database,
    unit: Unit,
    plan: SeriesPlan,
    *,
    actor: str | None,
    zone: str,
    now: datetime,
    lang: str,
) -> tuple[MeetingSeries, MeetingView | None]:
    """Create the series (or change `plan.existing`) and plan it; with its first meeting."""
    assert unit.id is not None
    existing = plan.existing
    async with db.session() as s:
        before = (
            await meeting_occurrences_repo.upcoming(s, existing, now)
            if existing is not None
            else []
        )
        series = await meeting_series_repo.save_series(
            s,
            unit.id,
            name=plan.name,
            rule=plan.rule,
            rule_text=plan.rule_text,
            place=plan.place,
            now=now,
            actor=actor,
            lead_days=existing.lead_days if existing else meeting_occurrences_repo.DEFAULT_LEADS,
            standing=existing.standing
            if existing
            else (unit.defaults or {}).get("agenda", {}).get("standing"),
            timezone=zone,
            lang=lang,
        )
        upcoming = await meeting_occurrences_repo.upcoming(s, series, now)
        first = await meeting_view(s, upcoming[0], series) if upcoming else None
        await _refresh_withdrawn(s, before, now, lang)
    return series, first


async def holiday_note(db: Database, series_id: int, now: datetime, lang: str) -> str | None:
    """What the unit's holiday policy does with the series' meetings in the coming year."""
    async with db.session() as s:
        series = await s.get(MeetingSeries, series_id)
        return await meeting_holidays.year_note(s, series, now, lang) if series else None


async def _refresh_withdrawn(
    session: AsyncSession, before: list[MeetingOccurrence], now: datetime, lang: str
) -> None:
    """A reminder already posted for a meeting the old rule gave now says it is cancelled."""
    for occ in before:
        await session.refresh(occ)
        if occ.status == "cancelled":
            await refresh_posted_agenda(session, occ, now, lang)


async def next_meeting(db: Database, unit_id: int, now: datetime) -> MeetingOccurrence | None:
    async with db.session() as s:
        return await meeting_lookup_repo.next_meeting(s, unit_id, now)


async def meeting_on(
    db: Database, unit_id: int, day: date, now: datetime, lang: str
) -> MeetingOccurrence | None:
    """The unit's meeting on that day, if it has one."""
    async with db.session() as s:
        return await meeting_lookup_repo.occurrence_for_day(s, unit_id, day, now, lang)


async def cancel_meeting(db: Database, occurrence_id: int, now: datetime, lang: str) -> str:
    """Cancel one meeting (and update its posted agenda); returns when it was."""
    async with db.session() as s:
        fresh = await s.get(MeetingOccurrence, occurrence_id)
        assert fresh is not None
        when = (await meeting_view(s, fresh)).when(lang)
        if fresh.status == "cancelled":
            raise Refused("mtg.already_cancelled", when=when)
        if fresh.ends_at <= now:
            raise Refused("mtg.err.past_date")
        await cancel_in(s, fresh, now, lang)
    return when


async def cancel_in(
    session: AsyncSession, occ: MeetingOccurrence, now: datetime, lang: str
) -> None:
    """Cancel one meeting in the caller's transaction: its reminder and minutes schedules
    are withdrawn and a reminder card already posted says it is cancelled (`möte ställ
    in`, and a meeting deleted in Outlook, services/meeting_graph.py)."""
    await meeting_occurrences_repo.cancel_occurrence(session, occ, now)
    await refresh_posted_agenda(session, occ, now, lang)


async def move_meeting(
    db: Database,
    occurrence_id: int,
    day: date,
    start: time | None,
    end: time | None,
    now: datetime,
    lang: str,
) -> str:
    """Move one meeting to another day and time; returns when it is now."""
    async with db.session() as s:
        fresh = await s.get(MeetingOccurrence, occurrence_id)
        assert fresh is not None
        series = await s.get(MeetingSeries, fresh.series_id)
        assert series is not None
        if fresh.status == "cancelled" or fresh.ends_at <= now:
            when = (await meeting_view(s, fresh, series)).when(lang)
            status = t(lang, "mtg.cancelled" if fresh.status == "cancelled" else "mtg.over")
            raise Refused("mtg.stale_meeting", when=when, status=status)
        await meeting_occurrences_repo.move_occurrence(s, series, fresh, day, start, end, now, lang)
        when = (await meeting_view(s, fresh, series)).when(lang)
        await refresh_posted_agenda(s, fresh, now, lang)
    return when


async def end_series(db: Database, series_id: int, now: datetime, lang: str = "sv") -> None:
    """End the series: every future meeting and reminder of it is withdrawn."""
    async with db.session() as s:
        fresh = await s.get(MeetingSeries, series_id)
        assert fresh is not None
        before = await meeting_occurrences_repo.upcoming(s, fresh, now)
        await meeting_series_repo.end_series(s, fresh, now)
        await _refresh_withdrawn(s, before, now, lang)


# -- jobs ----------------------------------------------------------------------------------


async def _occurrence(session: AsyncSession, schedule: Schedule) -> MeetingOccurrence | None:
    occ_id = schedule.payload.get("occurrence_id")
    return await session.get(MeetingOccurrence, int(occ_id)) if occ_id is not None else None


async def _keep_planning(session: AsyncSession, occ: MeetingOccurrence, now: datetime) -> None:
    series = await session.get(MeetingSeries, occ.series_id)
    if series is not None and series.active:
        await meeting_occurrences_repo.plan_series(session, series, now)


async def meeting_reminder(
    session: AsyncSession, schedule: Schedule, occurrence_at: datetime, context: JobContext
) -> None:
    """The occurrence is the clock: a reminder fired for 13:00 carries forward as of 13:00."""
    lead = int(schedule.payload.get("lead_days") or 0)

    async def send(occ: MeetingOccurrence, lang: str) -> None:
        await send_reminder(session, occ, lead, occurrence_at, lang)

    await _occurrence_job(session, schedule, occurrence_at, send)


async def meeting_minutes(
    session: AsyncSession, schedule: Schedule, occurrence_at: datetime, context: JobContext
) -> None:
    async def send(occ: MeetingOccurrence, lang: str) -> None:
        await send_minutes(session, occ, occurrence_at, lang)

    await _occurrence_job(session, schedule, occurrence_at, send)


async def _occurrence_job(
    session: AsyncSession,
    schedule: Schedule,
    occurrence_at: datetime,
    send: Callable[[MeetingOccurrence, str], Awaitable[None]],
) -> None:
    """A job about one occurrence: `send` it (in the schedule's language) unless the
    occurrence is gone, then keep its series planned ahead."""
    occ = await _occurrence(session, schedule)
    if occ is None:
        return
    await send(occ, str(schedule.payload.get("lang") or "sv"))
    await _keep_planning(session, occ, occurrence_at)


async def meeting_sync(
    session: AsyncSession, schedule: Schedule, occurrence_at: datetime, context: JobContext
) -> None:
    count = await meeting_series_repo.sync_all(session, occurrence_at)
    # The holiday questions come with the daily sync, ASK_AHEAD before each meeting.
    await meeting_holidays.ask_pending(
        session, occurrence_at, context.language, own_tenant=context.own_tenant
    )
    log.info("meeting sync: %d series planned", count)


async def calendar_sync(
    db: Database, schedule: Schedule, occurrence_at: datetime, context: JobContext
) -> None:
    """After the daily sync has committed: the team's group calendar, both ways, with no
    transaction open while Graph answers (services/meeting_graph.py)."""
    if context.graph is not None:
        calendar = GraphCalendar(context.graph)
        await meeting_graph.sync_calendars(db, calendar, occurrence_at, context.language)
