"""Personal (1:1) chats the bot may post to, including ones it still has to open.

A person the bot has no personal chat with gets a *pending* conversation row: kind
`personal`, conversation id `pending:{tenant}:{object id}`, and a reference carrying
`OPEN_MARK` with the tenant's service URL and the bot's account. Outbox rows queue on
it like on any conversation; the delivery dispatcher opens the chat through the Bot
Connector (`POST /v3/conversations` with the person's object id) before its first
send, and `opened` stores the real conversation id and reference. A 403/404 when
opening or posting deactivates the row as for any conversation: the person is then
unreachable (services/personal.py).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from storage import channels_repo
from storage.models import Conversation, OutboxMessage
from storage.outbox_repo import WAITING
from storage.types import utcnow

OPEN_MARK = "samverkanOpenPersonal"  # in a pending reference: open the 1:1 chat first


def pending_id(tenant_id: str, object_id: str) -> str:
    return f"pending:{tenant_id.lower()}:{object_id}"


async def chats_of(session: AsyncSession, object_id: str) -> list[Conversation]:
    """Every personal conversation row of the person (active or not), newest first."""
    rows = await session.execute(
        select(Conversation)
        .where(
            col(Conversation.user_aad_id) == object_id,
            col(Conversation.kind) == "personal",
        )
        .order_by(col(Conversation.updated_at).desc(), col(Conversation.id).desc())
    )
    return list(rows.scalars().all())


async def tenant_route(session: AsyncSession, tenant_id: str) -> dict[str, Any] | None:
    """The service URL and bot account of a verified conversation in the tenant (the
    newest), from which a new personal chat can be opened."""
    rows = await session.execute(
        select(Conversation)
        .where(
            func.lower(col(Conversation.tenant_id)) == tenant_id.lower(),
            col(Conversation.active),
        )
        .order_by(col(Conversation.updated_at).desc())
        .limit(20)
    )
    for conv in rows.scalars().all():
        ref = conv.reference or {}
        if ref.get(OPEN_MARK):
            continue
        if isinstance(ref.get("serviceUrl"), str) and isinstance(ref.get("bot"), dict):
            return {"serviceUrl": ref["serviceUrl"], "bot": ref["bot"]}
    return None


async def pending_chat(
    session: AsyncSession, tenant_id: str, object_id: str, route: dict[str, Any]
) -> Conversation:
    """The pending conversation row for the person (created once)."""
    tenant = tenant_id.lower()
    reference = {
        "channelId": "msteams",
        "serviceUrl": route["serviceUrl"],
        "bot": route["bot"],
        "user": {"id": object_id, "aadObjectId": object_id},
        "conversation": {
            "id": pending_id(tenant, object_id),
            "tenantId": tenant,
            "conversationType": "personal",
        },
        OPEN_MARK: True,
    }
    return await channels_repo.upsert_conversation(
        session,
        channels_repo.ConversationInfo(
            conversation_id=pending_id(tenant, object_id),
            kind="personal",
            tenant_id=tenant,
            team_id=None,
            channel_id=None,
            name=None,
            user_aad_id=object_id,
            reference=reference,
        ),
    )


async def opened(session: AsyncSession, conversation_pk: int, reference: dict[str, Any]) -> None:
    """Store the chat the dispatcher opened for a pending row. When Teams' id is already
    stored (the person installed the app meanwhile), the waiting rows move there."""
    row = await session.get(Conversation, conversation_pk)
    conversation_id = str(reference["conversation"]["id"])
    if row is None or row.conversation_id == conversation_id:
        return
    existing = await channels_repo.get_conversation(session, conversation_id)
    if existing is not None and existing.id != conversation_pk:
        existing.reference = reference
        existing.active = True
        existing.updated_at = utcnow()
        await session.execute(
            update(OutboxMessage)
            .where(
                col(OutboxMessage.conversation_pk) == conversation_pk,
                col(OutboxMessage.status).in_(WAITING),
            )
            .values(conversation_pk=existing.id)
        )
        row.kind = "merged"  # no longer the person's chat; kept for the sent rows
        row.active = False
    else:
        row.conversation_id = conversation_id
        row.reference = reference
        row.active = True
    row.updated_at = utcnow()
    await session.flush()


async def chats_of_many(
    session: AsyncSession, object_ids: list[str]
) -> dict[str, list[Conversation]]:
    """`chats_of` for many people in one query per 500."""
    out: dict[str, list[Conversation]] = {}
    ids = sorted(set(object_ids))
    for start in range(0, len(ids), 500):
        rows = await session.execute(
            select(Conversation)
            .where(
                col(Conversation.user_aad_id).in_(ids[start : start + 500]),
                col(Conversation.kind) == "personal",
            )
            .order_by(col(Conversation.updated_at).desc(), col(Conversation.id).desc())
        )
        for conv in rows.scalars().all():
            out.setdefault(conv.user_aad_id or "", []).append(conv)
    return out


async def enqueue_many(
    session: AsyncSession, rows: list[tuple[str, int, dict[str, Any]]]
) -> set[str]:
    """Outbox sends (key, conversation pk, activity) as one executemany per 500, in the
    caller's transaction; the keys that were not there before (an existing key is left
    as it is: the unique key makes a concurrent second writer's rows no-ops)."""
    if not rows:
        return set()
    keys = [key for key, _, _ in rows]
    existing: set[str] = set()
    for start in range(0, len(keys), 500):
        found = await session.execute(
            select(col(OutboxMessage.idempotency_key)).where(
                col(OutboxMessage.idempotency_key).in_(keys[start : start + 500])
            )
        )
        existing.update(found.scalars().all())
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    stmt = insert(OutboxMessage).on_conflict_do_nothing(index_elements=["idempotency_key"])
    now = utcnow()
    fresh = [
        {
            "idempotency_key": key,
            "operation": "send",
            "conversation_pk": pk,
            "updates_key": None,
            "payload": activity,
            "status": "pending",
            "attempts": 0,
            "next_attempt_at": now,
            "created_at": now,
        }
        for key, pk, activity in rows
        if key not in existing
    ]
    for start in range(0, len(fresh), 500):
        await session.execute(stmt, fresh[start : start + 500])
    return {str(row["idempotency_key"]) for row in fresh}
