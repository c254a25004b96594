"""Who is coming to a meeting, as use cases: record an answer, and the reminder card as
everyone sees it in the channel (counts) or as one person sees it (their own answer;
the coordinator also who). The tally is core/attendance.py, the card part
cards/meeting_attendance.py; the answers are in `meeting_attendance`, one row per person."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from cards.base import Card
from cards.meeting_attendance import with_attendance
from core.attendance import Answer, Tally, own_answer, tally
from services.meeting_graph import join_url
from storage.db import Database
from storage.meeting_models import Attendance, MeetingOccurrence, MeetingSeries
from storage.types import utcnow
from storage.upsert import insert_missing


async def rows(session: AsyncSession, occurrence_id: int) -> list[Attendance]:
    result = await session.execute(
        select(Attendance)
        .where(col(Attendance.occurrence_id) == occurrence_id)
        .order_by(col(Attendance.updated_at), col(Attendance.id))
    )
    return list(result.scalars().all())


def _answers(found: list[Attendance]) -> list[Answer]:
    return [Answer(r.person_key, r.name, r.coming) for r in found]


async def tally_of(session: AsyncSession, occurrence_id: int) -> Tally:
    return tally(_answers(await rows(session, occurrence_id)))


async def record(
    db: Database,
    occ: MeetingOccurrence,
    person: str,
    name: str,
    mri: str | None,
    coming: bool,
) -> None:
    """The person's answer (a later answer replaces the earlier)."""
    assert occ.id is not None
    now = utcnow()
    async with db.session() as s:
        values = {"occurrence_id": occ.id, "unit_id": occ.unit_id, "person_key": person,
                  "name": name[:200], "mri": mri, "coming": coming, "updated_at": now}  # fmt: skip
        if not await insert_missing(s, Attendance, values, ["occurrence_id", "person_key"]):
            row = (
                await s.execute(
                    select(Attendance).where(
                        col(Attendance.occurrence_id) == occ.id,
                        col(Attendance.person_key) == person,
                    )
                )
            ).scalar_one()
            row.coming, row.name, row.mri, row.updated_at = coming, name[:200], mri, now


async def _join(session: AsyncSession, occ: MeetingOccurrence) -> str | None:
    series = await session.get(MeetingSeries, occ.series_id)
    return join_url(series) if series is not None else None


async def shared(
    session: AsyncSession, occ: MeetingOccurrence, card: Card, now: datetime, lang: str
) -> Card:
    """The card as posted in the channel: the counts, the buttons, the refresh action."""
    assert occ.id is not None
    found = await rows(session, occ.id)
    users = [r.mri for r in found if r.mri]
    return with_attendance(
        lang, card, occ.id, tally(_answers(found)), refresh_users=users,
        open_=occ.status != "cancelled" and occ.ends_at > now,
        join_url=await _join(session, occ),
    )  # fmt: skip


async def personal(
    session: AsyncSession,
    occ: MeetingOccurrence,
    card: Card,
    now: datetime,
    lang: str,
    person: str | None,
    *,
    show_names: bool,
) -> Card:
    """One reader's view: their own answer; the names only when `show_names`."""
    assert occ.id is not None
    found = await rows(session, occ.id)
    answers = _answers(found)
    return with_attendance(
        lang, card, occ.id, tally(answers), mine=own_answer(answers, person),
        show_names=show_names, refresh_users=[r.mri for r in found if r.mri],
        open_=occ.status != "cancelled" and occ.ends_at > now,
        join_url=await _join(session, occ),
    )  # fmt: skip
