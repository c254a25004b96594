"""`meeting` / `möte`: the unit's meeting series and their meetings, in the unit's channel.

    möte                                   the series and their next meetings
    möte ny <name> <rule> [| place]        a new series (coordinator); also change, place
    möte ställ in [date|nästa]             cancel one meeting (coordinator)
    möte flytta <date> till <date time>    move one meeting (coordinator)
    möte avsluta [nr]                      end a series (coordinator)

The agenda, decisions, action items and minutes have their own modules (agenda.py,
decisions.py, actions.py, minutes.py).
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable

from bot.handlers.meeting_common import (
    channel_unit,
    meeting_from,
    named_day,
    sync_unit,
    today,
    zone,
)
from bot.permissions import require
from bot.router import Router
from bot.turn import Turn
from cards.meetings import leads_text, series_card
from core.recurrence import Recurrence, RuleError, parse_rule, take_times
from core.refusal import Refused
from core.series_words import split_name
from i18n import format as fmt
from i18n.texts import t
from services import meeting_graph
from services import meetings as service
from storage import meeting_input
from storage.meeting_models import MeetingSeries
from storage.models import Unit
from storage.types import utcnow

HANDLERS = Router()

MAX_NAME = 120
MAX_PLACE = 500
MAX_RULE = 300

_SUB_NEW = {"new", "create", "add", "ny", "nytt", "skapa"}
_SUB_CHANGE = {"change", "edit", "ändra", "andra"}
_SUB_PLACE = {"place", "plats", "where", "var"}
_SUB_CANCEL = {"cancel", "ställ", "stall", "inställ", "avboka", "ställin"}
_SUB_MOVE = {"move", "flytta"}
_SUB_END = {"end", "stop", "avsluta", "sluta"}

SubHandler = Callable[[Turn, Unit, str], Awaitable[None]]


@HANDLERS.command(
    "meeting", aliases=("möte", "mote", "möten", "meetings"), scopes=("channel",), sv="möte"
)
async def meeting_command(turn: Turn, args: str) -> None:
    unit = await channel_unit(turn)
    await sync_unit(turn, unit)
    word, _, rest = args.strip().partition(" ")
    sub = word.casefold()
    if not sub:
        await _show_series(turn, unit)
        return
    handlers: tuple[tuple[set[str], SubHandler], ...] = (
        (_SUB_NEW, _create_series),
        (_SUB_CHANGE, _change_series),
        (_SUB_PLACE, _change_place),
        (_SUB_CANCEL, _cancel_meeting),
        (_SUB_MOVE, _move_meeting),
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
    raise Refused("mtg.usage")


async def _show_series(turn: Turn, unit: Unit) -> None:
    assert unit.id is not None
    views = await service.series_views(turn.services.db, unit.id, utcnow(), turn.lang)
    if not views:
        raise Refused("mtg.no_series", unit=unit.name)
    await turn.send_card(
        series_card(turn.lang, unit.name, views),
        summary=turn.text("mtg.series_title", unit=unit.name),
    )


def _split_pipes(text: str) -> list[str]:
    return [p.strip() for p in text.split("|")]


async def _pick_series(turn: Turn, unit: Unit, text: str) -> tuple[MeetingSeries, str]:
    """`[nr] rest`: the series by number (needed only when the unit has several)."""
    assert unit.id is not None
    all_series = await service.series_of(turn.services.db, unit.id)
    m = re.match(r"^#?(\d{1,2})(?:\s+(.*))?$", text, re.DOTALL)
    # A number followed by a rule ("2 första tisdagen ...") picks the series, but a
    # time ("13-15") or a date ("3/12") is not a series number.
    if m and len(all_series) > 1:
        n = int(m.group(1))
        if not 1 <= n <= len(all_series):
            raise Refused("mtg.err.series_number", number=n)
        return all_series[n - 1], m.group(2) or ""
    if not all_series:
        raise Refused("mtg.no_series", unit=unit.name)
    if len(all_series) > 1:
        raise Refused("mtg.err.which_series")
    return all_series[0], text


async def _save(turn: Turn, unit: Unit, plan: service.SeriesPlan) -> None:
    series, first = await service.save_series(
        turn.services.db,
        unit,
        plan,
        actor=turn.user_id,
        zone=zone(turn),
        now=utcnow(),
        lang=turn.lang,
    )
    turn.services.notify_changes()
    key = "mtg.changed" if plan.existing else "mtg.created"
    said = turn.text(
        key,
        name=series.name,
        rule=fmt.recurrence(turn.lang, plan.rule),
        next=first.when(turn.lang) if first else turn.text("mtg.none"),
        leads=leads_text(turn.lang, list(series.lead_days)),
    )
    assert series.id is not None
    await meeting_graph.publish_quietly(
        turn.services.db, series.id, turn.services.graph, utcnow(), turn.lang
    )
    note = await service.holiday_note(turn.services.db, series.id, utcnow(), turn.lang)
    await turn.send_text(f"{said}\n\n{note}" if note else said)


def _parse_rule(turn: Turn, text: str) -> Recurrence:
    rule = parse_rule(text, today(turn, utcnow()))
    if rule.start is None:
        raise RuleError("no_time")
    return rule


async def _create_series(turn: Turn, unit: Unit, rest: str) -> None:
    """`ny <namn> <regel> [| plats]` (also the older `ny <regel> | plats | namn`): always a
    new series. Without a name it is the unit's first series, or a name is asked for."""
    parts = _split_pipes(rest)
    said = parts[0]
    place = parts[1] if len(parts) > 1 and parts[1] else None
    if not said:
        raise Refused("mtg.new_usage")
    for value, limit in ((said, MAX_RULE + MAX_NAME), (place or "", MAX_PLACE)):
        if value:
            meeting_input.guard(value, limit)
    assert unit.id is not None
    current = await service.series_of(turn.services.db, unit.id)
    if len(parts) > 2 and parts[2]:
        name: str | None = parts[2]
        rule_text = said
        rule = _parse_rule(turn, said)
    else:
        named = split_name(said, today(turn, utcnow()))
        if named.rule.start is None:
            raise RuleError("no_time")
        name, rule, rule_text = named.name, named.rule, named.rule_text
    if name is None:
        if current:
            raise Refused(
                "mtg.new_needs_name",
                names=", ".join(f"**{x.name}**" for x in current),
                rule=rule_text[:80],
            )
        # The unit's shared series is named in the deployment's language, not the typist's.
        name = t(turn.services.settings.language, "mtg.default_name")
    meeting_input.guard(name, MAX_NAME)
    meeting_input.guard(rule_text, MAX_RULE)
    if any(x.name.casefold() == name.casefold() for x in current):
        raise Refused("mtg.series_exists", name=name)
    await _save(turn, unit, service.SeriesPlan(name, rule, rule_text, place, None))


async def _change_series(turn: Turn, unit: Unit, rest: str) -> None:
    series, rest = await _pick_series(turn, unit, rest)
    parts = _split_pipes(rest)
    rule_text = parts[0] or series.rule_text
    place = (parts[1] or None) if len(parts) > 1 else series.place
    if place:
        meeting_input.guard(place, MAX_PLACE)
    meeting_input.guard(rule_text, MAX_RULE)
    rule = _parse_rule(turn, rule_text) if parts[0] else Recurrence.from_dict(series.rule)
    await _save(turn, unit, service.SeriesPlan(series.name, rule, rule_text, place, series))


async def _change_place(turn: Turn, unit: Unit, rest: str) -> None:
    series, rest = await _pick_series(turn, unit, rest)
    place = meeting_input.guard(rest, MAX_PLACE)
    rule = Recurrence.from_dict(series.rule)
    await _save(turn, unit, service.SeriesPlan(series.name, rule, series.rule_text, place, series))


async def _cancel_meeting(turn: Turn, unit: Unit, rest: str) -> None:
    occ = await meeting_from(turn, unit, rest)
    assert occ.id is not None
    when = await service.cancel_meeting(turn.services.db, occ.id, utcnow(), turn.lang)
    turn.services.notify_changes()
    await meeting_graph.publish_quietly(
        turn.services.db, occ.series_id, turn.services.graph, utcnow(), turn.lang
    )
    await turn.send_text(turn.text("mtg.cancelled_done", when=when))


async def _move_meeting(turn: Turn, unit: Unit, rest: str) -> None:
    m = re.match(r"^(.*?)\s+(?:till|to|->|→)\s+(.+)$", rest, re.IGNORECASE)
    if not m:
        raise Refused("mtg.move_usage")
    occ = await meeting_from(turn, unit, m.group(1).strip())
    start, end, day_part = take_times(m.group(2).casefold())
    day = named_day(turn, day_part.strip())
    if day is None:
        raise Refused("mtg.move_usage")
    assert occ.id is not None
    when = await service.move_meeting(
        turn.services.db, occ.id, day, start, end, utcnow(), turn.lang
    )
    turn.services.notify_changes()
    await meeting_graph.publish_quietly(
        turn.services.db, occ.series_id, turn.services.graph, utcnow(), turn.lang
    )
    await turn.send_text(turn.text("mtg.moved_done", when=when))


async def _end_series(turn: Turn, unit: Unit, rest: str) -> None:
    series, _ = await _pick_series(turn, unit, rest)
    assert series.id is not None
    await service.end_series(turn.services.db, series.id, utcnow(), turn.lang)
    await meeting_graph.publish_quietly(
        turn.services.db, series.id, turn.services.graph, utcnow(), turn.lang
    )
    turn.services.notify_changes()
    await turn.send_text(turn.text("mtg.ended", name=series.name))
