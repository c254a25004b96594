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

import scheduler.escalation_job  # noqa: F401  (registers the escalation_sweep job)
from bot import guard, scope
from bot.handlers.lifecycle import remember_conversation
from bot.permissions import require
from bot.router import Router
from bot.turn import Turn
from cards.items import item_card, items_list_card, raise_form_card
from core import escalation as esc
from i18n import format as fmt
from i18n.texts import t
from services import escalation as service
from storage import items_repo
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


def _actor(turn: Turn) -> str | None:
    return turn.user_name or turn.user_id


async def _topics(turn: Turn) -> list[str]:
    async with turn.services.db.session() as s:
        nodes = await items_repo.unit_nodes(s)
    return sorted({n.topic for n in nodes.values() if n.level == "topic" and n.topic})


async def _card_for(
    turn: Turn,
    item_id: int,
    *,
    headline: list[str] | None = None,
    notice: str | None = None,
) -> dict[str, Any] | None:
    if await scope.find(turn, Item, item_id) is None:  # missing, or not this person's here
        return None
    now = utcnow()
    async with turn.services.db.session() as s:
        item = await items_repo.get_item(s, item_id)
        if item is None:
            return None
        view = await service.item_view(s, item, now)
        due = await service.suggested_due(s, item, now)
    return item_card(turn.lang, view, headline=headline, notice=notice, suggested_due=due)


async def _show(turn: Turn, item_id: int, **kwargs: Any) -> None:
    card = await _card_for(turn, item_id, **kwargs)
    if card is None:
        await turn.send_text(turn.text("item.not_found", id=item_id))
        return
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


# -- commands ---------------------------------------------------------------------------


@HANDLERS.command("raise", aliases=("ärende", "arende", "nytt"), scopes=("channel",), sv="ärende")
async def raise_command(turn: Turn, args: str) -> None:
    unit = await turn.channel_unit()
    if unit is None:
        await turn.send_text(turn.text("item.unbound"))
        return
    kind, title, description = _parse_raise(args)
    if not title:
        await turn.send_card(
            raise_form_card(turn.lang, unit.name, await _topics(turn)),
            summary=turn.text("item.form.title", unit=unit.name),
        )
        return
    await _create(turn, unit, title=title, kind=kind, description=description)


async def _create(
    turn: Turn,
    unit: Unit,
    *,
    title: str,
    kind: str = "barrier",
    description: str | None = None,
    owner: str | None = None,
    due: date | None = None,
    topic: str | None = None,
) -> None:
    if len(title) > MAX_TITLE:
        await turn.send_text(turn.text("error.too_long", length=len(title), limit=MAX_TITLE))
        return
    if description and len(description) > MAX_TEXT:
        await turn.send_text(turn.text("error.too_long", length=len(description), limit=MAX_TEXT))
        return
    guard.check(title, description, owner)
    now = utcnow()
    async with turn.services.db.session() as s:
        item = await items_repo.create_item(
            s,
            unit,
            title,
            kind=kind,
            topic=topic,
            description=description,
            owner=owner,
            due=due,
            actor=turn.user_id,
            now=now,
        )
        await service.ensure_sweep_schedule(s)
        assert item.id is not None
        view = await service.item_view(s, item, now)
        suggested = await service.suggested_due(s, item, now)
    card = item_card(
        turn.lang,
        view,
        headline=[turn.text("item.created", id=item.id, unit=unit.name)],
        suggested_due=suggested,
    )
    activity_id = await turn.send_card(card, summary=turn.text("item.head.created"))
    conversation = await remember_conversation(turn)
    async with turn.services.db.session() as s:
        await items_repo.remember_card(
            s, item, unit.id or 0, "item", conversation_pk=conversation.id, activity_id=activity_id
        )


@HANDLERS.command("items", aliases=("ärenden", "arenden"), sv="ärenden")
async def items_command(turn: Turn, args: str) -> None:
    unit = await turn.channel_unit()
    if unit is None or unit.id is None:
        await turn.send_text(turn.text("item.unbound"))
        return
    wanted = _FILTERS.get(args.strip().casefold()) if args.strip() else None
    now = utcnow()
    keys = set(await turn.person_keys()) | {k.casefold() for k in [turn.user_name or ""] if k}
    async with turn.services.db.session() as s:
        rows = await items_repo.items_of_unit(s, unit.id)
        views = []
        for item in rows:
            view = await service.item_view(s, item, now, events=[])
            if wanted == "mine" and not _is_mine(item, turn.user_id, keys):
                continue
            if wanted == "overdue" and not view.overdue:
                continue
            if wanted == "escalated" and len(item.path) < 2:
                continue
            views.append(view)
    label = turn.text(f"items.filter.{wanted}") if wanted else None
    await turn.send_card(
        items_list_card(turn.lang, unit.name, views, label),
        summary=turn.text("items.title", unit=unit.name),
    )


def _is_mine(item: Item, user_id: str | None, keys: set[str]) -> bool:
    if user_id and item.created_by == user_id:
        return True
    return bool(item.owner and item.owner.casefold() in {k.casefold() for k in keys})


@HANDLERS.command("item", aliases=("visa",), sv="visa")
async def item_command(turn: Turn, args: str) -> None:
    match = _NUMBER.match(args.strip())
    if match is None:
        await turn.send_text(turn.text("item.escalate_usage"))
        return
    await _show(turn, int(match.group(1)))


@HANDLERS.command(
    "escalate", aliases=("lyft", "eskalera"), role="coordinator", scopes=("channel",), sv="lyft"
)
async def escalate_command(turn: Turn, args: str) -> None:
    match = _NUMBER.match(args.strip())
    if match is None or not match.group(2).strip():
        await turn.send_text(turn.text("item.escalate_usage"))
        return
    item_id, reason = int(match.group(1)), match.group(2).strip()
    await _escalate(turn, item_id, reason, expected_version=None)


async def _escalate(turn: Turn, item_id: int, reason: str, *, expected_version: int | None) -> None:
    if len(reason) > MAX_TEXT:
        await turn.send_text(turn.text("error.too_long", length=len(reason), limit=MAX_TEXT))
        return
    guard.check(reason)
    unit = await _current_unit(turn, item_id)
    if unit is None or not await require(turn, unit, "coordinator"):
        return

    async def run(s: Any) -> list[str]:
        result = await service.escalate_item(
            s,
            item_id,
            _actor(turn),
            reason,
            utcnow(),
            expected_version=expected_version,
            lang=turn.lang,
        )
        target = result.notice.pending_unit
        if result.at_top:
            return [turn.text("item.top", id=item_id, unit=unit.name)]
        if target is not None:
            who = ", ".join(result.notice.coordinators) or turn.text("item.no_coordinators")
            return [turn.text("item.escalated_pending", id=item_id, unit=target, who=who)]
        names = await items_repo.units_by_id(s, [result.outcome.after.current])
        to = names[result.outcome.after.current].name
        return [turn.text("item.escalated", id=item_id, unit=to)]

    await _transition(turn, item_id, run)


async def _current_unit(turn: Turn, item_id: int) -> Unit | None:
    """The unit the item is at, if the item is within this person's reach here; else
    tells them it is not found (as for an id that does not exist)."""
    item = await scope.find(turn, Item, item_id)
    unit = None
    if item is not None:
        async with turn.services.db.read() as s:
            unit = await s.get(Unit, item.current_unit_id)
    if unit is None:
        await turn.send_text(turn.text("item.not_found", id=item_id))
    return unit


async def _transition(turn: Turn, item_id: int, run: Callable[[Any], Awaitable[list[str]]]) -> None:
    """Run one transition in one transaction; answer with the item card as it is after.

    On a stale card (or a transition the state does not allow) nothing changes and
    the person sees the current state.
    """
    try:
        async with turn.services.db.session() as s:
            headline = await run(s)
    except items_repo.StaleItem:
        await _show(turn, item_id, notice=turn.text("item.stale"))
        return
    except items_repo.ItemNotFound:
        await turn.send_text(turn.text("item.not_found", id=item_id))
        return
    except esc.TransitionError as exc:
        await _refused(turn, item_id, exc.reason)
        return
    if turn.is_invoke:
        await _show(turn, item_id, headline=headline)
    else:
        await turn.send_text("\n\n".join(headline))


async def _refused(turn: Turn, item_id: int, reason: str) -> None:
    async with turn.services.db.session() as s:
        item = await items_repo.get_item(s, item_id)
    if item is None:
        await turn.send_text(turn.text("item.not_found", id=item_id))
        return
    if reason == "terminal":
        status = t(turn.lang, f"item.status.{item.status}").lower()
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


def _ids(data: dict[str, Any]) -> tuple[int, int] | None:
    item_id, version = data.get("item_id"), data.get("version")
    if isinstance(item_id, int) and isinstance(version, int):
        return item_id, version
    return None


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


async def _guarded_text(turn: Turn, value: str) -> bool:
    if not value:
        await turn.send_text(turn.text("item.need_text"))
        return False
    if len(value) > MAX_TEXT:
        await turn.send_text(turn.text("error.too_long", length=len(value), limit=MAX_TEXT))
        return False
    guard.check(value)
    return True


async def _prepare(turn: Turn, data: dict[str, Any], role: str) -> tuple[int, int] | None:
    ids = _ids(data)
    if ids is None:
        await turn.send_text(turn.text("error.bad_action"))
        return None
    unit = await _current_unit(turn, ids[0])
    if unit is None or not await require(turn, unit, role):
        return None
    return ids


@HANDLERS.action("item.create")
async def create_action(turn: Turn, data: dict[str, Any]) -> None:
    unit = await turn.channel_unit()
    if unit is None:
        await turn.send_text(turn.text("item.unbound"))
        return
    title = _text_input(data, "title")
    if not title:
        await turn.send_text(turn.text("item.raise_usage"))
        return
    kind = _text_input(data, "kind")
    topic = _text_input(data, "topic") or None
    if topic is not None and topic not in await _topics(turn):
        topic = None
    await _create(
        turn,
        unit,
        title=title,
        kind=kind if kind in esc.KINDS else "barrier",
        description=_text_input(data, "description") or None,
        owner=_text_input(data, "owner") or None,
        due=_date_input(data, "due"),
        topic=topic,
    )


@HANDLERS.action("item.escalate")
async def escalate_action(turn: Turn, data: dict[str, Any]) -> None:
    ids = _ids(data)
    if ids is None:
        await turn.send_text(turn.text("error.bad_action"))
        return
    reason = _text_input(data, "reason")
    if not await _guarded_text(turn, reason):
        return
    await _escalate(turn, ids[0], reason, expected_version=ids[1])


@HANDLERS.action("item.resolve")
async def resolve_action(turn: Turn, data: dict[str, Any]) -> None:
    answer = _text_input(data, "answer")
    if not await _guarded_text(turn, answer):
        return
    ids = await _prepare(turn, data, "coordinator")
    if ids is None:
        return
    item_id, version = ids

    async def run(s: Any) -> list[str]:
        outcome = await items_repo.resolve(
            s, item_id, actor=_actor(turn), answer=answer, now=utcnow(), expected_version=version
        )
        await service.notify(s, outcome, turn.lang)
        return [turn.text("item.resolved", id=item_id)]

    await _transition(turn, item_id, run)


@HANDLERS.action("item.send_back")
async def send_back_action(turn: Turn, data: dict[str, Any]) -> None:
    comment = _text_input(data, "comment")
    if not await _guarded_text(turn, comment):
        return
    ids = await _prepare(turn, data, "coordinator")
    if ids is None:
        return
    item_id, version = ids

    async def run(s: Any) -> list[str]:
        outcome = await items_repo.send_back(
            s, item_id, actor=_actor(turn), comment=comment, now=utcnow(), expected_version=version
        )
        await service.notify(s, outcome, turn.lang)
        to = (await items_repo.units_by_id(s, [outcome.after.current]))[outcome.after.current]
        return [turn.text("item.sent_back", id=item_id, unit=to.name)]

    await _transition(turn, item_id, run)


@HANDLERS.action("item.acknowledge")
async def acknowledge_action(turn: Turn, data: dict[str, Any]) -> None:
    due = _date_input(data, "due")
    if due is None:
        await turn.send_text(turn.text("item.bad_due"))
        return
    owner = _text_input(data, "owner") or _actor(turn)
    guard.check(owner)
    ids = await _prepare(turn, data, "coordinator")
    if ids is None:
        return
    item_id, version = ids

    async def run(s: Any) -> list[str]:
        outcome = await items_repo.acknowledge(
            s,
            item_id,
            actor=_actor(turn),
            owner=owner,
            due=due,
            now=utcnow(),
            expected_version=version,
        )
        await service.notify(s, outcome, turn.lang)
        return [turn.text("item.acknowledged", id=item_id, due=fmt.full_date(turn.lang, due))]

    await _transition(turn, item_id, run)


@HANDLERS.action("item.assign")
async def assign_action(turn: Turn, data: dict[str, Any]) -> None:
    owner = _text_input(data, "owner")
    if not await _guarded_text(turn, owner):
        return
    ids = await _prepare(turn, data, "coordinator")
    if ids is None:
        return
    item_id, _ = ids

    async def run(s: Any) -> list[str]:
        await items_repo.assign(s, item_id, actor=_actor(turn), owner=owner, now=utcnow())
        return [turn.text("item.assigned", id=item_id, owner=owner)]

    await _transition(turn, item_id, run)


@HANDLERS.action("item.comment")
async def comment_action(turn: Turn, data: dict[str, Any]) -> None:
    text = _text_input(data, "comment")
    if not await _guarded_text(turn, text):
        return
    ids = await _prepare(turn, data, "staff")
    if ids is None:
        return
    item_id, _ = ids

    async def run(s: Any) -> list[str]:
        await items_repo.comment(s, item_id, actor=_actor(turn), text=text, now=utcnow())
        return [turn.text("item.commented", id=item_id)]

    await _transition(turn, item_id, run)
