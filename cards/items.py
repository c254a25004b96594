"""Cards for items: the item card (also used for escalations, answers, reminders),
the form to raise one, and the list.

Built from plain views (no storage import). Buttons are Action.Execute with the
action name as verb and `{item_id, version}` as data: a card pressed after the
item moved on is recognised by its version and answered with the current state.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from cards.base import Card, Element, card, execute, facts, heading, plain, text, title
from core.escalation import ACTIVE, KINDS, OPEN, SENT_BACK
from i18n import format as fmt
from i18n.texts import t

MAX_TRAIL = 25
MAX_FIELD = 1500
LIST_ITEMS = 60  # lines of about 200 characters: the list stays near 25 KB

# The card actions (Action.Execute verbs); bot/handlers/items.py answers them.
CREATE_VERB = "item.create"
ACKNOWLEDGE_VERB = "item.acknowledge"
RESOLVE_VERB = "item.resolve"
SEND_BACK_VERB = "item.send_back"
ESCALATE_VERB = "item.escalate"
ASSIGN_VERB = "item.assign"
COMMENT_VERB = "item.comment"


@dataclass(frozen=True)
class EventView:
    at: datetime
    unit: str
    actor: str | None
    event: str
    text: str | None
    to_unit: str | None = None


@dataclass(frozen=True)
class ItemView:
    id: int
    version: int
    kind: str
    title: str
    status: str
    origin: str
    current: str
    path: list[str]
    topic: str | None
    owner: str | None
    due: date | None
    description: str | None
    answer: str | None
    created_at: datetime
    arrived_at: datetime
    at_top: bool
    delivery_pending: bool
    escalated_here: bool  # arrived at the current unit by escalation
    age_days: int
    overdue: bool = False
    trail: list[EventView] = field(default_factory=list)


def age_text(lang: str, days: int) -> str:
    if days <= 0:
        return t(lang, "item.age_zero")
    return fmt.plural(lang, "item.age", days)


def _clip(value: str, limit: int = MAX_FIELD) -> str:
    return value if len(value) <= limit else value[: limit - 1] + "…"


# An Entra object id or an erased person's pseudonym: an identifier, never a name to show.
_NOT_A_NAME = re.compile(
    r"^(?:[0-9a-f]{8}(?:-[0-9a-f]{4}){3}-[0-9a-f]{12}|erased-[0-9a-f]+)$", re.I
)


def event_line(lang: str, ev: EventView) -> str:
    if not ev.actor:
        who = t(lang, "item.bot")
    elif _NOT_A_NAME.match(ev.actor):
        who = t(lang, "item.someone")
    else:
        who = plain(ev.actor)
    what = t(lang, f"item.event.{ev.event}", to=ev.to_unit or "?")
    line = f"{fmt.stamp(lang, ev.at)} · {ev.unit} · {who}: {what}"
    if ev.text:
        line += f" – “{plain(_clip(ev.text, 500))}”"
    return line


def _data(item: ItemView) -> dict[str, Any]:
    return {"item_id": item.id, "version": item.version}


def _show(label: str, body: list[Element], verb: str, item: ItemView, lang: str) -> Element:
    return {
        "type": "Action.ShowCard",
        "title": label,
        "card": {
            "type": "AdaptiveCard",
            "body": body,
            "actions": [execute(t(lang, "item.a.save"), verb, _data(item))],
        },
    }


def _input_text(input_id: str, label: str, *, multiline: bool = True) -> Element:
    return {
        "type": "Input.Text",
        "id": input_id,
        "label": label,
        "isMultiline": multiline,
        "maxLength": 2000,
        "isRequired": True,
        "errorMessage": label,
    }


def _input_date(input_id: str, label: str, value: date | None) -> Element:
    el: Element = {"type": "Input.Date", "id": input_id, "label": label, "isRequired": True}
    if value is not None:
        el["value"] = value.isoformat()
    return el


def item_actions(lang: str, item: ItemView, suggested_due: date | None) -> list[Element]:
    if item.status not in ACTIVE:
        return []
    actions: list[Element] = []
    if item.status in (OPEN, SENT_BACK) or item.escalated_here:
        actions.append(
            _show(
                t(lang, "item.a.acknowledge"),
                [
                    _input_text("owner", t(lang, "item.i.owner"), multiline=False)
                    | {"isRequired": False},
                    _input_date("due", t(lang, "item.i.due"), item.due or suggested_due),
                ],
                ACKNOWLEDGE_VERB,
                item,
                lang,
            )
        )
    actions.append(
        _show(
            t(lang, "item.a.resolve"),
            [_input_text("answer", t(lang, "item.i.answer"))],
            RESOLVE_VERB,
            item,
            lang,
        )
    )
    if item.escalated_here:
        actions.append(
            _show(
                t(lang, "item.a.send_back"),
                [_input_text("comment", t(lang, "item.i.comment"))],
                SEND_BACK_VERB,
                item,
                lang,
            )
        )
    actions.append(
        _show(
            t(lang, "item.a.escalate_further" if item.escalated_here else "item.a.escalate"),
            [_input_text("reason", t(lang, "item.i.reason"))],
            ESCALATE_VERB,
            item,
            lang,
        )
    )
    if not item.escalated_here:
        actions.append(
            _show(
                t(lang, "item.a.assign"),
                [_input_text("owner", t(lang, "item.i.owner"), multiline=False)],
                ASSIGN_VERB,
                item,
                lang,
            )
        )
    actions.append(
        _show(
            t(lang, "item.a.comment"),
            [_input_text("comment", t(lang, "item.i.comment"))],
            COMMENT_VERB,
            item,
            lang,
        )
    )
    return actions


def item_card(
    lang: str,
    item: ItemView,
    *,
    headline: list[str] | None = None,
    notice: str | None = None,
    with_actions: bool = True,
    suggested_due: date | None = None,
) -> Card:
    """The item: what, where from, the whole trail, and what can be done now."""
    body: list[Element] = []
    if notice:
        body.append(text(notice, weight="Bolder"))
    for i, line in enumerate(headline or []):
        body.append(
            text(line, weight="Bolder" if i == 0 else None, color="Accent" if i == 0 else None)
        )
    body.append(title(t(lang, "item.title", id=item.id, title=plain(item.title))))
    pairs = [
        (t(lang, "item.f.kind"), t(lang, f"item.kind.{item.kind}")),
        (t(lang, "item.f.status"), t(lang, f"item.status.{item.status}")),
        (t(lang, "item.f.origin"), item.origin),
        (t(lang, "item.f.current"), item.current),
        (t(lang, "item.f.path"), " → ".join(item.path)),
        (t(lang, "item.f.topic"), item.topic or t(lang, "item.none")),
        (t(lang, "item.f.owner"), plain(item.owner) if item.owner else t(lang, "item.nobody")),
        (
            t(lang, "item.f.due"),
            fmt.full_date(lang, item.due) if item.due else t(lang, "item.none"),
        ),
        (t(lang, "item.f.age"), age_text(lang, item.age_days)),
    ]
    body.append(facts(pairs))
    if item.description:
        body.append(text(plain(_clip(item.description))))
    if item.answer:
        body.append(heading(t(lang, "item.answer")))
        body.append(text(plain(_clip(item.answer or ""))))
    if item.at_top and item.status in ACTIVE:
        body.append(text(t(lang, "item.at_top"), color="Attention"))
    if item.delivery_pending:
        body.append(text(t(lang, "item.pending", unit=item.current), weight="Bolder"))
    if item.trail:
        body.append(heading(t(lang, "item.trail")))
        shown = item.trail[-MAX_TRAIL:]
        lines = []
        if len(item.trail) > len(shown):
            lines.append(fmt.plural(lang, "item.trail_more", len(item.trail) - len(shown)))
        lines.extend(event_line(lang, ev) for ev in shown)
        body.append(text("\n\n".join(lines), size="Small"))
    actions = item_actions(lang, item, suggested_due) if with_actions else []
    return card(body, actions)


def raise_form_card(lang: str, unit: str, topics: list[str], prefill_title: str = "") -> Card:
    kind_choices = [{"title": t(lang, f"item.kind.{k}"), "value": k} for k in KINDS]
    body: list[Element] = [
        title(t(lang, "item.form.title", unit=unit)),
        {
            "type": "Input.Text",
            "id": "title",
            "label": t(lang, "item.i.title"),
            "maxLength": 200,
            "isRequired": True,
            "errorMessage": t(lang, "item.i.title"),
            **({"value": prefill_title} if prefill_title else {}),
        },
        {
            "type": "Input.ChoiceSet",
            "id": "kind",
            "label": t(lang, "item.f.kind"),
            "choices": kind_choices,
            "value": "barrier",
        },
        {
            "type": "Input.Text",
            "id": "description",
            "label": t(lang, "item.i.description"),
            "isMultiline": True,
            "maxLength": 2000,
        },
        {"type": "Input.Text", "id": "owner", "label": t(lang, "item.i.owner"), "maxLength": 200},
        {"type": "Input.Date", "id": "due", "label": t(lang, "item.i.due")},
    ]
    if topics:
        body.append(
            {
                "type": "Input.ChoiceSet",
                "id": "topic",
                "label": t(lang, "item.i.topic"),
                "choices": [{"title": x, "value": x} for x in topics],
            }
        )
    return card(body, [execute(t(lang, "item.a.create"), CREATE_VERB, {})])


def items_list_card(
    lang: str, unit: str, items: list[ItemView], filter_label: str | None = None
) -> Card:
    body: list[Element] = [title(t(lang, "items.title", unit=unit))]
    if filter_label:
        body.append(text(t(lang, "items.filtered", filter=filter_label), subtle=True))
    if not items:
        body.append(text(t(lang, "items.none")))
        return card(body)
    lines = []
    for item in items[:LIST_ITEMS]:
        flags = []
        if item.overdue:
            flags.append(t(lang, "items.flag.overdue"))
        if item.at_top:
            flags.append(t(lang, "items.flag.top"))
        if item.delivery_pending:
            flags.append(t(lang, "items.flag.pending"))
        lines.append(
            t(
                lang,
                "items.line",
                id=item.id,
                title=plain(_clip(item.title, 120)),
                status=t(lang, f"item.status.{item.status}").lower(),
                unit=item.current,
                flags=(" · " + ", ".join(flags)) if flags else "",
            )
        )
    body.append(text("\n\n".join(lines)))
    if len(items) > LIST_ITEMS:
        body.append(text(t(lang, "list.more_items", count=len(items) - LIST_ITEMS), subtle=True))
    return card(body)
