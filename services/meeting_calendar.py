"""Meetings as .ics files: a series (with its skipped and moved meetings) or one meeting,
as `(filename, bytes)` for the CLI (`samverkan meetings ics`) and for a file sent in a
personal chat (the file-consent delivery is its own primitive: hand it these bytes).

The mapping is core/invitations.py. `deployment` keeps UIDs unique across Samverkan
installations (the bot's app id where there is one), and stable within one: the same
meeting always exports with the same UID, so a second import updates it.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import datetime, time
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from core import invitations
from core.dates import parse_date
from core.recurrence import Recurrence, gives, meeting_instants
from core.refusal import Refused
from i18n import format as fmt
from i18n.texts import t
from storage import meeting_lookup_repo, meeting_occurrences_repo, meeting_series_repo
from storage.db import Database
from storage.meeting_models import MeetingOccurrence, MeetingSeries
from storage.models import Unit

ICS_TYPE = "text/calendar"


def _uid(kind: str, row_id: int, deployment: str) -> str:
    safe = re.sub(r"[^A-Za-z0-9.-]", "", deployment)[:64] or "local"
    return f"{kind}-{row_id}.{safe}@samverkan"


def filename(name: str, day: datetime | None, zone: str) -> str:
    """`samverkansmote-2026-12-01.ics`: ASCII, no path characters."""
    plain = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", plain.casefold()).strip("-")[:60] or "meeting"
    when = f"-{day.astimezone(ZoneInfo(zone)):%Y-%m-%d}" if day is not None else ""
    return f"{slug}{when}.ics"


async def _description(session: AsyncSession, series: MeetingSeries, lang: str) -> str:
    unit = await session.get(Unit, series.unit_id)
    rule = fmt.recurrence(lang, Recurrence.from_dict(series.rule))
    return t(lang, "ics.description", unit=unit.name if unit else "", rule=rule)


async def series_ics(
    db: Database, series_id: int, now: datetime, lang: str = "sv", deployment: str = "local"
) -> tuple[str, bytes] | None:
    """The whole series as one recurring event; None if there is no such series."""
    async with db.session() as s:
        series = await s.get(MeetingSeries, series_id)
        if series is None:
            return None
        rule = Recurrence.from_dict(series.rule).anchored(
            now.astimezone(ZoneInfo(series.timezone)).date()
        )
        assert rule.anchor is not None
        first_start, first_end = meeting_instants(rule, series.timezone, rule.anchor)
        rows = await s.execute(
            select(MeetingOccurrence)
            .where(
                col(MeetingOccurrence.series_id) == series.id,
                col(MeetingOccurrence.status) != "scheduled",
            )
            .order_by(col(MeetingOccurrence.slot_at))
        )
        exceptions = [
            invitations.Occurrence(
                slot_at=o.slot_at,
                starts_at=o.starts_at,
                ends_at=o.ends_at,
                status=o.status,
                place=o.place,
                updated_at=o.updated_at,
            )
            for o in rows.scalars().all()
            # an older rule's meetings are not this rule's exceptions
            if gives(rule, series.timezone, o.slot_at)
        ]
        until = None
        if rule.until is not None:
            until = datetime.combine(rule.until, time(23, 59, 59), ZoneInfo(series.timezone))
        meeting = invitations.Meeting(
            uid=_uid("series", series_id, deployment),
            summary=series.name,
            description=await _description(s, series, lang),
            zone=series.timezone,
            first_start=first_start,
            first_end=first_end,
            rrule=rule.rrule,
            until_utc=until,
            place=series.place,
            status="scheduled" if series.active else "cancelled",
            updated_at=series.updated_at,
            exceptions=exceptions,
        )
    return filename(series.name, None, series.timezone), invitations.calendar(meeting, now)


async def occurrence_ics(
    db: Database, occurrence_id: int, now: datetime, lang: str = "sv", deployment: str = "local"
) -> tuple[str, bytes] | None:
    """One meeting as its own event; None if there is no such meeting."""
    async with db.session() as s:
        occ = await s.get(MeetingOccurrence, occurrence_id)
        series = await s.get(MeetingSeries, occ.series_id) if occ is not None else None
        if occ is None or series is None:
            return None
        meeting = invitations.Meeting(
            uid=_uid("meeting", occurrence_id, deployment),
            summary=series.name,
            description=await _description(s, series, lang),
            zone=series.timezone,
            first_start=occ.starts_at,
            first_end=occ.ends_at,
            rrule=None,
            place=occ.place,
            status=occ.status,
            updated_at=occ.updated_at,
        )
    name = filename(series.name, occ.starts_at, series.timezone)
    return name, invitations.calendar(meeting, now)


async def calendar_file(
    db: Database,
    unit: Unit,
    now: datetime,
    *,
    number: int | None = None,
    day: str | None = None,
    upcoming: bool = False,
    lang: str = "sv",
    deployment: str = "local",
) -> tuple[str, bytes]:
    """The .ics file a person asks for: the unit's series (`number` as `möte` lists them;
    without one, the only series, or with several the one whose next meeting comes first),
    or one meeting of it (`day`, or the next with `upcoming`). What the CLI and the
    `kalender` command both call; refusals name what to ask instead."""
    assert unit.id is not None
    async with db.session() as s:
        series = await meeting_series_repo.series_of(s, unit.id)
        if not series:
            raise Refused("calendar.no_series", unit=unit.name)
        if number is not None and not 1 <= number <= len(series):
            raise Refused("calendar.no_such_series", number=number, count=len(series))
        nexts = {
            x.id: next(iter(await meeting_occurrences_repo.upcoming(s, x, now)), None)
            for x in series
        }
        if number is not None:
            chosen = series[number - 1]
        else:  # the series meeting soonest (one without meetings ahead last)
            far = datetime.max.replace(tzinfo=now.tzinfo)
            chosen = min(series, key=lambda x: o.starts_at if (o := nexts[x.id]) else far)
        assert chosen.id is not None
        occurrence_id: int | None = None
        if upcoming:
            occ = nexts[chosen.id]
            if occ is None:
                raise Refused("calendar.none_ahead", series=chosen.name)
            occurrence_id = occ.id
        elif day is not None:
            today = now.astimezone(ZoneInfo(chosen.timezone)).date()
            wanted = parse_date(day, today)
            if wanted is None:
                raise Refused("calendar.bad_date", text=day[:40])
            occ = await meeting_lookup_repo.occurrence_for_day(s, unit.id, wanted, now)
            if occ is None or occ.series_id != chosen.id:
                raise Refused(
                    "calendar.no_meeting_that_day",
                    series=chosen.name,
                    day=fmt.weekday_date(lang, wanted),
                )
            occurrence_id = occ.id
    if occurrence_id is not None:
        found = await occurrence_ics(db, occurrence_id, now, lang, deployment)
    else:
        found = await series_ics(db, chosen.id, now, lang, deployment)
    assert found is not None
    return found
