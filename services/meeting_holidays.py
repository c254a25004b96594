"""Meetings on Swedish days off, as use cases: ask the coordinator (policy `ask`), take
the answer, and say what the policy did with a new series' holidays.

The rules are core/meeting_holidays.py; the placement of occurrences and reminders is
storage/meeting_occurrences_repo.py (`materialize`, `reminder_at`) and
storage/meeting_holidays_repo.py (`plan_holidays`). The question is a card in the
unit's channel (outbox key `holiday_ask:{occurrence_id}`, once per meeting,
ASK_AHEAD before it, mentioning the coordinators: the record), and the same card in the
personal chat of each coordinator the bot reaches personally (services/personal.py,
subject `holiday_ask:{occurrence_id}`, once per person). A coordinator answers with its
buttons in either place; every copy is then replaced by the answer. The reply that
creates a series lists the year's collisions.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import or_
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from cards.base import Card, card_message
from cards.meeting_holidays import HolidayQuestion, holiday_card, holiday_name
from core import meeting_holidays as rules
from core.refusal import Refused
from i18n import format as fmt
from i18n.texts import t
from services import alert_nudges, alerts, escalation, mentions, personal
from services.people import language_of
from storage import channels_repo, meeting_holidays_repo, outbox_repo
from storage.db import Database
from storage.meeting_models import MeetingOccurrence, MeetingSeries
from storage.models import OutboxMessage

# The question comes this long before the meeting (the daily sync asks as they come
# near): a coordinator answers about next month, not about next year's midsommar.
ASK_AHEAD = timedelta(days=28)


def ask_key(occurrence_id: int) -> str:
    return f"holiday_ask:{occurrence_id}"


async def _question(
    session: AsyncSession, occ: MeetingOccurrence, lang: str
) -> tuple[HolidayQuestion, MeetingSeries]:
    series = await session.get(MeetingSeries, occ.series_id)
    assert series is not None and occ.id is not None and occ.holiday is not None
    zone = ZoneInfo(series.timezone)
    slot_day = occ.slot_at.astimezone(zone).date()
    question = HolidayQuestion(
        occurrence_id=occ.id,
        name=series.name,
        when=fmt.when(
            lang, occ.slot_at, series.timezone, occ.slot_at + (occ.ends_at - occ.starts_at)
        ),
        holiday=occ.holiday,
        next_day=rules.next_working_day(slot_day),
    )
    return question, series


async def ask_pending(
    session: AsyncSession,
    now: datetime,
    lang: str = "sv",
    *,
    unit_id: int | None = None,
    own_tenant: str | None = None,
) -> int:
    """Post the question for every meeting within ASK_AHEAD waiting for its coordinator's
    answer (idempotent: one card per meeting in the channel, one per coordinator in their
    personal chat). `own_tenant` None: anonymous local mode. Returns how many channel
    cards were queued now."""
    query = select(MeetingOccurrence).where(
        col(MeetingOccurrence.holiday_action) == "ask",
        col(MeetingOccurrence.status) != "cancelled",
        col(MeetingOccurrence.starts_at) > now,
        col(MeetingOccurrence.starts_at) <= now + ASK_AHEAD,
    )
    if unit_id is not None:
        query = query.where(col(MeetingOccurrence.unit_id) == unit_id)
    queued = 0
    for occ in (await session.execute(query)).scalars().all():
        assert occ.id is not None
        card, summary = await _asking(session, occ, lang)
        coordinators = await mentions.coordinators(session, occ.unit_id)
        posted = mentions.add_line(card, t(lang, "mention.coordinators"), coordinators)
        if await outbox_repo.enqueue_to_unit(
            session, occ.unit_id, ask_key(occ.id), card_message(posted, summary)
        ):
            queued += 1
        await _ask_personally(session, occ, lang, own_tenant)
    return queued


async def _asking(session: AsyncSession, occ: MeetingOccurrence, lang: str) -> tuple[Card, str]:
    """The question card in `lang`, and its summary."""
    question, _ = await _question(session, occ, lang)
    summary = t(lang, "hol.ask_title", name=question.name, when=question.when,
                holiday=holiday_name(lang, question.holiday))  # fmt: skip
    return holiday_card(lang, question), summary


async def _ask_personally(
    session: AsyncSession,
    occ: MeetingOccurrence,
    lang: str,
    own_tenant: str | None,
) -> None:
    """The question in the personal chat of each coordinator reached personally, in
    their language (`lang` for those who chose none)."""
    idents = await escalation.coordinators_of(session, occ.unit_id)
    known = await alerts.people_by_ident(session, idents)
    assert occ.id is not None
    activities: dict[str, dict[str, Any]] = {}
    messages: dict[tuple[str, str], personal.Message] = {}
    for ident in idents:
        p = known.get(ident) or known.get(ident.lower())
        if p is None or not alert_nudges.personally_reachable(p, own_tenant):
            continue
        reader = language_of(p, lang)
        if reader not in activities:
            activities[reader] = card_message(*await _asking(session, occ, reader))
        messages[(p.tenant_id, p.aad_object_id)] = personal.Message(
            p.tenant_id, p.aad_object_id, ask_key(occ.id), None, activities[reader], occ.unit_id,
            reader,
        )  # fmt: skip
    if messages:
        await personal.send_many(session, list(messages.values()))


async def _replace_copies(
    session: AsyncSession,
    occurrence_id: int,
    lang: str,
    answered: Callable[[str], Awaitable[Card]],
) -> None:
    """Every copy of the question (channel, personal chats) replaced by the answer: a
    personal copy in its reader's language, the channel's in `lang` (the answerer's)."""
    key = ask_key(occurrence_id)
    rows = (
        (
            await session.execute(
                select(OutboxMessage).where(
                    col(OutboxMessage.operation) == "send",
                    or_(
                        col(OutboxMessage.idempotency_key) == key,
                        col(OutboxMessage.idempotency_key).like(f"personal:%:once:{key}"),
                    ),
                )
            )
        )
        .scalars()
        .all()
    )
    readers = {r.id: personal.recipient_of(r.idempotency_key) for r in rows}
    people = await channels_repo.get_people(session, [who for who in readers.values() if who])
    activities: dict[str, dict[str, Any]] = {}
    for row in rows:
        who = readers[row.id]
        reader = language_of(people.get((who[0].lower(), who[1])) if who else None, lang)
        if reader not in activities:
            activities[reader] = card_message(await answered(reader), t(reader, "hol.keep"))
        await outbox_repo.enqueue(
            session,
            f"{row.idempotency_key}:answered"[:300],
            row.conversation_pk,
            activities[reader],
            operation="update",
            updates_key=row.idempotency_key,
        )


async def answer(
    db: Database, occurrence_id: int, choice: str, who: str, now: datetime, lang: str
) -> Card:
    """A coordinator's answer; returns the card that replaces the question."""
    if choice not in rules.CHOICES:
        raise Refused("error.bad_action")
    async with db.session() as s:
        occ = await s.get(MeetingOccurrence, occurrence_id)
        if occ is None or occ.holiday is None:
            raise Refused("error.bad_action")
        question, series = await _question(s, occ, lang)
        if occ.holiday_action != "ask" or occ.ends_at <= now:
            when = fmt.when(lang, occ.starts_at, series.timezone, occ.ends_at)
            return holiday_card(lang, question, done=t(lang, "hol.already", when=when))
        await meeting_holidays_repo.answer_holiday(s, occ, choice, now, lang)
        holiday = occ.holiday

        async def answered(reader: str) -> Card:
            asked, _ = await _question(s, occ, reader)
            when = fmt.when(reader, occ.starts_at, series.timezone, occ.ends_at)
            done = t(reader, f"hol.done_{choice}", who=who, when=when,
                     holiday=holiday_name(reader, holiday))  # fmt: skip
            return holiday_card(reader, asked, done=done)

        await _replace_copies(s, occurrence_id, lang, answered)
        return await answered(lang)


async def year_note(
    session: AsyncSession, series: MeetingSeries, now: datetime, lang: str
) -> str | None:
    """What the policy did with the series' meetings on days off in the coming year."""
    zone = ZoneInfo(series.timezone)
    rows = await session.execute(
        select(MeetingOccurrence)
        .where(
            col(MeetingOccurrence.series_id) == series.id,
            col(MeetingOccurrence.holiday).is_not(None),
            col(MeetingOccurrence.slot_at) > now,
            col(MeetingOccurrence.slot_at) <= now + meeting_holidays_repo.HOLIDAY_HORIZON,
        )
        .order_by(col(MeetingOccurrence.slot_at))
    )
    lines = []
    for occ in rows.scalars().all():
        assert occ.holiday is not None and occ.holiday_action is not None
        lines.append(
            t(
                lang,
                f"hol.line_{occ.holiday_action}",
                day=fmt.weekday_date(lang, occ.slot_at.astimezone(zone).date()),
                holiday=holiday_name(lang, occ.holiday),
                moved=fmt.weekday_date(lang, occ.starts_at.astimezone(zone).date()),
            )
        )
    return t(lang, "hol.note", list="; ".join(lines)) if lines else None
