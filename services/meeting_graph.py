"""A unit's meeting series in its team's Microsoft 365 group calendar, as Teams meetings.

With Graph configured (the bot's app registration, clients/graph_calendar.py) and the
unit's group named in the org file (`defaults.calendar_group`: the Entra object id of
the team's Microsoft 365 group), a series is created there as a recurring Teams meeting
(one Graph series per part where Graph needs several: core/graph_recurrence.py); its
`onlineMeeting.joinUrl` goes on the reminder card. A change of rule, place or name is
PATCHed (or, when the number of Graph series changes, the old events are deleted and new
ones made); an ended series is deleted. A meeting moved in Outlook (a Graph exception)
moves in Samverkan when the daily sync (or `pull_moves`) reads the series' instances.

A meeting cancelled or moved in Samverkan (by a coordinator or the holiday policy) is
deleted or moved in the calendar (`push_exceptions`: the command that did it, and the
daily sync). A meeting deleted in Outlook is cancelled here (`pull`: as `möte ställ
in` does, nothing sent back); a whole series deleted in Outlook ends nothing here, the
unit's coordinators are told once in the channel.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from cards.base import card, card_message, text
from clients.graph import GraphDirectory, GraphError
from clients.graph_calendar import GraphCalendar, GraphNotFound
from core import graph_recurrence as mapping
from core.recurrence import Recurrence, gives, meeting_instants
from i18n import format as fmt
from i18n.texts import t
from services import mentions
from storage import meeting_input, meeting_lookup_repo, meeting_occurrences_repo, outbox_repo
from storage.db import Database
from storage.meeting_models import MeetingOccurrence, MeetingSeries
from storage.models import Unit

log = logging.getLogger(__name__)

GROUP_KEY = "calendar_group"
PULL_AHEAD = timedelta(days=100)  # what the sync compares with the calendar
LATER = timedelta(days=31)  # read further: a meeting Outlook moved later is not deleted


def calendar_group(defaults: Any) -> str | None:
    value = defaults.get(GROUP_KEY) if isinstance(defaults, dict) else None
    return value.strip() if isinstance(value, str) and value.strip() else None


def _live(graph: dict[str, Any]) -> list[dict[str, Any]]:
    """The series' Graph events not found deleted in Outlook."""
    return [e for e in graph.get("events") or [] if not e.get("gone")]


def join_url(series: MeetingSeries) -> str | None:
    """The Teams join link of the series' (first) group-calendar event."""
    events = _live(series.graph or {})
    url = events[0].get("join_url") if events else None
    return url if isinstance(url, str) and url.startswith("https://") else None


async def publish(
    db: Database, series_id: int, calendar: GraphCalendar, now: datetime, lang: str = "sv"
) -> str:
    """Bring the series' group-calendar events in line with it; returns what was done
    (created | updated | deleted | unchanged | unsupported:<reason> | no_group).
    Graph is called with no transaction open: the series is read, the calendar changed,
    then what Graph made is written in one short transaction."""
    async with db.read() as s:
        wanted = await _wanted(s, series_id, now, lang)
    if wanted is None:
        return "no_group"
    done, graph = await _apply(calendar, wanted)
    if graph != wanted.current:
        async with db.session() as s:
            series = await s.get(MeetingSeries, series_id)
            if series is not None:
                series.graph = graph
    return done


@dataclass(frozen=True)
class _Wanted:
    """What the calendar should hold for a series, read before Graph is called."""

    current: dict[str, Any] | None  # the series' `graph` as stored
    group: str | None  # None: no calendar (none named, or the series ended)
    parts: list[dict[str, Any]] | mapping.Unsupported  # the Graph event bodies
    said: dict[str, Any]  # rule, place and name the events were made from


async def _wanted(s: AsyncSession, series_id: int, now: datetime, lang: str) -> _Wanted | None:
    series = await s.get(MeetingSeries, series_id)
    unit = await s.get(Unit, series.unit_id) if series is not None else None
    if series is None or unit is None:
        return None
    current = series.graph
    group = calendar_group(unit.defaults) if series.active else None
    said = {"rrule": series.rrule, "place": series.place, "name": series.name}
    if group is None:
        return _Wanted(current, None, [], said)
    rule = Recurrence.from_dict(series.rule).anchored(
        now.astimezone(ZoneInfo(series.timezone)).date()
    )
    parts = mapping.patterns(rule, series.timezone)
    if isinstance(parts, mapping.Unsupported):
        return _Wanted(current, group, parts, said)
    assert rule.anchor is not None
    start, end = meeting_instants(rule, series.timezone, rule.anchor)
    description = t(lang, "ics.description", unit=unit.name,
                    rule=fmt.recurrence(lang, rule))  # fmt: skip
    bodies = [
        mapping.event_body(
            subject=series.name,
            description=description,
            start=start,
            end=end,
            zone=series.timezone,
            place=series.place,
            recurrence=part,
        )
        for part in parts
    ]
    return _Wanted(current, group, bodies, said)


async def _apply(calendar: GraphCalendar, wanted: _Wanted) -> tuple[str, dict[str, Any] | None]:
    """Change the calendar as `wanted` says; returns what was done and the series'
    `graph` now."""
    current: dict[str, Any] = dict(wanted.current or {})
    old = list(current.get("events") or [])
    old_group = current.get("group")
    group, bodies, said = wanted.group, wanted.parts, wanted.said
    if group is None:
        await _drop(calendar, old_group, old)
        return ("deleted" if old else "no_group"), None
    if isinstance(bodies, mapping.Unsupported):
        await _drop(calendar, old_group, old)
        return f"unsupported:{bodies.reason}", {
            "group": group, "events": [], "unsupported": bodies.reason
        }  # fmt: skip
    same = old_group == group and len(old) == len(bodies)
    if same and all(current.get(k) == v for k, v in said.items()):
        return "unchanged", wanted.current  # also when Outlook deleted it: a change puts it back
    if same and _live(current) == old:
        for event, body in zip(old, bodies, strict=True):
            await calendar.update_event(group, str(event["id"]), body)
        return "updated", {**current, **said}
    await _drop(calendar, old_group, old)
    made = []
    for body in bodies:
        found = await calendar.create_event(group, body)
        made.append(
            {"id": found["id"], "join_url": (found.get("onlineMeeting") or {}).get("joinUrl")}
        )
    return "created", {"group": group, "events": made, **said}


@dataclass
class Pulled:
    """What the calendar said since the last read: meetings moved and deleted in Outlook
    (now moved and cancelled here), and Graph series found deleted (coordinators told)."""

    moved: int = 0
    cancelled: int = 0
    gone: int = 0


async def _drop(calendar: GraphCalendar, group: Any, events: list[dict[str, Any]]) -> None:
    """Delete the series' Graph events (one already deleted in Outlook is left)."""
    for event in events:
        if event.get("gone"):
            continue
        try:
            await calendar.delete_event(str(group), str(event["id"]))
        except GraphNotFound:
            pass


async def pull_moves(
    db: Database, series_id: int, calendar: GraphCalendar, now: datetime, lang: str = "sv"
) -> int:
    """Meetings moved in Outlook move here too (and deleted ones are cancelled: `pull`);
    returns how many moved."""
    return (await pull(db, series_id, calendar, now, lang)).moved


async def pull(
    db: Database, series_id: int, calendar: GraphCalendar, now: datetime, lang: str = "sv"
) -> Pulled:
    """Meetings moved or deleted in Outlook move or are cancelled here too.

    A meeting deleted in Outlook (Graph leaves it out of the series' instances, or lists
    it with `isCancelled`) is cancelled as `möte ställ in` does; nothing is sent back to
    Graph. A whole Graph series deleted in Outlook (404) ends nothing here: the unit's
    coordinators are told once in the channel, and the event is marked `gone` (no longer
    read, PATCHed or deleted; a change of the series creates it again). The instances are
    read with no transaction open, then written in one short transaction."""
    async with db.read() as s:
        series = await s.get(MeetingSeries, series_id)
        graph = dict(series.graph or {}) if series is not None and series.active else {}
    if not _live(graph):
        return Pulled()
    found: list[dict[str, Any]] = []
    gone: list[str] = []
    for event in _live(graph):
        try:
            found += await calendar.instances(
                str(graph["group"]), str(event["id"]), now, now + PULL_AHEAD + LATER
            )
        except GraphNotFound:
            gone.append(str(event["id"]))
    async with db.session() as s:
        series = await s.get(MeetingSeries, series_id)
        if series is None or not series.active or series.graph != graph:
            return Pulled()  # changed while Graph was read: the next sync reads it again
        if gone:
            await _tell_gone(s, series, gone, lang)
            return Pulled(gone=len(gone))  # the deleted series' meetings are missing, not each
        return await _pull_found(s, series, found, now, lang)


async def _pull_found(
    s: AsyncSession, series: MeetingSeries, found: list[dict[str, Any]], now: datetime,
    lang: str,
) -> Pulled:  # fmt: skip
    """What the series' instances say, written in the caller's transaction."""
    out = Pulled()
    graph = series.graph or {}
    zone = ZoneInfo(series.timezone)
    for change in mapping.moved_instances(found):
        occ = (
            await s.execute(
                select(MeetingOccurrence).where(
                    col(MeetingOccurrence.series_id) == series.id,
                    col(MeetingOccurrence.slot_at) == change.slot,
                )
            )
        ).scalar_one_or_none()
        if occ is None:
            day = change.slot.astimezone(zone).date()
            occ = await meeting_lookup_repo.occurrence_for_day(s, series.unit_id, day, now)
        if occ is None or occ.status == "cancelled" or occ.starts_at == change.start:
            continue
        local_start, local_end = change.start.astimezone(zone), change.end.astimezone(zone)
        try:
            await meeting_occurrences_repo.move_occurrence(
                s, series, occ, local_start.date(), local_start.time(),
                local_end.time(), now, lang,
            )  # fmt: skip
        except meeting_input.MeetingError:
            continue  # moved into the past, or ends before it starts: left as it is
        from services.meetings import refresh_posted_agenda  # (import cycle, as below)

        await refresh_posted_agenda(s, occ, now, lang)  # a reminder already posted shows it
        out.moved += 1
    if _live(graph) == graph["events"]:  # a split series with one part gone: not read
        out.cancelled = await _pull_deleted(s, series, found, now, lang)
    return out


async def _pull_deleted(
    s: AsyncSession, series: MeetingSeries, found: list[dict[str, Any]], now: datetime,
    lang: str,
) -> int:  # fmt: skip
    """Cancel the meetings Outlook deleted, among those the calendar should have: this
    rule's (the one last published) planned meetings in the window, not yet begun."""
    from services.meetings import cancel_in  # services.meetings runs the sync job

    if (series.graph or {}).get("rrule") != series.rrule:
        return 0  # the calendar has another rule (a publish failed): not comparable
    rule = Recurrence.from_dict(series.rule)
    expected = {
        o.slot_at.astimezone(UTC): o
        for o in await _ahead(s, series, now, but="cancelled")
        if o.starts_at > now and gives(rule, series.timezone, o.slot_at)
    }
    listed = {mapping.instant(item.get("originalStart")) for item in found}
    if expected and not listed & set(expected):
        log.warning("series %s: none of its meetings is in the group calendar", series.id)
    cancelled = 0
    for slot in mapping.deleted_slots(found, expected):
        await cancel_in(s, expected[slot], now, lang)
        cancelled += 1
    return cancelled


async def _ahead(
    s: AsyncSession, series: MeetingSeries, now: datetime, *, but: str
) -> list[MeetingOccurrence]:
    """The series' meetings in the window the sync compares with the calendar (slots
    after `now`, within PULL_AHEAD), except those whose status is `but`."""
    rows = await s.execute(
        select(MeetingOccurrence).where(
            col(MeetingOccurrence.series_id) == series.id,
            col(MeetingOccurrence.status) != but,
            col(MeetingOccurrence.slot_at) > now,
            col(MeetingOccurrence.slot_at) < now + PULL_AHEAD,
        )
    )
    return list(rows.scalars().all())


async def _tell_gone(s: AsyncSession, series: MeetingSeries, gone: list[str], lang: str) -> None:
    """Mark the deleted Graph events and tell the unit's coordinators (once per event:
    the outbox key)."""
    graph = dict(series.graph or {})
    graph["events"] = [
        {**e, "gone": True} if str(e["id"]) in gone else e for e in graph.get("events") or []
    ]
    series.graph = graph
    body = card([text(t(lang, "gcal.gone_text", name=series.name))])
    coordinators = await mentions.coordinators(s, series.unit_id)
    posted = mentions.add_line(body, t(lang, "mention.coordinators"), coordinators)
    summary = t(lang, "gcal.gone_title", name=series.name)
    for event_id in gone:
        await outbox_repo.enqueue_to_unit(
            s, series.unit_id, f"graph_gone:{series.id}:{event_id}",
            card_message(posted, summary),
        )  # fmt: skip
    await s.flush()


async def push_exceptions(
    db: Database, series_id: int, calendar: GraphCalendar, now: datetime
) -> int:
    """Meetings cancelled or moved in Samverkan (by a coordinator or the holiday policy)
    become the same in the group calendar: an instance Graph still has as a plain
    occurrence is deleted or moved (one Outlook changed is left: `pull_moves` reads it).
    Returns how many instances were changed. Only Graph is written: the series and its
    changed meetings are read first, and no transaction is open while Graph answers."""
    async with db.read() as s:
        series = await s.get(MeetingSeries, series_id)
        graph = (series.graph or {}) if series is not None else {}
        if series is None or not series.active or not _live(graph):
            return 0
        changed = {o.slot_at: o for o in await _ahead(s, series, now, but="scheduled")}
    if not changed:
        return 0
    rule = Recurrence.from_dict(series.rule)
    zone = ZoneInfo(series.timezone)
    done = 0
    for event in _live(graph):
        found = await calendar.instances(
            str(graph["group"]), str(event["id"]), now, now + PULL_AHEAD + timedelta(days=7)
        )
        for item in found:
            slot = mapping.instant(item.get("originalStart"))
            occ = changed.get(slot) if slot is not None else None
            if occ is None or item.get("type") != "occurrence" or item.get("isCancelled"):
                continue
            if not gives(rule, series.timezone, occ.slot_at):
                continue  # an older rule's meeting: not in this series' calendar
            if occ.status == "cancelled":
                await calendar.delete_event(str(graph["group"]), str(item["id"]))
            else:
                local = {"timeZone": series.timezone}
                patch = {
                    "start": {
                        **local,
                        "dateTime": f"{occ.starts_at.astimezone(zone):%Y-%m-%dT%H:%M:%S}",
                    },
                    "end": {
                        **local,
                        "dateTime": f"{occ.ends_at.astimezone(zone):%Y-%m-%dT%H:%M:%S}",
                    },
                }
                if mapping.instant(patch["start"]) == mapping.instant(item.get("start")):
                    continue
                await calendar.update_event(str(graph["group"]), str(item["id"]), patch)
            done += 1
    return done


async def sync_calendars(
    db: Database, calendar: GraphCalendar, now: datetime, lang: str = "sv"
) -> None:
    """Every series that is live or still has events: publish, then read back moves.
    A Graph failure is logged, never raised (the rest of the sync goes on). Each step
    calls Graph with no transaction open and writes in a short one of its own."""
    async with db.read() as s:
        rows = await s.execute(select(MeetingSeries))
        ids = [x.id for x in rows.scalars().all() if x.id is not None and (x.active or x.graph)]
    for series_id in ids:
        try:
            await publish(db, series_id, calendar, now, lang)
            await pull(db, series_id, calendar, now, lang)
            await push_exceptions(db, series_id, calendar, now)
        except (GraphError, OSError) as exc:
            log.warning("group calendar sync of series %s failed: %s", series_id, exc)


async def publish_quietly(
    db: Database, series_id: int, directory: GraphDirectory | None, now: datetime, lang: str
) -> None:
    """After a command changed a series: publish it where Graph is configured; a Graph
    failure is logged (the daily sync tries again), never shown as the command failing."""
    if directory is None:
        return
    try:
        calendar = GraphCalendar(directory)
        await publish(db, series_id, calendar, now, lang)
        await push_exceptions(db, series_id, calendar, now)
    except (GraphError, OSError) as exc:
        log.warning("group calendar publish of series %s failed: %s", series_id, exc)
