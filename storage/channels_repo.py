"""Conversations the bot is in, and which unit each channel serves."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from storage.models import AuditEvent, ChannelBinding, Conversation, Person, Unit
from storage.rows import one_of
from storage.types import utcnow
from storage.upsert import insert_missing


@dataclass(frozen=True)
class ConversationInfo:
    conversation_id: str
    kind: str
    tenant_id: str | None
    team_id: str | None
    channel_id: str | None
    name: str | None
    user_aad_id: str | None
    reference: dict[str, Any]


async def upsert_conversation(session: AsyncSession, info: ConversationInfo) -> Conversation:
    """Store (or refresh) a conversation reference; reactivates a removed one."""
    now = utcnow()
    # Insert first (Teams may deliver the same install, or a person's first messages,
    # several times at once), then read and refresh.
    created = await insert_missing(
        session,
        Conversation,
        {
            "conversation_id": info.conversation_id,
            "kind": info.kind,
            "tenant_id": info.tenant_id,
            "team_id": info.team_id,
            "channel_id": info.channel_id,
            "name": info.name,
            "user_aad_id": info.user_aad_id,
            "reference": info.reference,
            "active": True,
            "installed_at": now,
            "updated_at": now,
        },
        ["conversation_id"],
    )
    row = await get_conversation(session, info.conversation_id)
    assert row is not None
    if created:
        return row
    changed = (
        row.reference != info.reference
        or not row.active
        or (info.name and row.name != info.name)
        or (info.team_id and row.team_id != info.team_id)
    )
    if changed:
        row.reference = info.reference
        row.active = True
        row.name = info.name or row.name
        row.team_id = info.team_id or row.team_id
        row.channel_id = info.channel_id or row.channel_id
        row.tenant_id = info.tenant_id or row.tenant_id
        row.updated_at = utcnow()
    return row


async def get_conversation(session: AsyncSession, conversation_id: str) -> Conversation | None:
    return await one_of(
        session, select(Conversation).where(col(Conversation.conversation_id) == conversation_id)
    )


async def personal_conversation(session: AsyncSession, aad_object_id: str) -> Conversation | None:
    """The person's active personal chat with the bot, if they have one."""
    return (
        (
            await session.execute(
                select(Conversation).where(
                    col(Conversation.user_aad_id) == aad_object_id,
                    col(Conversation.kind) == "personal",
                    col(Conversation.active).is_(True),
                )
            )
        )
        .scalars()
        .first()
    )


async def deactivate_conversations(
    session: AsyncSession, *, conversation_id: str | None = None, team_id: str | None = None
) -> int:
    """The bot left a channel or a team: stop posting there. Returns bindings deactivated."""
    query = select(Conversation)
    if conversation_id is not None:
        query = query.where(col(Conversation.conversation_id) == conversation_id)
    elif team_id is not None:
        query = query.where(col(Conversation.team_id) == team_id)
    else:
        raise ValueError("conversation_id or team_id required")
    rows = (await session.execute(query)).scalars().all()
    now = utcnow()
    count = 0
    for conv in rows:
        conv.active = False
        conv.updated_at = now
        result = await session.execute(
            update(ChannelBinding)
            .where(
                col(ChannelBinding.conversation_pk) == conv.id, col(ChannelBinding.active).is_(True)
            )
            .values(active=False, deactivated_at=now)
            .returning(col(ChannelBinding.unit_id))
        )
        for (unit_id,) in result.all():
            count += 1
            session.add(
                AuditEvent(
                    actor=None,
                    action="channel.unbound",
                    unit_id=unit_id,
                    details={"reason": "bot removed", "conversation": conv.conversation_id},
                )
            )
    return count


async def active_binding_for_unit(session: AsyncSession, unit_id: int) -> ChannelBinding | None:
    return await one_of(
        session,
        select(ChannelBinding).where(
            col(ChannelBinding.unit_id) == unit_id,
            col(ChannelBinding.active).is_(True),
        ),
    )


async def units_bound_to(session: AsyncSession, conversation_pk: int) -> list[Unit]:
    rows = await session.execute(
        select(Unit)
        .join(ChannelBinding, col(ChannelBinding.unit_id) == col(Unit.id))
        .where(
            col(ChannelBinding.conversation_pk) == conversation_pk,
            col(ChannelBinding.active).is_(True),
        )
        .order_by(col(Unit.name))
    )
    return list(rows.scalars().all())


async def unit_of_conversation(session: AsyncSession, conversation_id: str) -> Unit | None:
    """The unit a channel serves, if it is bound."""
    conv = await get_conversation(session, conversation_id)
    if conv is None or conv.id is None:
        return None
    units = await units_bound_to(session, conv.id)
    return units[0] if units else None


ANY_BINDING = -1


class BindingChanged(Exception):
    """The unit's binding is no longer the one the caller decided on (a concurrent setup)."""

    def __init__(self, current: ChannelBinding) -> None:
        super().__init__("the unit's binding changed")
        # Plain values: the session's objects expire when the transaction rolls back.
        self.binding_id = current.id
        self.conversation_pk = current.conversation_pk


async def bind(
    session: AsyncSession,
    unit: Unit,
    conversation: Conversation,
    actor: str | None,
    *,
    replacing: int | None = ANY_BINDING,
) -> ChannelBinding:
    """Bind `conversation` to `unit`, ending the unit's earlier binding if any.

    A channel serves one unit: any other unit bound here is unbound, so cards
    never land in a channel people think belongs to someone else.

    `replacing` is the binding id the caller saw (None: none); if another is active
    by now, BindingChanged is raised and nothing changes. The conversation's and the
    unit's rows are locked first, so concurrent binds run one after the other instead
    of both inserting an active binding.
    """
    assert unit.id is not None and conversation.id is not None
    await session.execute(
        select(col(Conversation.id))
        .where(col(Conversation.id) == conversation.id)
        .with_for_update()
    )
    await session.execute(select(col(Unit.id)).where(col(Unit.id) == unit.id).with_for_update())
    now = utcnow()
    previous = await active_binding_for_unit(session, unit.id)
    if previous is not None and previous.conversation_pk == conversation.id:
        return previous  # bound here already (by a concurrent setup): nothing to do
    if previous is not None and replacing != ANY_BINDING and previous.id != replacing:
        raise BindingChanged(previous)
    if previous is not None:
        previous.active = False
        previous.deactivated_at = now
    others = (
        (
            await session.execute(
                select(ChannelBinding).where(
                    col(ChannelBinding.conversation_pk) == conversation.id,
                    col(ChannelBinding.active).is_(True),
                )
            )
        )
        .scalars()
        .all()
    )
    for other in others:
        other.active = False
        other.deactivated_at = now
    await session.flush()
    binding = ChannelBinding(
        unit_id=unit.id,
        conversation_pk=conversation.id,
        tenant_id=conversation.tenant_id,
        team_id=conversation.team_id,
        channel_id=conversation.channel_id,
        bound_by=actor,
    )
    session.add(binding)
    session.add(
        AuditEvent(
            actor=actor,
            action="channel.bound",
            unit_id=unit.id,
            details={
                "conversation": conversation.conversation_id,
                "moved_from": previous.conversation_pk if previous else None,
                "replaced_units": [o.unit_id for o in others],
            },
        )
    )
    await session.flush()
    return binding


async def unbound_unit_names(session: AsyncSession) -> tuple[list[str], int]:
    """Names of live units with no active channel, and the number of live units."""
    units = (
        (
            await session.execute(
                select(Unit).where(col(Unit.archived_at).is_(None)).order_by(col(Unit.name))
            )
        )
        .scalars()
        .all()
    )
    bound = set(
        (
            await session.execute(
                select(col(ChannelBinding.unit_id)).where(col(ChannelBinding.active).is_(True))
            )
        )
        .scalars()
        .all()
    )
    return [u.name for u in units if u.id not in bound], len(units)


async def conversation_name(session: AsyncSession, conversation_pk: int) -> str | None:
    conv = await session.get(Conversation, conversation_pk)
    return conv.name if conv else None


async def get_person(session: AsyncSession, tenant_id: str, aad_object_id: str) -> Person | None:
    """What the bot knows of the person (tenant id "" where Teams sent none)."""
    return await session.get(Person, (tenant_id.lower(), aad_object_id))


async def get_people(
    session: AsyncSession, keys: list[tuple[str, str]]
) -> dict[tuple[str, str], Person]:
    """`get_person` for many (tenant id, object id) keys in one query."""
    if not keys:
        return {}
    wanted = {(tenant.lower(), oid) for tenant, oid in keys}
    rows = await session.execute(
        select(Person).where(col(Person.aad_object_id).in_(sorted({oid for _, oid in wanted})))
    )
    return {
        (p.tenant_id, p.aad_object_id): p
        for p in rows.scalars().all()
        if (p.tenant_id, p.aad_object_id) in wanted
    }


async def display_names(session: AsyncSession, object_ids: set[str]) -> dict[str, str]:
    """{object id: the name to show} of the people known by those ids (name, else UPN)."""
    if not object_ids:
        return {}
    rows = await session.execute(
        select(col(Person.aad_object_id), col(Person.display_name), col(Person.upn)).where(
            col(Person.aad_object_id).in_(sorted(object_ids))
        )
    )
    out: dict[str, str] = {}
    for oid, name, upn in rows.all():
        shown = name or upn
        if shown:
            out[oid] = shown
    return out


async def language_choices(session: AsyncSession) -> dict[str, str]:
    """{object id: language} of everyone who has chosen a language."""
    rows = await session.execute(
        select(col(Person.aad_object_id), col(Person.language)).where(
            col(Person.language).is_not(None)
        )
    )
    return {object_id: lang for object_id, lang in rows.all() if lang}


async def remember_person(
    session: AsyncSession,
    tenant_id: str,
    aad_object_id: str,
    *,
    upn: str | None = None,
    display_name: str | None = None,
    language: str | None = None,
) -> Person:
    """Store what is known of a person. `upn` and `display_name` must come from
    Microsoft (the verified roster or Graph), never from the request body."""
    key = (tenant_id.lower(), aad_object_id)
    # Insert first: a person's first commands may arrive at once (and each remember them).
    await insert_missing(
        session,
        Person,
        {"tenant_id": key[0], "aad_object_id": key[1], "updated_at": utcnow()},
        ["tenant_id", "aad_object_id"],
    )
    person = await session.get(Person, key)
    assert person is not None
    if upn:
        person.upn = upn.lower()
    if display_name:
        person.display_name = display_name
    if language:
        person.language = language
    person.updated_at = utcnow()
    await session.flush()
    return person
