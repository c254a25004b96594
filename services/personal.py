"""Personal messages: post to one person's 1:1 chat with the bot, through the outbox.

A shared primitive (alerts, reminders, nudges, digests may all use it):

    outcome = await send_personal(session, tenant_id, object_id, subject="action:12:due",
                                  day=local_day, activity=card_message(...), unit_id=unit)

- The idempotency key is `personal:{tenant}:{object id}:{day}:{subject}`: one message per
  person, day and subject, however often a job or two instances ask (the outbox's unique
  key). Give `day=None` for a once-ever message (the key then says `once`).
- Where it goes, in order:
  1. the person's stored personal chat (written by bot/handlers/lifecycle.py from a
     verified activity);
  2. else a chat the bot opens itself: a pending conversation row that the delivery
     dispatcher opens with the Bot Connector's `POST /v3/conversations` (Teams allows it
     for users who have the app; storage/personal_repo.py), right after installing the
     app for the person through Graph where the tenant grants it (delivery/dispatcher.py
     `AdapterSender`, services/app_install.py): no Graph call in the caller's transaction;
  3. else (no route into the tenant yet) the coordinators of `unit_id` are told once, in
     the unit's channel, with a mention (cards/mentions.py).
- With `own_tenant` given (the bot's own tenant; None in anonymous local mode), a person of
  another organisation (a shared channel's member) is never sent to personally: no chat is
  opened and no Graph call is made in the wrong tenant (core/tenancy.py `reach`); the
  coordinators are told once that they are reached in the channel only, and why.
- A person whose chat answered 403/404 (left the tenant, or removed the app) has their
  chat deactivated by the dispatcher; the next personal message marks them as left
  (`people.left_at`), sends nothing, and tells the coordinators once. Seen again in a
  personal chat, they get messages again.

Nothing here reads pulse answers; the caller decides what a person may see (scope
rules, core/nudges.py) before handing the activity over.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from cards.base import card, card_message, text
from core.tenancy import reach
from i18n.texts import t
from services import mentions
from storage import channels_repo, outbox_repo, personal_repo
from storage.types import utcnow

log = logging.getLogger(__name__)


class Outcome(StrEnum):
    QUEUED = "queued"  # on the person's chat (already open, or opened on delivery)
    LEFT = "left"  # unreachable in Teams: nothing sent, coordinators told once
    UNREACHABLE = "unreachable"  # no way into the tenant yet: coordinators told once
    ELSEWHERE = "elsewhere"  # another organisation: reached in the channel, coordinators told
    DUPLICATE = "duplicate"  # this person, day and subject were queued before


def key_for(tenant_id: str, object_id: str, day: date | None, subject: str) -> str:
    when = day.isoformat() if day is not None else "once"
    return f"personal:{tenant_id.lower()}:{object_id}:{when}:{subject}"[:300]


def recipient_of(key: str) -> tuple[str, str] | None:
    """(tenant id, object id) of a `key_for` key; None for any other key."""
    parts = key.split(":", 3)
    if len(parts) < 4 or parts[0] != "personal":
        return None
    return parts[1], parts[2]


@dataclass(frozen=True)
class Message:
    """One personal message for `send_many`."""

    tenant_id: str
    object_id: str
    subject: str
    day: date | None
    activity: dict[str, Any]
    unit_id: int | None = None
    lang: str = "sv"

    @property
    def key(self) -> str:
        return key_for(self.tenant_id, self.object_id, self.day, self.subject)


async def send_personal(
    session: AsyncSession,
    tenant_id: str,
    object_id: str,
    *,
    subject: str,
    day: date | None,
    activity: dict[str, Any],
    unit_id: int | None = None,
    lang: str = "sv",
    now: datetime | None = None,
    own_tenant: str | None = None,
) -> Outcome:
    """Queue `activity` for the person's 1:1 chat, in the caller's transaction."""
    message = Message(tenant_id, object_id, subject, day, activity, unit_id, lang)
    [outcome] = await send_many(session, [message], now=now, own_tenant=own_tenant)
    return outcome


async def send_many(
    session: AsyncSession,
    messages: list[Message],
    *,
    now: datetime | None = None,
    own_tenant: str | None = None,
) -> list[Outcome]:
    """`send_personal` for many messages: the chats and people read in bulk, the outbox
    rows written in multi-row inserts (a county's daily nudges in a few statements)."""
    now = now or utcnow()
    chats = await personal_repo.chats_of_many(session, [m.object_id for m in messages])
    people = await channels_repo.get_people(session, [(m.tenant_id, m.object_id) for m in messages])
    outcomes: list[Outcome | None] = [None] * len(messages)
    rows: list[tuple[str, int, dict[str, Any]]] = []
    seen: set[str] = set()
    for n, m in enumerate(messages):
        if m.key in seen:
            outcomes[n] = Outcome.DUPLICATE
            continue
        seen.add(m.key)
        if own_tenant is not None and not reach(m.tenant_id, own_tenant).personal:
            await _tell_coordinators(
                session, m.tenant_id, m.object_id, m.unit_id, "personal.elsewhere", m.lang
            )
            outcomes[n] = Outcome.ELSEWHERE
            continue
        mine = chats.get(m.object_id, [])
        active = [c for c in mine if c.active and c.id is not None]
        person = people.get((m.tenant_id.lower(), m.object_id))
        if active:
            if person is not None and person.left_at is not None:
                person.left_at = None  # seen again in a personal chat
            rows.append((m.key, active[0].id or 0, m.activity))
            continue
        if mine:  # every chat was deactivated by a 403/404: left, or removed the app
            if person is not None and person.left_at is None:
                person.left_at = now
            await _tell_coordinators(
                session, m.tenant_id, m.object_id, m.unit_id, "personal.left", m.lang
            )
            outcomes[n] = Outcome.LEFT
            continue
        route = await personal_repo.tenant_route(session, m.tenant_id)
        if route is None:
            await _tell_coordinators(
                session, m.tenant_id, m.object_id, m.unit_id, "personal.unreachable", m.lang
            )
            outcomes[n] = Outcome.UNREACHABLE
            continue
        chat = await personal_repo.pending_chat(session, m.tenant_id, m.object_id, route)
        assert chat.id is not None
        chats[m.object_id] = [chat]  # the next message to them queues on it too
        rows.append((m.key, chat.id, m.activity))
    inserted = await personal_repo.enqueue_many(session, rows)
    keys = iter(key for key, _, _ in rows)
    for n, outcome in enumerate(outcomes):
        if outcome is None:
            outcomes[n] = Outcome.QUEUED if next(keys) in inserted else Outcome.DUPLICATE
    return [o for o in outcomes if o is not None]


async def _tell_coordinators(
    session: AsyncSession,
    tenant_id: str,
    object_id: str,
    unit_id: int | None,
    text_key: str,
    lang: str,
) -> None:
    """Once per person and unit: the unit's coordinators, in its channel, by mention."""
    if unit_id is None:
        log.info("personal message for %s not sent: unreachable, no unit to tell", object_id)
        return
    binding = await channels_repo.active_binding_for_unit(session, unit_id)
    if binding is None:
        return
    names = await channels_repo.display_names(session, {object_id})
    who = names.get(object_id) or object_id
    body = card([text(t(lang, text_key, who=who))])
    people = [p for p in await mentions.coordinators(session, unit_id) if p.object_id != object_id]
    content = mentions.add_line(body, t(lang, "mention.coordinators"), people)
    await outbox_repo.enqueue(
        session,
        f"personal:{text_key}:{tenant_id.lower()}:{object_id}:{unit_id}",
        binding.conversation_pk,
        card_message(content, t(lang, text_key, who=who)),
    )
