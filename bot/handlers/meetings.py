"""Meetings in the unit's channel: series, agenda, decisions, action items, minutes.

Commands (Swedish aliases too): `meeting`/`möte`, `agenda`/`dagordning`,
`decision`/`beslut`, `action`/`åtgärd`, `actions`/`åtgärder`, `done`/`klar`,
`minutes`/`protokoll`. Card actions (Action.Execute verbs): `agenda.add`
(anyone), `agenda.status` (coordinator), `action.done` (owner or coordinator),
`agenda.page` and `actions.page` (anyone, in the unit's channel: pages of a long list).
A button on an out-of-date card (item already handled, meeting cancelled or over)
answers with the current state and changes nothing.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from html import escape
from typing import Any
from zoneinfo import ZoneInfo

from microsoft_agents.activity import Activity, ChannelAccount, Mention

from bot import scope
from bot.permissions import require, roles_for_unit
from bot.router import Router
from bot.turn import Turn
from cards.meetings import (
    ACTIONS_PAGE_VERB,
    PAGE_VERB,
    SeriesView,
    actions_card,
    leads_text,
    minutes_card,
)
from core.agenda import ActionEntry
from core.agenda import move as move_in_order
from core.dates import parse_date
from core.names import match_name
from core.recurrence import Recurrence, RuleError, parse_rule, take_times
from core.roles import allows
from i18n import format as fmt
from i18n.texts import t
from services import meetings as service
from storage import channels_repo, meetings_repo, outbox_repo
from storage.item_models import Item
from storage.meeting_models import ActionItem, AgendaItem, MeetingOccurrence, MeetingSeries
from storage.models import Conversation, Person, Unit
from storage.types import utcnow

HANDLERS = Router()

MAX_NAME = 120
MAX_PLACE = 500

_SUB_NEW = {"new", "create", "add", "ny", "nytt", "skapa"}
_SUB_CHANGE = {"change", "edit", "ändra", "andra"}
_SUB_PLACE = {"place", "plats", "where", "var"}
_SUB_CANCEL = {"cancel", "ställ", "stall", "inställ", "avboka", "ställin"}
_SUB_MOVE = {"move", "flytta"}
_SUB_END = {"end", "stop", "avsluta", "sluta"}
_AG_ADD = {"add", "propose", "lägg", "lagg", "föreslå", "foresla", "ny"}
_AG_STATUS = {
    "accept": "accepted",
    "godkänn": "accepted",
    "godkann": "accepted",
    "handled": "handled",
    "done": "handled",
    "klar": "handled",
    "behandlad": "handled",
    "remove": "removed",
    "ta": "removed",
    "stryk": "removed",
    "delete": "removed",
}
_DUE = re.compile(r"\s+(?:due|senast|by|deadline|klart?\s+till)\s+(.+)$", re.IGNORECASE)
_AT_NAME = re.compile(r"@([\wÅÄÖåäöéÉ.\-]+(?:\s+[A-ZÅÄÖÉ][\wåäöé\-]+)?)")
_ITEM_REF = re.compile(
    r"^(?:punkt|item|p\.?)\s*(\d{1,3})\s*[:.\-–]?\s*(.*)$", re.IGNORECASE | re.DOTALL
)
_LIFT = re.compile(
    r"^(?:lyft|lift|escalate|eskalera)\s+#?(\d{1,9})\b\s*(.*)$", re.IGNORECASE | re.DOTALL
)
_NUMBER = re.compile(r"^#?(\d{1,9})$")


def _actor(turn: Turn) -> str | None:
    return turn.user_name or turn.user_id


def _zone(turn: Turn) -> str:
    return turn.services.settings.timezone


def _today(turn: Turn, now: datetime) -> date:
    return now.astimezone(ZoneInfo(_zone(turn))).date()


async def _unit_or_tell(turn: Turn) -> Unit | None:
    unit = await turn.channel_unit()
    if unit is None:
        await turn.send_text(turn.text("mtg.unbound"))
    return unit


async def _is_coordinator(turn: Turn, unit: Unit) -> bool:
    assert unit.id is not None
    return allows(await roles_for_unit(turn, unit.id), "coordinator")


async def _refuse(turn: Turn, exc: meetings_repo.MeetingError | RuleError) -> None:
    raise exc


async def _sync_unit(turn: Turn, unit: Unit) -> None:
    """Org-file series are brought in the first time anyone asks (and daily after)."""
    async with turn.services.db.session() as s:
        fresh = await s.get(Unit, unit.id)
        if fresh is not None:
            await meetings_repo.sync_unit_from_org(s, fresh, utcnow(), turn.lang)
        await meetings_repo.ensure_sync_schedule(s)
    turn.services.notify_changes()


# -- /meeting ----------------------------------------------------------------------------


@HANDLERS.command(
    "meeting", aliases=("möte", "mote", "möten", "meetings"), scopes=("channel",), sv="möte"
)
async def meeting_command(turn: Turn, args: str) -> None:
    unit = await _unit_or_tell(turn)
    if unit is None:
        return
    await _sync_unit(turn, unit)
    word, _, rest = args.strip().partition(" ")
    sub = word.casefold()
    if not sub:
        await _show_series(turn, unit)
        return
    handlers = (
        (_SUB_NEW, _create_series),
        (_SUB_CHANGE, _change_series),
        (_SUB_PLACE, _change_place),
        (_SUB_CANCEL, _cancel_occurrence),
        (_SUB_MOVE, _move_occurrence),
        (_SUB_END, _end_series),
    )
    for words, handler in handlers:
        if sub in words:
            if not await require(turn, unit, "coordinator"):
                return
            if sub in ("ställ", "stall") and rest.casefold().startswith("in"):
                rest = rest[2:]
            await handler(turn, unit, rest.strip())
            return
    await turn.send_text(turn.text("mtg.usage"))


async def _show_series(turn: Turn, unit: Unit) -> None:
    assert unit.id is not None
    now = utcnow()
    views: list[SeriesView] = []
    async with turn.services.db.session() as s:
        for n, series in enumerate(await meetings_repo.series_of(s, unit.id), start=1):
            upcoming = await meetings_repo.upcoming(s, series, now, include_cancelled=True)
            views.append(
                SeriesView(
                    number=n,
                    name=series.name,
                    rule_text=fmt.recurrence(turn.lang, Recurrence.from_dict(series.rule)),
                    place=series.place,
                    lead_days=list(series.lead_days),
                    upcoming=[await service.meeting_view(s, o, series) for o in upcoming[:3]],
                )
            )
    if not views:
        await turn.send_text(turn.text("mtg.no_series", unit=unit.name))
        return
    from cards.meetings import series_card

    await turn.send_card(
        series_card(turn.lang, unit.name, views),
        summary=turn.text("mtg.series_title", unit=unit.name),
    )


def _split_pipes(text: str) -> list[str]:
    return [p.strip() for p in text.split("|")]


async def _pick_series(
    turn: Turn, unit: Unit, text: str, *, required: bool = True
) -> tuple[MeetingSeries | None, str]:
    """`[nr] rest`: the series by number (needed only when the unit has several)."""
    assert unit.id is not None
    async with turn.services.db.session() as s:
        all_series = await meetings_repo.series_of(s, unit.id)
    m = re.match(r"^#?(\d{1,2})(?:\s+(.*))?$", text, re.DOTALL)
    # A number followed by a rule ("2 första tisdagen ...") picks the series, but a
    # time ("13-15") or a date ("3/12") is not a series number.
    if m and len(all_series) > 1:
        n = int(m.group(1))
        if not 1 <= n <= len(all_series):
            await turn.send_text(turn.text("mtg.err.series_number", number=n))
            return None, text
        return all_series[n - 1], m.group(2) or ""
    if not all_series:
        if required:
            await turn.send_text(turn.text("mtg.no_series", unit=unit.name))
        return None, text
    if len(all_series) > 1 and required:
        await turn.send_text(turn.text("mtg.err.which_series"))
        return None, text
    return all_series[0], text


async def _save(
    turn: Turn,
    unit: Unit,
    *,
    name: str,
    rule: Recurrence,
    rule_text: str,
    place: str | None,
    existing: MeetingSeries | None,
) -> None:
    assert unit.id is not None
    now = utcnow()
    try:
        async with turn.services.db.session() as s:
            series = await meetings_repo.save_series(
                s,
                unit.id,
                name=name,
                rule=rule,
                rule_text=rule_text,
                place=place,
                now=now,
                actor=turn.user_id,
                lead_days=existing.lead_days if existing else meetings_repo.DEFAULT_LEADS,
                standing=existing.standing
                if existing
                else (unit.defaults or {}).get("agenda", {}).get("standing"),
                timezone=_zone(turn),
                lang=turn.lang,
            )
            upcoming = await meetings_repo.upcoming(s, series, now)
            first = await service.meeting_view(s, upcoming[0], series) if upcoming else None
    except meetings_repo.MeetingError as exc:
        await _refuse(turn, exc)
        return
    turn.services.notify_changes()
    key = "mtg.changed" if existing else "mtg.created"
    await turn.send_text(
        turn.text(
            key,
            name=series.name,
            rule=fmt.recurrence(turn.lang, rule),
            next=first.when(turn.lang) if first else turn.text("mtg.none"),
            leads=leads_text(turn.lang, list(series.lead_days)),
        )
    )


def _parse_rule(turn: Turn, text: str) -> Recurrence:
    rule = parse_rule(text, _today(turn, utcnow()))
    if rule.start is None:
        raise RuleError("no_time")
    return rule


async def _create_series(turn: Turn, unit: Unit, rest: str) -> None:
    parts = _split_pipes(rest)
    rule_text = parts[0]
    place = parts[1] if len(parts) > 1 and parts[1] else None
    # The unit's shared series is named in the deployment's language, not the typist's.
    default_name = t(turn.services.settings.language, "mtg.default_name")
    name = parts[2] if len(parts) > 2 and parts[2] else default_name
    if not rule_text:
        await turn.send_text(turn.text("mtg.usage"))
        return
    try:
        for value, limit in ((rule_text, 300), (place or "", MAX_PLACE), (name, MAX_NAME)):
            if value:
                meetings_repo.guard(value, limit)
        rule = _parse_rule(turn, rule_text)
    except (meetings_repo.MeetingError, RuleError) as exc:
        await _refuse(turn, exc)
        return
    assert unit.id is not None
    async with turn.services.db.session() as s:
        existing = next(
            (x for x in await meetings_repo.series_of(s, unit.id) if x.name == name), None
        )
    await _save(
        turn, unit, name=name, rule=rule, rule_text=rule_text, place=place, existing=existing
    )


async def _change_series(turn: Turn, unit: Unit, rest: str) -> None:
    series, rest = await _pick_series(turn, unit, rest)
    if series is None:
        return
    parts = _split_pipes(rest)
    rule_text = parts[0] or series.rule_text
    place = (parts[1] or None) if len(parts) > 1 else series.place
    try:
        if place:
            meetings_repo.guard(place, MAX_PLACE)
        meetings_repo.guard(rule_text, 300)
        rule = _parse_rule(turn, rule_text) if parts[0] else Recurrence.from_dict(series.rule)
    except (meetings_repo.MeetingError, RuleError) as exc:
        await _refuse(turn, exc)
        return
    await _save(
        turn, unit, name=series.name, rule=rule, rule_text=rule_text, place=place, existing=series
    )


async def _change_place(turn: Turn, unit: Unit, rest: str) -> None:
    series, rest = await _pick_series(turn, unit, rest)
    if series is None:
        return
    try:
        place = meetings_repo.guard(rest, MAX_PLACE)
    except meetings_repo.MeetingError as exc:
        await _refuse(turn, exc)
        return
    rule = Recurrence.from_dict(series.rule)
    await _save(
        turn,
        unit,
        name=series.name,
        rule=rule,
        rule_text=series.rule_text,
        place=place,
        existing=series,
    )


async def _resolve_day(turn: Turn, text: str) -> date | None:
    if not text or text.casefold() in ("nästa", "nasta", "next"):
        return None
    day = parse_date(text, _today(turn, utcnow()))
    if day is None:
        await turn.send_text(turn.text("mtg.err.bad_date", text=text[:60]))
    return day


async def _occurrence_from(turn: Turn, unit: Unit, text: str) -> MeetingOccurrence | None:
    """The meeting named by a date (or the next one); tells the person when there is none."""
    assert unit.id is not None
    now = utcnow()
    if not text or text.casefold() in ("nästa", "nasta", "next"):
        async with turn.services.db.session() as s:
            occ = await meetings_repo.next_meeting(s, unit.id, now)
        if occ is None:
            await turn.send_text(turn.text("mtg.no_next", unit=unit.name))
        return occ
    day = await _resolve_day(turn, text)
    if day is None:
        return None
    async with turn.services.db.session() as s:
        occ = await meetings_repo.occurrence_for_day(s, unit.id, day, now, turn.lang)
    if occ is None:
        await turn.send_text(
            turn.text("mtg.no_meeting_on", unit=unit.name, day=fmt.weekday_date(turn.lang, day))
        )
    return occ


async def _cancel_occurrence(turn: Turn, unit: Unit, rest: str) -> None:
    occ = await _occurrence_from(turn, unit, rest)
    if occ is None:
        return
    now = utcnow()
    async with turn.services.db.session() as s:
        fresh = await s.get(MeetingOccurrence, occ.id)
        assert fresh is not None
        when = (await service.meeting_view(s, fresh)).when(turn.lang)
        if fresh.status == "cancelled":
            await turn.send_text(turn.text("mtg.already_cancelled", when=when))
            return
        if fresh.ends_at <= now:
            await turn.send_text(turn.text("mtg.err.past_date"))
            return
        await meetings_repo.cancel_occurrence(s, fresh, now)
        await service.refresh_posted_agenda(s, fresh, now, turn.lang)
    turn.services.notify_changes()
    turn.services.notify_changes()
    await turn.send_text(turn.text("mtg.cancelled_done", when=when))


async def _move_occurrence(turn: Turn, unit: Unit, rest: str) -> None:
    m = re.match(r"^(.*?)\s+(?:till|to|->|→)\s+(.+)$", rest, re.IGNORECASE)
    if not m:
        await turn.send_text(turn.text("mtg.move_usage"))
        return
    occ = await _occurrence_from(turn, unit, m.group(1).strip())
    if occ is None:
        return
    try:
        start, end, day_part = take_times(m.group(2).casefold())
    except RuleError as exc:
        await _refuse(turn, exc)
        return
    day = await _resolve_day(turn, day_part.strip())
    if day is None:
        if not day_part.strip():
            await turn.send_text(turn.text("mtg.move_usage"))
        return
    now = utcnow()
    try:
        async with turn.services.db.session() as s:
            fresh = await s.get(MeetingOccurrence, occ.id)
            series = await s.get(MeetingSeries, occ.series_id)
            assert fresh is not None and series is not None
            if fresh.status == "cancelled" or fresh.ends_at <= now:
                when = (await service.meeting_view(s, fresh, series)).when(turn.lang)
                status = turn.text("mtg.cancelled" if fresh.status == "cancelled" else "mtg.over")
                await turn.send_text(turn.text("mtg.stale_meeting", when=when, status=status))
                return
            await meetings_repo.move_occurrence(s, series, fresh, day, start, end, now, turn.lang)
            when = (await service.meeting_view(s, fresh, series)).when(turn.lang)
            await service.refresh_posted_agenda(s, fresh, now, turn.lang)
    except meetings_repo.MeetingError as exc:
        await _refuse(turn, exc)
        return
    turn.services.notify_changes()
    turn.services.notify_changes()
    await turn.send_text(turn.text("mtg.moved_done", when=when))


async def _end_series(turn: Turn, unit: Unit, rest: str) -> None:
    series, _ = await _pick_series(turn, unit, rest)
    if series is None:
        return
    async with turn.services.db.session() as s:
        fresh = await s.get(MeetingSeries, series.id)
        assert fresh is not None
        await meetings_repo.end_series(s, fresh, utcnow())
    turn.services.notify_changes()
    await turn.send_text(turn.text("mtg.ended", name=series.name))


# -- /agenda -----------------------------------------------------------------------------


@HANDLERS.command(
    "agenda", aliases=("dagordning", "dagordningen"), scopes=("channel",), sv="dagordning"
)
async def agenda_command(turn: Turn, args: str) -> None:
    unit = await _unit_or_tell(turn)
    if unit is None:
        return
    await _sync_unit(turn, unit)
    word, _, rest = args.strip().partition(" ")
    sub = word.casefold()
    if sub in _AG_ADD:
        text = re.sub(r"^(?:till|to)\s+", "", rest.strip(), flags=re.IGNORECASE)
        await _add_item(turn, unit, text)
        return
    if sub in ("move", "flytta"):
        await _move_item(turn, unit, rest)
        return
    if sub in _AG_STATUS:
        if sub == "ta":
            rest = re.sub(r"^bort\s*", "", rest.strip(), flags=re.IGNORECASE)
        await _set_status_by_number(turn, unit, rest.strip(), _AG_STATUS[sub])
        return
    if sub in ("help", "hjälp"):
        await turn.send_text(turn.text("mtg.agenda_usage"))
        return
    occ = await _occurrence_from(turn, unit, args.strip())
    if occ is None:
        return
    await _send_agenda(turn, occ)


async def _send_agenda(
    turn: Turn,
    occ: MeetingOccurrence,
    notice: str | None = None,
    page: int = 1,
    *,
    done: str | None = None,
) -> None:
    async with turn.services.db.session() as s:
        card, view = await service.agenda_for(
            s, occ, utcnow(), turn.lang, notice=notice, confirmation=done, page=page
        )
    await turn.send_card(card, summary=turn.text("mtg.agenda_title", name=view.series.name))


async def _next_or_tell(turn: Turn, unit: Unit) -> MeetingOccurrence | None:
    assert unit.id is not None
    async with turn.services.db.session() as s:
        occ = await meetings_repo.next_meeting(s, unit.id, utcnow())
        has_series = bool(await meetings_repo.series_of(s, unit.id))
    if occ is None:
        key = "mtg.no_next" if has_series else "mtg.no_series"
        await turn.send_text(turn.text(key, unit=unit.name))
    return occ


async def _add_item(turn: Turn, unit: Unit, text: str) -> None:
    if not text:
        await turn.send_text(turn.text("mtg.agenda_usage"))
        return
    occ = await _next_or_tell(turn, unit)
    if occ is None:
        return
    await _add_to(turn, occ, text)


async def _add_to(turn: Turn, occ: MeetingOccurrence, text: str) -> None:
    now = utcnow()
    try:
        async with turn.services.db.session() as s:
            view = await meetings_repo.prepare_agenda(s, occ, now)
            row = await meetings_repo.add_item(
                s, occ, text, by=turn.user_id, by_name=turn.user_name
            )
            number = len(view.agenda.items) + 1
            when = (await service.meeting_view(s, occ, view.series)).when(turn.lang)
            await service.refresh_posted_agenda(s, occ, now, turn.lang)
    except meetings_repo.MeetingError as exc:
        await _refuse(turn, exc)
        return
    turn.services.notify_changes()
    message = turn.text("mtg.item_added", number=number, when=when, text=row.text)
    if turn.is_invoke:
        await _send_agenda(turn, occ, done=message)
    else:
        await turn.send_text(message)


async def _numbered(turn: Turn, unit: Unit) -> tuple[MeetingOccurrence, list[int]] | None:
    occ = await _next_or_tell(turn, unit)
    if occ is None:
        return None
    async with turn.services.db.session() as s:
        view = await meetings_repo.prepare_agenda(s, occ, utcnow())
    return occ, [i.id for i in view.agenda.items]


async def _move_item(turn: Turn, unit: Unit, rest: str) -> None:
    if not await require(turn, unit, "coordinator"):
        return
    m = re.match(r"^#?(\d{1,3})\s+(?:till\s+|to\s+)?#?(\d{1,3})$", rest.strip(), re.IGNORECASE)
    if not m:
        await turn.send_text(turn.text("mtg.agenda_usage"))
        return
    found = await _numbered(turn, unit)
    if found is None:
        return
    occ, order = found
    frm, to = int(m.group(1)), int(m.group(2))
    try:
        new_order = move_in_order(order, frm, to)
    except IndexError:
        bad = frm if not 1 <= frm <= len(order) else to
        await turn.send_text(turn.text("mtg.err.no_number", number=bad, count=len(order)))
        return
    now = utcnow()
    async with turn.services.db.session() as s:
        await meetings_repo.renumber(s, new_order)
        await service.refresh_posted_agenda(s, occ, now, turn.lang)
    turn.services.notify_changes()
    await turn.send_text(turn.text("mtg.item_moved", from_=frm, to=to))


async def _set_status_by_number(turn: Turn, unit: Unit, rest: str, status: str) -> None:
    if not await require(turn, unit, "coordinator"):
        return
    m = _NUMBER.match(rest)
    if not m:
        await turn.send_text(turn.text("mtg.agenda_usage"))
        return
    found = await _numbered(turn, unit)
    if found is None:
        return
    occ, order = found
    number = int(m.group(1))
    if not 1 <= number <= len(order):
        await turn.send_text(turn.text("mtg.err.no_number", number=number, count=len(order)))
        return
    await _apply_status(turn, occ, order[number - 1], status, number)


async def _apply_status(
    turn: Turn, occ: MeetingOccurrence, item_id: int, status: str, number: int | None
) -> None:
    now = utcnow()
    already: str | None = None
    async with turn.services.db.session() as s:
        item = await s.get(AgendaItem, item_id)
        fresh = await s.get(MeetingOccurrence, occ.id)
        assert fresh is not None
        if item is None or await _stale_meeting(turn, s, fresh, now):
            return
        if item.status in ("handled", "removed") or item.status == status:
            already = item.status  # a stale button: show the agenda as it is
        else:
            await meetings_repo.set_item_status(s, item_id, status, now)
            await service.refresh_posted_agenda(s, fresh, now, turn.lang)
    # One session at a time: SQLite takes the write lock per transaction.
    if already is not None:
        notice = turn.text("mtg.stale_item", status=t(turn.lang, f"mtg.status.{already}"))
        await _send_agenda(turn, fresh, notice=notice)
        return
    turn.services.notify_changes()
    message = turn.text(
        "mtg.item_status",
        number=number if number is not None else "",
        text=item.text,
        status=t(turn.lang, f"mtg.status.{status}"),
    )
    if turn.is_invoke:
        await _send_agenda(turn, fresh, done=message)
    else:
        await turn.send_text(message)


async def _stale_meeting(turn: Turn, s: Any, occ: MeetingOccurrence, now: datetime) -> bool:
    """Tell the person (with the current agenda card on a button) when the meeting is
    cancelled or over; True means: change nothing."""
    if occ.status != "cancelled" and occ.ends_at > now:
        return False
    when = (await service.meeting_view(s, occ)).when(turn.lang)
    if occ.status == "cancelled":
        notice = turn.text("mtg.stale_meeting", when=when, status=turn.text("mtg.cancelled"))
    else:
        notice = turn.text("mtg.stale_over", when=when)
    if turn.is_invoke:
        card, _ = await service.agenda_for(s, occ, now, turn.lang, notice=notice)
        turn.set_invoke_card(card)
    else:
        await turn.send_text(notice)
    return True


def _int(value: Any) -> int | None:
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, str) and value.isdigit():
        return int(value)
    return None


@HANDLERS.action("agenda.add")
async def agenda_add_action(turn: Turn, data: dict[str, Any]) -> None:
    text = str(data.get("text") or "").strip()
    occ = await scope.find(turn, MeetingOccurrence, _int(data.get("occurrence_id")))
    if occ is None:  # no such meeting, or another unit's: the same answer
        await turn.send_text(turn.text("error.bad_action"))
        return
    async with turn.services.db.session() as s:
        if await _stale_meeting(turn, s, occ, utcnow()):
            return
    if not text:
        await _send_agenda(turn, occ, notice=turn.text("mtg.err.empty"))
        return
    await _add_to(turn, occ, text)


@HANDLERS.action(PAGE_VERB)
async def agenda_page_action(turn: Turn, data: dict[str, Any]) -> None:
    """A page of a long agenda ("Show all" on the reminder), in the unit's own channel."""
    occ_id, page = _int(data.get("occurrence_id")), _int(data.get("page")) or 1
    occ = await scope.find(turn, MeetingOccurrence, occ_id)  # another unit's: as if missing
    if occ is None:
        await turn.send_text(turn.text("error.bad_action"))
        return
    await _send_agenda(turn, occ, page=page)


@HANDLERS.action("agenda.status")
async def agenda_status_action(turn: Turn, data: dict[str, Any]) -> None:
    item_id, status = _int(data.get("item_id")), str(data.get("status") or "")
    item = await scope.find(turn, AgendaItem, item_id)  # another unit's: as if missing
    async with turn.services.db.session() as s:
        occ = await s.get(MeetingOccurrence, item.occurrence_id) if item else None
        unit = await s.get(Unit, item.unit_id) if item else None
    if (
        item is None
        or occ is None
        or unit is None
        or status not in ("accepted", "handled", "removed")
    ):
        await turn.send_text(turn.text("error.bad_action"))
        return
    if not await require(turn, unit, "coordinator"):
        return
    assert item.id is not None
    await _apply_status(turn, occ, item.id, status, None)


# -- /decision ---------------------------------------------------------------------------


@HANDLERS.command(
    "decision", aliases=("beslut",), role="coordinator", scopes=("channel",), sv="beslut"
)
async def decision_command(turn: Turn, args: str) -> None:
    unit = await _unit_or_tell(turn)
    if unit is None or not await require(turn, unit, "coordinator"):
        return
    await _sync_unit(turn, unit)
    text = args.strip()
    if not text:
        await turn.send_text(turn.text("mtg.decision_usage"))
        return
    occ = await _decision_meeting(turn, unit)
    if occ is None:
        return
    lift = _LIFT.match(text)
    if lift:
        await _lift(turn, unit, occ, int(lift.group(1)), lift.group(2).strip())
        return
    agenda_item_id: int | None = None
    number: int | None = None
    ref = _ITEM_REF.match(text)
    now = utcnow()
    if ref:
        number, text = int(ref.group(1)), ref.group(2).strip()
        async with turn.services.db.session() as s:
            view = await meetings_repo.prepare_agenda(s, occ, now)
        if not 1 <= number <= len(view.agenda.items):
            await turn.send_text(
                turn.text("mtg.err.no_number", number=number, count=len(view.agenda.items))
            )
            return
        agenda_item_id = view.agenda.items[number - 1].id
    try:
        async with turn.services.db.session() as s:
            row = await meetings_repo.add_decision(
                s, occ, text, by=turn.user_id, agenda_item_id=agenda_item_id
            )
            if agenda_item_id is not None:
                # A decided item is dealt with: it does not carry forward.
                await meetings_repo.set_item_status(s, agenda_item_id, "handled", now)
            when = (await service.meeting_view(s, occ)).when(turn.lang)
    except meetings_repo.MeetingError as exc:
        await _refuse(turn, exc)
        return
    if number is not None:
        await turn.send_text(
            turn.text("mtg.decided_on_item", when=when, number=number, text=row.text)
        )
    else:
        await turn.send_text(turn.text("mtg.decided", when=when, text=row.text))


async def _decision_meeting(turn: Turn, unit: Unit) -> MeetingOccurrence | None:
    """The meeting going on or the latest held; before the first one, the next one."""
    assert unit.id is not None
    now = utcnow()
    async with turn.services.db.session() as s:
        occ = await meetings_repo.current_or_latest(s, unit.id, now)
        if occ is None:
            occ = await meetings_repo.next_meeting(s, unit.id, now)
        has_series = bool(await meetings_repo.series_of(s, unit.id))
    if occ is None:
        await turn.send_text(
            turn.text("mtg.no_series" if not has_series else "mtg.no_next", unit=unit.name)
        )
    return occ


async def _lift(turn: Turn, unit: Unit, occ: MeetingOccurrence, item_id: int, reason: str) -> None:
    """A meeting decides to lift an item: the escalation service does it (issue 7).

    Only an item at this meeting's unit can be lifted by it. The decision is recorded
    in the same transaction as the escalation, so one never lands without the other.
    At the top of the chain nothing is lifted (the item is flagged, as `/escalate` does)
    and no lift decision is recorded; when the parent has no channel yet the meeting is
    told that the item waits and who coordinates there.
    """
    from core import escalation as esc
    from services import escalation as esc_service
    from storage import items_repo

    assert unit.id is not None
    item = await scope.find(turn, Item, item_id)  # not this channel's: as if it did not exist
    if item is None:
        await turn.send_text(turn.text("item.not_found", id=item_id))
        return
    async with turn.services.db.read() as s:
        at_unit = await s.get(Unit, item.current_unit_id)
    if item.current_unit_id != unit.id:
        await turn.send_text(
            turn.text(
                "mtg.lift_elsewhere",
                id=item_id,
                at=at_unit.name if at_unit else "?",
                unit=unit.name,
            )
        )
        return
    now = utcnow()
    try:
        async with turn.services.db.session() as s:
            result = await esc_service.escalate_item(
                s, item_id, _actor(turn), reason or None, now, lang=turn.lang
            )
            if result.at_top:
                message = turn.text("item.top", id=item_id, unit=unit.name)
            else:
                text = f"{turn.text('mtg.lift_decision')}: #{item_id}" + (
                    f" – {reason}" if reason else ""
                )
                await meetings_repo.add_decision(
                    s, occ, text, by=turn.user_id, lifted_item_id=item_id
                )
                target = result.outcome.after.current
                to = (await items_repo.units_by_id(s, [target]))[target].name
                if result.notice.pending_unit is not None:
                    who = ", ".join(result.notice.coordinators) or turn.text("item.no_coordinators")
                    message = turn.text("item.escalated_pending", id=item_id, unit=to, who=who)
                else:
                    message = turn.text("mtg.lifted", id=item_id, to=to, text=reason or "")
    except items_repo.ItemNotFound:
        await turn.send_text(turn.text("item.not_found", id=item_id))
        return
    except meetings_repo.MeetingError as exc:
        await _refuse(turn, exc)
        return
    except (esc.TransitionError, items_repo.StaleItem):
        async with turn.services.db.session() as s:
            fresh = await items_repo.get_item(s, item_id)
        status = t(turn.lang, f"item.status.{fresh.status}").lower() if fresh else "?"
        await turn.send_text(turn.text("item.closed", id=item_id, status=status))
        return
    turn.services.notify_changes()
    await turn.send_text(message)


# -- /action, /actions, /done --------------------------------------------------------------


async def _mentioned(turn: Turn) -> list[tuple[str, str, str | None]]:
    """People @mentioned in the message (not the bot): (channel id, name, aad id)."""
    act = turn.ctx.activity
    bot_id = act.recipient.id if act.recipient else None
    out: list[tuple[str, str, str | None]] = []
    for entity in act.entities or []:
        data = (
            entity.model_dump(by_alias=True, exclude_none=True)
            if hasattr(entity, "model_dump")
            else dict(entity)
        )
        if data.get("type") != "mention":
            continue
        who = data.get("mentioned") or {}
        member_id = who.get("id")
        if not member_id or member_id == bot_id:
            continue
        out.append((member_id, str(who.get("name") or ""), who.get("aadObjectId")))
    return out


async def _member_aad_id(turn: Turn, member_id: str) -> str | None:
    """The Entra id of a mentioned member, from the roster (mentions carry only the Teams id)."""
    client = turn.connector()
    conv = turn.ctx.activity.conversation
    if client is None or conv is None:
        return None
    try:
        member = await client.conversations.get_conversation_member(conv.id, member_id)
    except Exception:  # the roster is a nicety: the mention itself names the owner
        return None
    return member.aad_object_id or (member.model_extra or {}).get("aadObjectId")


async def _person_by_name(turn: Turn, name: str) -> Person | None:
    async with turn.services.db.session() as s:
        from sqlmodel import col, select

        people = list(
            (await s.execute(select(Person).where(col(Person.display_name).is_not(None))))
            .scalars()
            .all()
        )
    names = [p.display_name or "" for p in people]
    matched = match_name(name, names)
    if matched is None:
        # "@Nils" for "Nils Sjuksköterska": a unique first-name match is enough.
        first = [
            p for p in people if (p.display_name or "").casefold().split(" ")[0] == name.casefold()
        ]
        return first[0] if len(first) == 1 else None
    return next(p for p in people if p.display_name == matched)


@HANDLERS.command(
    "action", aliases=("åtgärd", "atgard"), role="coordinator", scopes=("channel",), sv="åtgärd"
)
async def action_command(turn: Turn, args: str) -> None:
    unit = await _unit_or_tell(turn)
    if unit is None or not await require(turn, unit, "coordinator"):
        return
    assert unit.id is not None
    await _sync_unit(turn, unit)
    text = args.strip()
    now = utcnow()
    today = _today(turn, now)
    due: date | None = None
    m = _DUE.search(text)
    if m:
        due = parse_date(m.group(1), today)
        if due is None:
            await turn.send_text(turn.text("mtg.err.bad_date", text=m.group(1)[:60]))
            return
        text = text[: m.start()].strip()
    # Owner: a Teams @mention, else "@Name" typed as text, else the person writing.
    owner_name, owner_channel, owner_aad = turn.user_name or "?", turn.user_channel_id, turn.user_id
    mentions = await _mentioned(turn)
    typed = _AT_NAME.search(text)
    if mentions:
        owner_channel, owner_name, owner_aad = mentions[0]
        owner_aad = owner_aad or await _member_aad_id(turn, owner_channel)
    elif typed:
        person = await _person_by_name(turn, typed.group(1).strip())
        if person is None:
            await turn.send_text(turn.text("mtg.err.unknown_person", name=typed.group(1)[:60]))
            return
        owner_name, owner_aad, owner_channel = (
            person.display_name or "?",
            person.aad_object_id,
            None,
        )
        text = (text[: typed.start()] + text[typed.end() :]).strip()
    if not text:
        await turn.send_text(turn.text("mtg.action_usage"))
        return
    async with turn.services.db.session() as s:
        follow_up = await meetings_repo.next_meeting(s, unit.id, now)
        recorded_at = await meetings_repo.current_or_latest(s, unit.id, now) or follow_up
    if due is None:
        if follow_up is None:
            await turn.send_text(turn.text("mtg.action_usage"))
            return
        due = follow_up.starts_at.astimezone(ZoneInfo(_zone(turn))).date()
    try:
        async with turn.services.db.session() as s:
            row = await meetings_repo.add_action(
                s,
                unit.id,
                text,
                owner_name=owner_name,
                owner_aad_id=owner_aad,
                owner_channel_id=owner_channel,
                due=due,
                today=today,
                recorded_at=recorded_at,
                follow_up=follow_up,
                by=turn.user_id,
            )
            await _tell_owner_privately(turn, s, unit, row)
    except meetings_repo.MeetingError as exc:
        await _refuse(turn, exc)
        return
    turn.services.notify_changes()
    await _confirm_with_mention(turn, row, today)


async def _tell_owner_privately(turn: Turn, s: Any, unit: Unit, row: ActionItem) -> None:
    """If the owner has a personal chat with the bot, the note goes there too (outbox)."""
    if not row.owner_aad_id or row.owner_aad_id == turn.user_id:
        return
    from sqlmodel import col, select

    conv = (
        (
            await s.execute(
                select(Conversation).where(
                    col(Conversation.user_aad_id) == row.owner_aad_id,
                    col(Conversation.kind) == "personal",
                    col(Conversation.active).is_(True),
                )
            )
        )
        .scalars()
        .first()
    )
    if conv is None or conv.id is None:
        return
    person = await channels_repo.get_person(s, turn.person_tenant, row.owner_aad_id)
    lang = person.language if person and person.language in ("sv", "en") else turn.lang
    note = t(lang, "mtg.action_owner_note", unit=unit.name, text=row.text,
             due=fmt.day_month(lang, row.due), id=row.id)  # fmt: skip
    await outbox_repo.enqueue(
        s,
        f"action:{row.id}:owner",
        conv.id,
        {"type": "message", "text": note, "textFormat": "markdown"},
    )


async def _confirm_with_mention(turn: Turn, row: ActionItem, today: date) -> None:
    """The confirmation @mentions the owner, so Teams tells them in the channel."""
    due = fmt.day_month(turn.lang, row.due, today)
    if row.owner_channel_id and row.owner_channel_id != turn.user_channel_id:
        # An XML message: the text people typed is escaped, so it can hold no tag or link.
        tag = f"<at>{escape(row.owner_name)}</at>"
        typed = escape(row.text)
        text = turn.text("mtg.action_added", id=row.id, text=typed, owner=tag, due=due)
        mention = Mention(
            mentioned=ChannelAccount(id=row.owner_channel_id, name=row.owner_name), text=tag
        )
        await turn.ctx.send_activity(
            Activity(type="message", text=text, text_format="xml", entities=[mention])
        )
        return
    await turn.send_text(
        turn.text("mtg.action_added", id=row.id, text=row.text, owner=row.owner_name, due=due)
    )


def _entry(a: ActionItem) -> ActionEntry:
    return ActionEntry(a.id or 0, a.text, a.owner_name, a.due, a.status, a.occurrence_id)


@HANDLERS.command("actions", aliases=("åtgärder", "atgarder"), scopes=("channel",), sv="åtgärder")
async def actions_command(turn: Turn, args: str) -> None:
    unit = await _unit_or_tell(turn)
    if unit is None:
        return
    await _send_actions(turn, unit, 1)


async def _send_actions(turn: Turn, unit: Unit, page: int) -> None:
    assert unit.id is not None
    async with turn.services.db.session() as s:
        rows = await meetings_repo.open_actions(s, unit.id)
    today = _today(turn, utcnow())
    entries = [_entry(a) for a in rows]
    await turn.send_card(
        actions_card(turn.lang, unit.name, entries, today, unit_id=unit.id, page=page),
        summary=turn.text("mtg.actions_title", unit=unit.name),
    )


@HANDLERS.action(ACTIONS_PAGE_VERB)
async def actions_page_action(turn: Turn, data: dict[str, Any]) -> None:
    """A page of the unit's open action items, in the unit's own channel."""
    unit = await turn.channel_unit()
    if unit is None or unit.id != _int(data.get("unit_id")):
        await turn.send_text(turn.text("error.bad_action"))
        return
    await _send_actions(turn, unit, _int(data.get("page")) or 1)


@HANDLERS.command("done", aliases=("klar", "klart"), scopes=("channel",), sv="klar")
async def done_command(turn: Turn, args: str) -> None:
    unit = await _unit_or_tell(turn)
    if unit is None:
        return
    m = _NUMBER.match(args.strip())
    if not m:
        await turn.send_text(turn.text("mtg.done_usage"))
        return
    await _close(turn, int(m.group(1)), unit)


@HANDLERS.action("action.done")
async def action_done_action(turn: Turn, data: dict[str, Any]) -> None:
    action_id = _int(data.get("action_id"))
    if action_id is None:
        await turn.send_text(turn.text("error.bad_action"))
        return
    await _close(turn, action_id, None)


async def _close(turn: Turn, action_id: int, unit: Unit | None) -> None:
    row = await scope.find(turn, ActionItem, action_id)  # another unit's: as if missing
    async with turn.services.db.session() as s:
        owner_unit = await s.get(Unit, row.unit_id) if row else None
    if row is None or owner_unit is None or (unit is not None and row.unit_id != unit.id):
        await turn.send_text(turn.text("mtg.no_action", id=action_id))
        return
    if row.status != "open":
        await turn.send_text(turn.text("mtg.already_done", id=action_id))
        return
    is_owner = bool(
        (turn.user_id and turn.user_id == row.owner_aad_id)
        or (turn.user_channel_id and turn.user_channel_id == row.owner_channel_id)
    )
    if not is_owner and not await _is_coordinator(turn, owner_unit):
        await turn.send_text(
            turn.text("mtg.done_denied", owner=row.owner_name, unit=owner_unit.name)
        )
        return
    async with turn.services.db.session() as s:
        fresh = await s.get(ActionItem, action_id)
        assert fresh is not None
        changed = await meetings_repo.close_action(s, fresh, turn.user_id, utcnow())
    key = "mtg.done" if changed else "mtg.already_done"
    await turn.send_text(turn.text(key, id=action_id, text=row.text))


# -- /minutes ----------------------------------------------------------------------------


@HANDLERS.command(
    "minutes", aliases=("protokoll", "minnesanteckningar"), scopes=("channel",), sv="protokoll"
)
async def minutes_command(turn: Turn, args: str) -> None:
    unit = await _unit_or_tell(turn)
    if unit is None:
        return
    assert unit.id is not None
    now = utcnow()
    if args.strip():
        occ = await _occurrence_from(turn, unit, args.strip())
        if occ is None:
            return
    else:
        async with turn.services.db.session() as s:
            occ = await meetings_repo.minutes_default(s, unit.id, now)
        if occ is None:
            await turn.send_text(turn.text("mtg.no_minutes", unit=unit.name))
            return
    async with turn.services.db.session() as s:
        view = await service.minutes_view(s, occ)
    await turn.send_card(
        minutes_card(turn.lang, view),
        summary=turn.text("mtg.minutes_title", name=view.meeting.name),
    )
