"""A unit's meeting series: saved from a command or the org file, ended, and re-planned.

Invariant: `meetings:sync` (daily) materializes the next occurrences of every series, so
the chain never depends on one reminder having fired.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from core.personnummer import IdentityNumberRefused, contains_identity_number
from core.recurrence import Recurrence, RuleError, parse_rule
from storage import schedules_repo
from storage.meeting_holidays_repo import plan_holidays
from storage.meeting_input import MeetingError
from storage.meeting_models import MeetingSeries
from storage.meeting_occurrences_repo import DEFAULT_LEADS, cancel_occurrence, plan_series, upcoming
from storage.models import Unit
from storage.rows import all_of, one_of
from storage.types import utcnow
from storage.upsert import insert_missing

SYNC_KIND = "meeting_sync"
SYNC_KEY = "meetings:sync"
SYNC_TRIGGER: dict[str, Any] = {"hour": "3", "minute": "17"}


async def series_of(session: AsyncSession, unit_id: int) -> list[MeetingSeries]:
    return await all_of(
        session,
        select(MeetingSeries)
        .where(col(MeetingSeries.unit_id) == unit_id, col(MeetingSeries.active).is_(True))
        .order_by(col(MeetingSeries.id)),
    )


async def series_named(session: AsyncSession, unit_id: int, name: str) -> MeetingSeries | None:
    """The unit's series called `name` (unique per unit), or None."""
    return await one_of(
        session,
        select(MeetingSeries).where(
            col(MeetingSeries.unit_id) == unit_id, col(MeetingSeries.name) == name
        ),
    )


async def save_series(
    session: AsyncSession,
    unit_id: int,
    *,
    name: str,
    rule: Recurrence,
    rule_text: str,
    place: str | None,
    now: datetime,
    source: str = "command",
    actor: str | None = None,
    lead_days: Sequence[int] = DEFAULT_LEADS,
    standing: Sequence[str] | None = None,
    timezone: str = schedules_repo.DEFAULT_TIMEZONE,
    lang: str = "sv",
) -> MeetingSeries:
    """Create the series `name` of the unit, or change it; then re-plan its occurrences."""
    if rule.start is None:
        raise MeetingError("no_time")
    if contains_identity_number(name, rule_text, place, *(standing or ())):
        raise IdentityNumberRefused
    try:
        # A rule stored before RRULEs has no first meeting yet: it starts from today.
        rule = rule.anchored(now.astimezone(ZoneInfo(timezone)).date())
    except RuleError as exc:
        raise MeetingError(exc.code) from exc
    existing = await series_named(session, unit_id, name)
    desired: dict[str, Any] = {
        "rule": rule.to_dict(),
        "rrule": rule.ical(timezone),
        "rule_text": rule_text,
        "place": place,
        "lead_days": sorted({int(d) for d in lead_days if int(d) > 0}, reverse=True),
        "standing": list(standing) if standing is not None else None,
        "timezone": timezone,
        "source": source,
        "active": True,
    }
    if existing is None:
        # Insert first: a command and the org sync may create the same series at once.
        await insert_missing(
            session,
            MeetingSeries,
            {
                "unit_id": unit_id,
                "name": name,
                "created_by": actor,
                **desired,
                "created_at": utcnow(),
                "updated_at": utcnow(),
            },
            ["unit_id", "name"],
        )
        existing = (
            await session.execute(
                select(MeetingSeries).where(
                    col(MeetingSeries.unit_id) == unit_id, col(MeetingSeries.name) == name
                )
            )
        ).scalar_one()
    revived = not existing.active
    if any(getattr(existing, k) != v for k, v in desired.items()):
        for k, v in desired.items():
            setattr(existing, k, v)
        existing.updated_at = now
        await session.flush()
    if revived:
        # A series made again under an ended one's name starts afresh: the meetings its
        # end withdrew come back where the rule (and the holiday policy) gives them.
        for occ in await upcoming(session, existing, now, include_cancelled=True):
            if occ.status == "cancelled" and occ.holiday_action != "skip":
                occ.status = "moved" if occ.starts_at != occ.slot_at else "scheduled"
                occ.updated_at = now
        await session.flush()
    await plan_series(session, existing, now, lang=lang)
    await plan_holidays(session, existing, now, lang=lang)
    return existing


async def end_series(session: AsyncSession, series: MeetingSeries, now: datetime) -> None:
    series.active = False
    series.updated_at = now
    for occ in await upcoming(session, series, now):
        await cancel_occurrence(session, occ, now)


async def sync_unit_from_org(
    session: AsyncSession, unit: Unit, now: datetime, lang: str = "sv"
) -> list[str]:
    """Make the unit's `org` series match `defaults.meetings`; returns problems found
    (a rule the bot cannot read is reported, never guessed)."""
    assert unit.id is not None
    defaults: Mapping[str, Any] = unit.defaults or {}
    wanted = defaults.get("meetings") or []
    unit_standing = (defaults.get("agenda") or {}).get("standing")
    problems: list[str] = []
    names: set[str] = set()
    zone = ZoneInfo(schedules_repo.DEFAULT_TIMEZONE)
    for i, spec in enumerate(wanted if isinstance(wanted, list) else []):
        if not isinstance(spec, Mapping) or not spec.get("rule"):
            problems.append(f"meetings[{i}]: needs a rule")
            continue
        name = str(spec.get("name") or "Samverkansmöte")[:120]
        try:
            rule = parse_rule(str(spec["rule"]), now.astimezone(zone).date())
        except RuleError as exc:
            problems.append(f"meetings[{i}].rule: {exc}")
            continue
        current = await series_named(session, unit.id, name)
        if current is not None and current.source != "org":
            names.add(name)
            continue  # a coordinator changed it in Teams: their word stands
        if current is not None and current.rule_text == str(spec["rule"]) and current.active:
            # Same rule text: keep the stored rule (its "every other" phase).
            rule = Recurrence.from_dict(current.rule)
        if rule.start is None:
            problems.append(f"meetings[{i}].rule: no_time")
            continue
        leads = spec.get("lead_days") or spec.get("reminders_days") or DEFAULT_LEADS
        standing = spec.get("standing") or unit_standing
        await save_series(
            session,
            unit.id,
            name=name,
            rule=rule,
            rule_text=str(spec["rule"]),
            place=str(spec["place"]) if spec.get("place") else None,
            now=now,
            source="org",
            lead_days=[int(d) for d in leads] if isinstance(leads, list | tuple) else DEFAULT_LEADS,
            standing=[str(s) for s in standing] if isinstance(standing, list) else None,
            lang=lang,
        )
        names.add(name)
    for series in await series_of(session, unit.id):
        if series.source == "org" and series.name not in names:
            await end_series(session, series, now)
    return problems


async def sync_all(session: AsyncSession, now: datetime, lang: str = "sv") -> int:
    """Every live unit's org series, and the next occurrences of every series."""
    units = (
        (await session.execute(select(Unit).where(col(Unit.archived_at).is_(None)))).scalars().all()
    )
    for unit in units:
        await sync_unit_from_org(session, unit, now, lang)
    rows = (
        (await session.execute(select(MeetingSeries).where(col(MeetingSeries.active).is_(True))))
        .scalars()
        .all()
    )
    for series in rows:
        await plan_series(session, series, now, lang=lang)
        await plan_holidays(session, series, now, lang=lang)
    return len(rows)


async def ensure_sync_schedule(session: AsyncSession) -> None:
    await schedules_repo.upsert_schedule(
        session, SYNC_KEY, SYNC_KIND, None, SYNC_TRIGGER, {}, 86400
    )
