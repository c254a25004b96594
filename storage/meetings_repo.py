"""Meeting series, occurrences, agendas, decisions and action items.

Every function runs in the caller's session (one transaction). The rules (agenda
assembly, carry-forward, ordering, recurrences) are core's; this module loads rows,
applies what core decided and keeps the schedule rows in step:

- each upcoming occurrence has one-shot schedules `meeting_reminder:{occ}:{lead}` (local
  wall-clock time of the meeting, `lead` days before) and `meeting_minutes:{occ}` (end +
  1 h); a move rewrites them, a cancellation deactivates them;
- `meetings:sync` (daily) materializes the next occurrences of every series, so the
  chain never depends on one reminder having fired.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, fields
from datetime import date, datetime, time, timedelta
from typing import TYPE_CHECKING, Any, TypeVar
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from core import agenda as core_agenda
from core import meeting_holidays as holidays
from core.personnummer import IdentityNumberRefused, contains_identity_number
from core.recurrence import (
    Recurrence,
    RuleError,
    days_between,
    gives,
    meeting_instants,
    occurrences_after,
    parse_rule,
)
from core.refusal import Refused
from storage import schedules_repo
from storage.meeting_models import (
    ActionItem,
    AgendaItem,
    Decision,
    MeetingOccurrence,
    MeetingSeries,
    ReminderCard,
)
from storage.models import Unit
from storage.rows import added, all_of, first_of, one_of
from storage.types import utcnow
from storage.upsert import insert_missing

if TYPE_CHECKING:
    from _typeshed import DataclassInstance

_C = TypeVar("_C", bound="DataclassInstance")

REMINDER_KIND = "meeting_reminder"
MINUTES_KIND = "meeting_minutes"
SYNC_KIND = "meeting_sync"
SYNC_KEY = "meetings:sync"
SYNC_TRIGGER: dict[str, Any] = {"hour": "3", "minute": "17"}
UPCOMING = 2  # occurrences kept materialized ahead, per series
MAX_TEXT = 500
DEFAULT_LEADS = (7, 1)
MINUTES_AFTER = timedelta(hours=1)
HOLIDAY_HORIZON = timedelta(days=366)  # how far ahead a new series' holidays are caught


class MeetingError(Refused, ValueError):
    """Refused input; `code` picks the message (`mtg.err.<code>`), `values` fill it."""

    def __init__(self, code: str, **values: object) -> None:
        super().__init__(f"mtg.err.{code}", **values)
        self.code = code


def guard(text: str, limit: int = MAX_TEXT) -> str:
    text = " ".join(text.split())
    if not text:
        raise MeetingError("empty")
    if len(text) > limit:
        raise MeetingError("too_long", length=len(text), limit=limit)
    if contains_identity_number(text):
        raise IdentityNumberRefused
    return text


# -- series ------------------------------------------------------------------------------


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


# -- occurrences -------------------------------------------------------------------------


async def plan_series(
    session: AsyncSession, series: MeetingSeries, now: datetime, *, lang: str = "sv"
) -> list[MeetingOccurrence]:
    """Materialize the next occurrences (and their schedules). Future occurrences the
    rule no longer gives (the rule changed) are cancelled; their agenda carries on."""
    assert series.id is not None
    rule = Recurrence.from_dict(series.rule)
    slots = occurrences_after(rule, series.timezone, now, UPCOMING)
    existing = {o.slot_at: o for o in await upcoming(session, series, now, include_cancelled=True)}
    out: list[MeetingOccurrence] = []
    policy = await holiday_policy(session, series)
    for start, end in slots:
        occ = existing.pop(start, None)
        if occ is None:
            occ = await _materialize(session, series, start, end, policy)
        elif occ.status == "scheduled" and (occ.ends_at != end or occ.place != series.place):
            occ.ends_at, occ.place, occ.updated_at = end, series.place, now
        if occ.status != "cancelled":
            await schedule_occurrence(session, series, occ, now, lang=lang)
        out.append(occ)
    for occ in existing.values():
        # A meeting of an older rule (the series was changed) is withdrawn with its
        # reminders, however far ahead it lies (moved ones too: their slot is the old rule's).
        if occ.status != "cancelled" and not gives(rule, series.timezone, occ.slot_at):
            await cancel_occurrence(session, occ, now)
    await session.flush()
    return out


async def upcoming(
    session: AsyncSession,
    series: MeetingSeries,
    now: datetime,
    *,
    include_cancelled: bool = False,
) -> list[MeetingOccurrence]:
    query = select(MeetingOccurrence).where(
        col(MeetingOccurrence.series_id) == series.id, col(MeetingOccurrence.starts_at) > now
    )
    if not include_cancelled:
        query = query.where(col(MeetingOccurrence.status) != "cancelled")
    rows = await session.execute(query.order_by(col(MeetingOccurrence.starts_at)))
    return list(rows.scalars().all())


def _one_shot(instant: datetime, zone: str) -> dict[str, Any]:
    local = instant.astimezone(ZoneInfo(zone))
    return {
        "year": local.year,
        "month": local.month,
        "day": local.day,
        "hour": local.hour,
        "minute": local.minute,
    }


def reminder_at(occ: MeetingOccurrence, lead: int, zone: str) -> datetime:
    """The meeting's local wall-clock time, `lead` days earlier (DST-safe), and earlier
    still while that day is a holiday or a day off (core.meeting_holidays.reminder_day)."""
    from core.recurrence import local_instant

    local = occ.starts_at.astimezone(ZoneInfo(zone))
    return local_instant(holidays.reminder_day(local.date(), lead), local.time(), zone)


def reminder_key(occurrence_id: int, lead: int) -> str:
    return f"{REMINDER_KIND}:{occurrence_id}:{lead}"


def minutes_key(occurrence_id: int) -> str:
    return f"{MINUTES_KIND}:{occurrence_id}"


async def schedule_occurrence(
    session: AsyncSession,
    series: MeetingSeries,
    occ: MeetingOccurrence,
    now: datetime,
    *,
    lang: str = "sv",
) -> None:
    """The occurrence's reminder and minutes schedules (one-shot, local time)."""
    assert occ.id is not None
    for lead in series.lead_days or DEFAULT_LEADS:
        at = reminder_at(occ, int(lead), series.timezone)
        key = reminder_key(occ.id, int(lead))
        if at <= now:
            await schedules_repo.deactivate_schedule(session, key)
            continue  # too late for this one; a nearer lead still reminds
        await schedules_repo.upsert_schedule(
            session,
            key,
            REMINDER_KIND,
            occ.unit_id,
            _one_shot(at, series.timezone),
            {"occurrence_id": occ.id, "lead_days": int(lead), "lang": lang},
            12 * 3600,
            timezone=series.timezone,
        )
    unit = await session.get(Unit, occ.unit_id)
    after = holidays.minutes_delay(unit.defaults if unit is not None else None)
    await schedules_repo.upsert_schedule(
        session,
        minutes_key(occ.id),
        MINUTES_KIND,
        occ.unit_id,
        _one_shot(occ.ends_at + after, series.timezone),
        {"occurrence_id": occ.id, "lang": lang},
        24 * 3600,
        timezone=series.timezone,
    )


async def cancel_occurrence(session: AsyncSession, occ: MeetingOccurrence, now: datetime) -> None:
    assert occ.id is not None
    occ.status = "cancelled"
    occ.updated_at = now
    for row in await schedules_repo.list_schedules(session):
        if row.key.startswith(f"{REMINDER_KIND}:{occ.id}:") or row.key == minutes_key(occ.id):
            await schedules_repo.deactivate_schedule(session, row.key)
    await session.flush()


async def move_occurrence(
    session: AsyncSession,
    series: MeetingSeries,
    occ: MeetingOccurrence,
    day: date,
    start: time | None,
    end: time | None,
    now: datetime,
    lang: str = "sv",
) -> None:
    from core.recurrence import local_instant

    zone = ZoneInfo(series.timezone)
    old_start = occ.starts_at.astimezone(zone)
    old_end = occ.ends_at.astimezone(zone)
    start = start or old_start.time()
    if end is None:
        end = (datetime.combine(day, start) + (old_end - old_start)).time()
    new_start = local_instant(day, start, series.timezone)
    if new_start <= now:
        raise MeetingError("past_date")
    occ.starts_at = new_start
    occ.ends_at = local_instant(day, end, series.timezone)
    if occ.ends_at <= occ.starts_at:
        raise MeetingError("bad_time")
    occ.status = "moved"
    occ.updated_at = now
    await session.flush()
    await schedule_occurrence(session, series, occ, now, lang=lang)


async def occurrences_of_unit(
    session: AsyncSession,
    unit_id: int,
    *,
    start: datetime | None = None,
    end: datetime | None = None,
    include_cancelled: bool = True,
) -> list[MeetingOccurrence]:
    query = select(MeetingOccurrence).where(col(MeetingOccurrence.unit_id) == unit_id)
    if start is not None:
        query = query.where(col(MeetingOccurrence.starts_at) >= start)
    if end is not None:
        query = query.where(col(MeetingOccurrence.starts_at) < end)
    if not include_cancelled:
        query = query.where(col(MeetingOccurrence.status) != "cancelled")
    rows = await session.execute(query.order_by(col(MeetingOccurrence.starts_at)))
    return list(rows.scalars().all())


async def next_meeting(
    session: AsyncSession, unit_id: int, now: datetime
) -> MeetingOccurrence | None:
    """The meeting not yet over (the one going on, else the next), cancelled ones skipped."""
    return await _first_held(
        session,
        unit_id,
        col(MeetingOccurrence.ends_at) > now,
        col(MeetingOccurrence.starts_at),
    )


async def current_or_latest(
    session: AsyncSession, unit_id: int, now: datetime
) -> MeetingOccurrence | None:
    """Where a decision goes: the meeting going on (or about to start), else the latest held."""
    return await _first_held(
        session,
        unit_id,
        col(MeetingOccurrence.starts_at) <= now + timedelta(minutes=30),
        col(MeetingOccurrence.starts_at).desc(),
    )


async def _first_held(
    session: AsyncSession,
    unit_id: int,
    when: ColumnElement[bool],
    order: Any,
) -> MeetingOccurrence | None:
    """The unit's first meeting not cancelled that matches `when`, in `order`."""
    return await first_of(
        session,
        select(MeetingOccurrence)
        .where(
            col(MeetingOccurrence.unit_id) == unit_id,
            col(MeetingOccurrence.status) != "cancelled",
            when,
        )
        .order_by(order)
        .limit(1),
    )


async def minutes_default(
    session: AsyncSession, unit_id: int, now: datetime
) -> MeetingOccurrence | None:
    """The meeting `minutes` shows when no date is given: the latest held, or a later one
    that already has records (before the first meeting, decisions go to the next one)."""
    held = await current_or_latest(session, unit_id, now)
    recorded = (
        select(col(Decision.occurrence_id))
        .where(col(Decision.unit_id) == unit_id)
        .union(
            select(col(ActionItem.recorded_at_occurrence_id)).where(
                col(ActionItem.unit_id) == unit_id,
                col(ActionItem.recorded_at_occurrence_id).is_not(None),
            )
        )
    )
    rows = await session.execute(
        select(MeetingOccurrence)
        .where(
            col(MeetingOccurrence.id).in_(recorded),
            col(MeetingOccurrence.status) != "cancelled",
        )
        .order_by(col(MeetingOccurrence.starts_at).desc())
        .limit(1)
    )
    latest_recorded = rows.scalars().first()
    if latest_recorded is not None and (held is None or latest_recorded.starts_at > held.starts_at):
        return latest_recorded
    return held


async def meeting_on(
    session: AsyncSession, unit_id: int, day: date, zone: str
) -> MeetingOccurrence | None:
    tz = ZoneInfo(zone)
    start = datetime.combine(day, time(0), tz)
    rows = await occurrences_of_unit(
        session, unit_id, start=start, end=start + timedelta(days=1), include_cancelled=True
    )
    live = [o for o in rows if o.status != "cancelled"]
    found = live or rows
    return found[0] if found else None


async def occurrence_for_day(
    session: AsyncSession, unit_id: int, day: date, now: datetime, lang: str = "sv"
) -> MeetingOccurrence | None:
    """The unit's meeting on `day`, materializing it if the rule gives one (a date further
    ahead than the planning window can be cancelled or moved too)."""
    found = await meeting_on(session, unit_id, day, schedules_repo.DEFAULT_TIMEZONE)
    if found is not None:
        return found
    for series in await series_of(session, unit_id):
        assert series.id is not None
        rule = Recurrence.from_dict(series.rule)
        zone = ZoneInfo(series.timezone)
        for start, end in occurrences_after(rule, series.timezone, now, 120):
            local_day = start.astimezone(zone).date()
            if local_day > day:
                break
            if local_day == day:
                policy = await holiday_policy(session, series)
                occ = await _materialize(session, series, start, end, policy)
                await schedule_occurrence(session, series, occ, now, lang=lang)
                return occ
    return None


async def _materialize(
    session: AsyncSession, series: MeetingSeries, start: datetime, end: datetime, policy: str
) -> MeetingOccurrence:
    """The series' occurrence in slot `start`, inserted unless it exists, with the unit's
    holiday policy applied the first time (a slot on a day off is skipped, moved, or held
    for the coordinator to answer)."""
    occ = await _insert_slot(session, series, start, end)
    if occ.holiday_action is None and occ.status == "scheduled" and occ.starts_at == start:
        zone = ZoneInfo(series.timezone)
        placed = holidays.place(start.astimezone(zone).date(), policy)
        if placed.holiday is not None:
            _place(occ, series, placed)
            await session.flush()
    return occ


def _place(occ: MeetingOccurrence, series: MeetingSeries, placed: holidays.Placement) -> None:
    """Apply a holiday placement to an occurrence still where its rule put it."""
    from core.recurrence import local_instant

    occ.holiday, occ.holiday_action = placed.holiday, placed.action
    occ.updated_at = utcnow()
    if placed.held_on is None:
        occ.status = "cancelled"
    elif placed.held_on != placed.day:
        zone = ZoneInfo(series.timezone)
        start, end = occ.slot_at.astimezone(zone), occ.ends_at.astimezone(zone)
        occ.starts_at = local_instant(placed.held_on, start.time(), series.timezone)
        occ.ends_at = local_instant(placed.held_on, end.time(), series.timezone)
        occ.status = "moved"


async def holiday_policy(session: AsyncSession, series: MeetingSeries) -> str:
    unit = await session.get(Unit, series.unit_id)
    return holidays.policy_of(unit.defaults if unit is not None else None)


async def plan_holidays(
    session: AsyncSession, series: MeetingSeries, now: datetime, *, lang: str = "sv"
) -> list[MeetingOccurrence]:
    """The series' meetings within HOLIDAY_HORIZON that fall on a day off and are not
    planned yet, planned now with the unit's policy (caught when the series is made or
    the org file loaded, not when the planning window gets there)."""
    rule = Recurrence.from_dict(series.rule)
    zone = ZoneInfo(series.timezone)
    policy = await holiday_policy(session, series)
    out: list[MeetingOccurrence] = []
    today = now.astimezone(zone).date()
    days = days_between(rule, today, (now + HOLIDAY_HORIZON).astimezone(zone).date())
    planned: set[datetime] | None = None
    for day in days:
        if holidays.day_off(day) is None:
            continue
        start, end = meeting_instants(rule, series.timezone, day)
        if start <= now:
            continue
        if planned is None:  # one look-up: the daily sync passes over what it planned before
            rows = await session.execute(
                select(col(MeetingOccurrence.slot_at)).where(
                    col(MeetingOccurrence.series_id) == series.id,
                    col(MeetingOccurrence.slot_at) > now,
                )
            )
            planned = set(rows.scalars().all())
        if start in planned:
            continue
        occ = await _materialize(session, series, start, end, policy)
        if occ.status != "cancelled":
            await schedule_occurrence(session, series, occ, now, lang=lang)
        out.append(occ)
    return out


async def answer_holiday(
    session: AsyncSession, occ: MeetingOccurrence, choice: str, now: datetime, lang: str = "sv"
) -> None:
    """The coordinator's answer (skip, move, keep) for a meeting on a day off."""
    series = await session.get(MeetingSeries, occ.series_id)
    assert series is not None and occ.id is not None
    zone = ZoneInfo(series.timezone)
    placed = holidays.answer(occ.slot_at.astimezone(zone).date(), choice)
    _place(occ, series, placed)
    if occ.status == "cancelled":
        await cancel_occurrence(session, occ, now)
    else:
        await session.flush()
        await schedule_occurrence(session, series, occ, now, lang=lang)


async def _insert_slot(
    session: AsyncSession, series: MeetingSeries, start: datetime, end: datetime
) -> MeetingOccurrence:
    """The series' occurrence in slot `start`, inserted unless it exists. Insert first:
    the daily sync and a command may plan the same slot at once."""
    await insert_missing(
        session,
        MeetingOccurrence,
        {
            "series_id": series.id,
            "unit_id": series.unit_id,
            "slot_at": start,
            "starts_at": start,
            "ends_at": end,
            "place": series.place,
            "status": "scheduled",
            "updated_at": utcnow(),
        },
        ["series_id", "slot_at"],
    )
    return (
        await session.execute(
            select(MeetingOccurrence).where(
                col(MeetingOccurrence.series_id) == series.id,
                col(MeetingOccurrence.slot_at) == start,
            )
        )
    ).scalar_one()


async def series_by_id(session: AsyncSession, series_id: int) -> MeetingSeries | None:
    return await session.get(MeetingSeries, series_id)


# -- agenda ------------------------------------------------------------------------------


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


async def open_actions(session: AsyncSession, unit_id: int) -> list[ActionItem]:
    return await all_of(
        session,
        select(ActionItem)
        .where(col(ActionItem.unit_id) == unit_id, col(ActionItem.status) == "open")
        .order_by(col(ActionItem.due), col(ActionItem.id)),
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


# -- decisions and action items ------------------------------------------------------------


async def add_decision(
    session: AsyncSession,
    occ: MeetingOccurrence,
    text: str,
    *,
    by: str | None,
    agenda_item_id: int | None = None,
    lifted_item_id: int | None = None,
) -> Decision:
    assert occ.id is not None
    row = Decision(
        occurrence_id=occ.id,
        unit_id=occ.unit_id,
        agenda_item_id=agenda_item_id,
        text=guard(text, 2000),
        decided_by=by,
        lifted_item_id=lifted_item_id,
    )
    return await added(session, row)


async def add_action(
    session: AsyncSession,
    unit_id: int,
    text: str,
    *,
    owner_name: str,
    owner_aad_id: str | None,
    owner_channel_id: str | None,
    due: date,
    today: date,
    recorded_at: MeetingOccurrence | None,
    follow_up: MeetingOccurrence | None,
    by: str | None,
) -> ActionItem:
    if due < today:
        raise MeetingError("past_due", due=due)
    if contains_identity_number(owner_name):
        raise IdentityNumberRefused
    row = ActionItem(
        unit_id=unit_id,
        recorded_at_occurrence_id=recorded_at.id if recorded_at else None,
        occurrence_id=follow_up.id if follow_up else None,
        text=guard(text, 1000),
        owner_name=owner_name[:200],
        owner_aad_id=owner_aad_id,
        owner_channel_id=owner_channel_id,
        due=due,
        created_by=by,
    )
    return await added(session, row)


async def close_action(
    session: AsyncSession, action: ActionItem, by: str | None, now: datetime
) -> bool:
    """False (nothing changed) when it was already done: a stale button or a double `/done`."""
    if action.status != "open":
        return False
    action.status = "done"
    action.done_by = by
    action.done_at = now
    await session.flush()
    return True


@dataclass
class Minutes:
    occurrence: MeetingOccurrence
    series: MeetingSeries
    items: list[AgendaItem]
    decisions: list[Decision]
    actions: list[ActionItem]  # recorded at this meeting
    lifted: list[tuple[int, str]]  # (item id, title) lifted to another level from here


async def minutes_of(session: AsyncSession, occ: MeetingOccurrence) -> Minutes:
    series = await session.get(MeetingSeries, occ.series_id)
    assert series is not None and occ.id is not None
    decisions = await all_of(
        session,
        select(Decision).where(col(Decision.occurrence_id) == occ.id).order_by(col(Decision.id)),
    )
    actions = await all_of(
        session,
        select(ActionItem)
        .where(col(ActionItem.recorded_at_occurrence_id) == occ.id)
        .order_by(col(ActionItem.id)),
    )
    items = [i for i in await items_of(session, occ.id) if i.status != "removed"]
    return Minutes(occ, series, items, decisions, actions, await _lifted(session, occ, decisions))


async def _lifted(
    session: AsyncSession, occ: MeetingOccurrence, decisions: list[Decision]
) -> list[tuple[int, str]]:
    """Items lifted from the unit on the meeting's day, or by one of its decisions."""
    try:
        from storage.item_models import Item, ItemEvent
    except ImportError:
        return []
    since = occ.starts_at - timedelta(hours=12)
    until = occ.ends_at + MINUTES_AFTER
    rows = await session.execute(
        select(col(Item.id), col(Item.title), col(ItemEvent.details))
        .join(ItemEvent, col(ItemEvent.item_id) == col(Item.id))
        .where(
            col(ItemEvent.event) == "escalated",
            col(ItemEvent.at) >= since,
            col(ItemEvent.at) <= until,
        )
    )
    # The escalated event's details name the unit it left (`from`).
    found: dict[int, str] = {
        item_id: title
        for item_id, title, details in rows.all()
        if isinstance(details, dict) and details.get("from") == occ.unit_id
    }
    for d in decisions:
        if d.lifted_item_id is not None and d.lifted_item_id not in found:
            item = await session.get(Item, d.lifted_item_id)
            if item is not None:
                found[d.lifted_item_id] = item.title
    return sorted(found.items())


async def remember_reminder(
    session: AsyncSession, occurrence_id: int, lead: int, key: str, updates_key: str | None
) -> None:
    await insert_missing(
        session,
        ReminderCard,
        {
            "occurrence_id": occurrence_id,
            "lead_days": lead,
            "outbox_key": key,
            "updates_key": updates_key,
            "created_at": utcnow(),
        },
        ["outbox_key"],
    )


async def first_reminder(session: AsyncSession, occurrence_id: int) -> ReminderCard | None:
    """The reminder card that was posted (not an update) for the occurrence, if any."""
    return await first_of(
        session,
        select(ReminderCard)
        .where(
            col(ReminderCard.occurrence_id) == occurrence_id,
            col(ReminderCard.updates_key).is_(None),
        )
        .order_by(col(ReminderCard.id))
        .limit(1),
    )


async def for_export(
    session: AsyncSession, unit_id: int, start: datetime, end: datetime
) -> list[Minutes]:
    occs = await occurrences_of_unit(session, unit_id, start=start, end=end)
    return [await minutes_of(session, o) for o in occs if o.status != "cancelled"]
