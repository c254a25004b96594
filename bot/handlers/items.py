"""Items (ärenden): raise, list, show, escalate; and the item card's buttons.

Commands: `raise`/`ärende`/`nytt`, `items`/`ärenden`, `item`/`visa`,
`escalate`/`lyft`/`eskalera` (coordinator of the unit the item is at).
Card actions (Action.Execute verbs, data `{item_id, version}`): item.create,
item.assign, item.comment, item.acknowledge, item.resolve, item.send_back,
item.escalate. A button pressed on an out-of-date card answers with the item as
it is now and changes nothing.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from datetime import date
from typing import Any

from bot import guard, scope
from bot.handlers.lifecycle import remember_conversation
from bot.permissions import require
from bot.router import ActionHandler, Router
from bot.turn import Turn
from bot.unit_choice import unit_for
from cards import items as cards
from cards.base import Card
from core import escalation as esc
from core.item_values import NewItem
from core.refusal import Refused
from i18n import format as fmt
from services import items as service
from storage import items_repo
from storage.db import Database
from storage.item_models import Item
from storage.models import Unit
from storage.types import utcnow

HANDLERS = Router()

MAX_TITLE = items_repo.MAX_TITLE
MAX_TEXT = 2000

_KIND_WORDS = {
    "hinder": "barrier",
    "barrier": "barrier",
    "fråga": "question",
    "fraga": "question",
    "question": "question",
    "förslag": "proposal",
    "forslag": "proposal",
    "proposal": "proposal",
}
_FILTERS = {
    "mina": "mine",
    "mine": "mine",
    "försenade": "overdue",
    "forsenade": "overdue",
    "overdue": "overdue",
    "lyfta": "escalated",
    "eskalerade": "escalated",
    "escalated": "escalated",
}
_NUMBER = re.compile(r"^#?(\d{1,9})\b\s*(.*)$", re.DOTALL)

Headline = list[str]


def _actor(turn: Turn) -> str | None:
    return turn.user_name or turn.user_id


def _too_long(value: str | None, limit: int) -> None:
    if value and len(value) > limit:
        raise Refused("error.too_long", length=len(value), limit=limit)


async def _show(
    turn: Turn, item_id: int, *, headline: Headline | None = None, notice: str | None = None
) -> None:
    """The item card as it is now; an item out of this person's reach here is not found."""
    shown = None
    if await scope.find(turn, Item, item_id) is not None:
        shown = await service.show(turn.services.db, item_id, utcnow())
    if shown is None:
        raise Refused("item.not_found", id=item_id)
    card = cards.item_card(
        turn.lang, shown.view, headline=headline, notice=notice, suggested_due=shown.suggested_due
    )
    await turn.send_card(card, summary=turn.text("item.title", id=item_id, title=""))


def _parse_raise(args: str) -> tuple[str, str, str | None]:
    """`[kind:] title [| description]` -> (kind, title, description)."""
    kind = "barrier"
    head, sep, tail = args.partition("|")
    head = head.strip()
    word, colon, rest = head.partition(":")
    if colon and word.strip().casefold() in _KIND_WORDS:
        kind = _KIND_WORDS[word.strip().casefold()]
        head = rest.strip()
    return kind, head, tail.strip() if sep else None


async def _channel_unit(turn: Turn) -> Unit:
    unit = await turn.channel_unit()
    if unit is None or unit.id is None:
        raise Refused("item.unbound")
    return unit


# -- commands ---------------------------------------------------------------------------


@HANDLERS.command("raise", aliases=("ärende", "arende", "nytt"), scopes=("channel",), sv="ärende")
async def raise_command(turn: Turn, args: str) -> None:
    unit = await _channel_unit(turn)
    kind, title, description = _parse_raise(args)
    if not title:
        await turn.send_card(
            cards.raise_form_card(turn.lang, unit.name, await service.topics(turn.services.db)),
            summary=turn.text("item.form.title", unit=unit.name),
        )
        return
    await _create(turn, unit, NewItem(title, kind=kind, description=description))


async def _create(turn: Turn, unit: Unit, new: NewItem) -> None:
    _too_long(new.title, MAX_TITLE)
    _too_long(new.description, MAX_TEXT)
    guard.check(new.title, new.description, new.owner)
    await post_new(turn, unit, new)


async def post_new(turn: Turn, unit: Unit, new: NewItem) -> tuple[Item, Card]:
    """Raise `new` at the unit and post its card here, remembered so that later changes
    update it; returns the item and its card (checking the values is the caller's)."""
    created = await service.create(turn.services.db, unit, new, actor=turn.user_id, now=utcnow())
    card = cards.item_card(
        turn.lang,
        created.view,
        headline=[turn.text("item.created", id=created.item.id, unit=unit.name)],
        suggested_due=created.suggested_due,
    )
    activity_id = await turn.send_card(card, summary=turn.text("item.head.created"))
    conversation = await remember_conversation(turn)
    await service.remember_card(
        turn.services.db, created.item, unit.id or 0, conversation.id, activity_id
    )
    return created.item, card


@HANDLERS.command("items", aliases=("ärenden", "arenden"), sv="ärenden")
async def items_command(turn: Turn, args: str) -> None:
    # In a personal or group chat: the unit named, the person's only one, or a choice.
    chosen = await unit_for(turn, turn.text("cmd.word.items"), args)
    if chosen is None:
        return
    unit, args = chosen
    assert unit.id is not None
    wanted = _FILTERS.get(args.strip().casefold()) if args.strip() else None
    keys = set(await turn.person_keys()) | {k.casefold() for k in [turn.user_name or ""] if k}
    views = await service.of_unit(
        turn.services.db, unit.id, utcnow(), wanted=wanted, user_id=turn.user_id, keys=keys
    )
    label = turn.text(f"items.filter.{wanted}") if wanted else None
    await turn.send_card(
        cards.items_list_card(turn.lang, unit.name, views, label),
        summary=turn.text("items.title", unit=unit.name),
    )


@HANDLERS.command("item", aliases=("visa",), sv="visa")
async def item_command(turn: Turn, args: str) -> None:
    match = _NUMBER.match(args.strip())
    if match is None:
        raise Refused("item.escalate_usage")
    await _show(turn, int(match.group(1)))


@HANDLERS.command(
    "escalate", aliases=("lyft", "eskalera"), role="coordinator", scopes=("channel",), sv="lyft"
)
async def escalate_command(turn: Turn, args: str) -> None:
    match = _NUMBER.match(args.strip())
    if match is None or not match.group(2).strip():
        raise Refused("item.escalate_usage")
    item_id, reason = int(match.group(1)), match.group(2).strip()
    await _escalate(turn, item_id, reason, expected_version=None)


async def _escalate(turn: Turn, item_id: int, reason: str, *, expected_version: int | None) -> None:
    _too_long(reason, MAX_TEXT)
    guard.check(reason)
    unit = await _current_unit(turn, item_id)
    if not await require(turn, unit, "coordinator"):
        return

    async def run() -> Headline:
        lifted = await service.escalate(
            turn.services.db,
            item_id,
            actor=_actor(turn),
            reason=reason,
            now=utcnow(),
            expected_version=expected_version,
            lang=turn.lang,
        )
        if lifted.at_top:
            return [turn.text("item.top", id=item_id, unit=unit.name)]
        if lifted.pending:
            who = ", ".join(lifted.coordinators) or turn.text("item.no_coordinators")
            return [turn.text("item.escalated_pending", id=item_id, unit=lifted.to, who=who)]
        return [turn.text("item.escalated", id=item_id, unit=lifted.to)]

    await _transition(turn, item_id, run)


async def _current_unit(turn: Turn, item_id: int) -> Unit:
    """The unit the item is at, if the item is within this person's reach here; else
    refused as not found (as for an id that does not exist)."""
    item = await scope.find(turn, Item, item_id)
    unit = await service.current_unit(turn.services.db, item) if item is not None else None
    if unit is None:
        raise Refused("item.not_found", id=item_id)
    return unit


async def _transition(turn: Turn, item_id: int, run: Callable[[], Awaitable[Headline]]) -> None:
    """Run one transition (one transaction); answer with the item card as it is after.

    On a stale card (or a transition the state does not allow) nothing changes and
    the person sees the current state.
    """
    try:
        headline = await run()
    except items_repo.StaleItem:
        await _show(turn, item_id, notice=turn.text("item.stale"))
        return
    except items_repo.ItemNotFound:
        raise Refused("item.not_found", id=item_id) from None
    except esc.TransitionError as exc:
        await _not_allowed(turn, item_id, exc.reason)
        return
    if turn.is_invoke:
        await _show(turn, item_id, headline=headline)
    else:
        await turn.send_text("\n\n".join(headline))


async def _not_allowed(turn: Turn, item_id: int, reason: str) -> None:
    item = await service.get(turn.services.db, item_id)
    if item is None:
        raise Refused("item.not_found", id=item_id)
    if reason == "terminal":
        status = turn.text(f"item.status.{item.status}").lower()
        message = turn.text("item.closed", id=item_id, status=status)
    elif reason == "not_escalated":
        message = turn.text("item.cannot_send_back", id=item_id)
    elif reason == "bad_due":
        message = turn.text("item.bad_due")
    else:
        message = turn.text("item.stale")
    if turn.is_invoke:
        await _show(turn, item_id, notice=message)
    else:
        await turn.send_text(message)


# -- card actions -------------------------------------------------------------------------


def _ids(data: dict[str, Any]) -> tuple[int, int]:
    item_id, version = data.get("item_id"), data.get("version")
    if isinstance(item_id, int) and isinstance(version, int):
        return item_id, version
    raise Refused("error.bad_action")


def _text_input(data: dict[str, Any], key: str) -> str:
    value = data.get(key)
    return value.strip() if isinstance(value, str) else ""


def _date_input(data: dict[str, Any], key: str) -> date | None:
    value = data.get(key)
    if not isinstance(value, str) or not value.strip():
        return None
    try:
        return date.fromisoformat(value.strip()[:10])
    except ValueError:
        return None


def _guarded_text(value: str) -> str:
    if not value:
        raise Refused("item.need_text")
    _too_long(value, MAX_TEXT)
    guard.check(value)
    return value


async def _act(
    turn: Turn, data: dict[str, Any], role: str, run: Callable[[service.Step], Awaitable[Headline]]
) -> None:
    """A button on the item card: the person needs `role` at the unit the item is at now;
    `run(step)` makes the change (see `_transition`)."""
    item_id, version = _ids(data)
    unit = await _current_unit(turn, item_id)
    if not await require(turn, unit, role):
        return
    step = service.Step(item_id, version, _actor(turn), utcnow(), turn.lang)
    await _transition(turn, item_id, lambda: run(step))


def _text_step(
    field: str,
    role: str,
    apply: Callable[[Database, service.Step, str], Awaitable[None]],
    done: str,
    *,
    shown_as: str | None = None,
) -> ActionHandler:
    """A card button whose one text input `field` (required, guarded) `apply` records,
    for a person with `role` at the item's unit; the headline is the text `done` with
    the item's id (and the input as placeholder `shown_as`)."""

    async def handler(turn: Turn, data: dict[str, Any]) -> None:
        value = _guarded_text(_text_input(data, field))

        async def run(step: service.Step) -> Headline:
            await apply(turn.services.db, step, value)
            shown = {shown_as: value} if shown_as else {}
            return [turn.text(done, id=step.item_id, **shown)]

        await _act(turn, data, role, run)

    return handler


@HANDLERS.action(cards.CREATE_VERB)
async def create_action(turn: Turn, data: dict[str, Any]) -> None:
    unit = await _channel_unit(turn)
    title = _text_input(data, "title")
    if not title:
        raise Refused("item.raise_usage")
    kind = _text_input(data, "kind")
    topic = _text_input(data, "topic") or None
    if topic is not None and topic not in await service.topics(turn.services.db):
        topic = None
    new = NewItem(
        title,
        kind=kind if kind in esc.KINDS else "barrier",
        topic=topic,
        description=_text_input(data, "description") or None,
        owner=_text_input(data, "owner") or None,
        due=_date_input(data, "due"),
    )
    await _create(turn, unit, new)


@HANDLERS.action(cards.ESCALATE_VERB)
async def escalate_action(turn: Turn, data: dict[str, Any]) -> None:
    item_id, version = _ids(data)
    reason = _guarded_text(_text_input(data, "reason"))
    await _escalate(turn, item_id, reason, expected_version=version)


HANDLERS.action(cards.RESOLVE_VERB)(
    _text_step("answer", "coordinator", service.resolve, "item.resolved")
)


@HANDLERS.action(cards.SEND_BACK_VERB)
async def send_back_action(turn: Turn, data: dict[str, Any]) -> None:
    comment = _guarded_text(_text_input(data, "comment"))

    async def run(step: service.Step) -> Headline:
        to = await service.send_back(turn.services.db, step, comment)
        return [turn.text("item.sent_back", id=step.item_id, unit=to)]

    await _act(turn, data, "coordinator", run)


@HANDLERS.action(cards.ACKNOWLEDGE_VERB)
async def acknowledge_action(turn: Turn, data: dict[str, Any]) -> None:
    due = _date_input(data, "due")
    if due is None:
        raise Refused("item.bad_due")
    owner = _text_input(data, "owner") or _actor(turn)
    guard.check(owner)

    async def run(step: service.Step) -> Headline:
        await service.acknowledge(turn.services.db, step, owner, due)
        return [turn.text("item.acknowledged", id=step.item_id, due=fmt.full_date(turn.lang, due))]

    await _act(turn, data, "coordinator", run)


HANDLERS.action(cards.ASSIGN_VERB)(
    _text_step("owner", "coordinator", service.assign, "item.assigned", shown_as="owner")
)


HANDLERS.action(cards.COMMENT_VERB)(
    _text_step("comment", "staff", service.comment, "item.commented")
)
