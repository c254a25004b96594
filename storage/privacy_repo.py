"""What is stored about a person, and pseudonymising it (GDPR access and erasure).

A person appears as an Entra object id or a UPN (either case) in the columns
listed in AUTHOR_COLUMNS. Export reads every row naming them; erase replaces those
values with one stable pseudonym (`erased-<hmac>`), blanks the display names next
to them, and deletes the rows that exist only for the person (their `people` row,
role assignments, digest choices, channel memberships, nudge snoozes and their meeting
attendance answers, which carry their name). Their personal chat with the bot is kept as a
row (sent messages in the outbox point at it) but forgotten: deactivated, its reference and
name emptied, so nothing can be sent there and nothing names them. The forum's records (decisions, actions,
items, the trail) stay, so minutes and follow-up remain whole.

Pulse answers are keyed by HMAC(pulse key, user id) with a key that is thrown
away when the pulse closes: they cannot be linked to anyone, by design.
"""

from __future__ import annotations

import hashlib
import hmac
from typing import Any

from sqlalchemy import delete, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import SQLModel, col

from storage.indicator_models import DigestSubscription
from storage.item_models import Item, ItemEvent
from storage.meeting_models import ActionItem, AgendaItem, Attendance, Decision, MeetingSeries
from storage.models import (
    AuditEvent,
    ChannelBinding,
    ChannelMember,
    Conversation,
    Person,
    RoleAssignment,
)
from storage.people_models import NudgeSnooze

PULSE_NOTE = (
    "Pulse answers are not linked to any person: an answer is stored under a random id, "
    "apart from the record that someone answered, and written in random groups, so they "
    "cannot be exported or erased per person. That a person answered an open pulse is "
    "kept until its results are final, then forgotten."
)

# (model, column naming the person, columns holding their name beside it)
AUTHOR_COLUMNS: tuple[tuple[type[SQLModel], str, tuple[str, ...]], ...] = (
    (AgendaItem, "proposed_by", ("proposed_by_name",)),
    (Decision, "decided_by", ()),
    (ActionItem, "created_by", ()),
    (ActionItem, "done_by", ()),
    (ActionItem, "owner_aad_id", ("owner_name", "owner_channel_id")),
    (Item, "created_by", ()),
    (Item, "owner", ()),
    (ItemEvent, "actor", ()),
    (MeetingSeries, "created_by", ()),
    (ChannelBinding, "bound_by", ()),
    (AuditEvent, "actor", ()),
)
# Rows that exist only for the person: deleted on erase.
OWN_ROWS: tuple[tuple[type[SQLModel], str], ...] = (
    (RoleAssignment, "person"),
    (DigestSubscription, "person"),
    (ChannelMember, "aad_object_id"),
    (Attendance, "person_key"),  # "Jag kommer" / "Kan inte", with the roster's name
    (NudgeSnooze, "aad_object_id"),
)


def _personal_chats(keys: list[str]) -> Any:
    return (col(Conversation.kind) == "personal") & _matches(Conversation, "user_aad_id", keys)


async def person_keys(session: AsyncSession, user: str) -> list[str]:
    """The identifiers a person may be stored under: the given one, plus the object id
    and UPN their `people` row links it to (lower case)."""
    key = user.strip().lower()
    keys = {key}
    row = (
        await session.execute(
            select(Person).where(
                or_(
                    func.lower(col(Person.aad_object_id)) == key, func.lower(col(Person.upn)) == key
                )
            )
        )
    ).scalar_one_or_none()
    if row is not None:
        keys.add(row.aad_object_id.lower())
        if row.upn:
            keys.add(row.upn.lower())
    return sorted(keys)


def pseudonym(secret: str, keys: list[str]) -> str:
    """Stable per person (the first key, sorted: the same for id or UPN once linked)."""
    digest = hmac.new(secret.encode(), min(keys).encode(), hashlib.sha256).hexdigest()
    return f"erased-{digest[:16]}"


def _row(obj: SQLModel) -> dict[str, Any]:
    return {
        k: (v.isoformat() if hasattr(v, "isoformat") else v) for k, v in obj.model_dump().items()
    }


def _matches(model: type[SQLModel], column: str, keys: list[str]) -> Any:
    return func.lower(getattr(model, column)).in_(keys)


async def export_person(session: AsyncSession, user: str) -> dict[str, Any]:
    keys = await person_keys(session, user)
    out: dict[str, Any] = {"identifiers": keys, "pulse_answers": PULSE_NOTE}
    people = (
        await session.execute(select(Person).where(func.lower(col(Person.aad_object_id)).in_(keys)))
    ).scalars()
    out["people"] = [_row(p) for p in people]
    for model, column in OWN_ROWS:
        rows = (await session.execute(select(model).where(_matches(model, column, keys)))).scalars()
        out[str(model.__tablename__)] = [_row(r) for r in rows]
    chats = (await session.execute(select(Conversation).where(_personal_chats(keys)))).scalars()
    out["conversations.personal"] = [_row(c) for c in chats]
    for model, column, _names in AUTHOR_COLUMNS:
        rows = (await session.execute(select(model).where(_matches(model, column, keys)))).scalars()
        found = [_row(r) for r in rows]
        if found:
            out[f"{model.__tablename__}.{column}"] = found
    return out


async def erase_person(session: AsyncSession, user: str, secret: str) -> dict[str, int]:
    """Pseudonymise authored rows, delete the person's own rows; counts per table.column."""
    keys = await person_keys(session, user)
    alias = pseudonym(secret, keys)
    counts: dict[str, int] = {}
    for model, column, names in AUTHOR_COLUMNS:
        values: dict[str, Any] = {column: alias, **{n: alias for n in names}}
        result = await session.execute(
            update(model).where(_matches(model, column, keys)).values(**values)
        )
        counts[f"{model.__tablename__}.{column}"] = int(getattr(result, "rowcount", 0) or 0)
    for model, column in OWN_ROWS:
        result = await session.execute(delete(model).where(_matches(model, column, keys)))
        counts[str(model.__tablename__)] = int(getattr(result, "rowcount", 0) or 0)
    result = await session.execute(
        update(Conversation)
        .where(_personal_chats(keys))
        .values(user_aad_id=alias, name=None, reference={}, active=False)
    )
    counts["conversations.personal"] = int(getattr(result, "rowcount", 0) or 0)
    result = await session.execute(
        delete(Person).where(
            or_(
                func.lower(col(Person.aad_object_id)).in_(keys),
                func.lower(col(Person.upn)).in_(keys),
            )
        )
    )
    counts["people"] = int(getattr(result, "rowcount", 0) or 0)
    session.add(AuditEvent(actor="cli", action="privacy.erase", details={"pseudonym": alias}))
    return counts
