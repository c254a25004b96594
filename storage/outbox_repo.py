"""The transactional outbox: producers enqueue in their own transaction; the dispatcher claims.

Row life: pending -> sending (claimed; `next_attempt_at` is then the claim's lease)
-> sent | retrying (-> sending ...) | dead. A row left in `sending` by a crashed
process is due again when its lease runs out, so a crash can repeat an in-flight
send but never lose one. A conversation's rows go out in id order: a row waiting
for a retry holds back the later rows of its conversation.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased
from sqlmodel import col, select

from core import request_id
from storage import channels_repo
from storage.models import Conversation, OutboxMessage
from storage.rows import one_of
from storage.types import utcnow

WAITING = ("pending", "retrying")
OPEN = (*WAITING, "sending")  # not yet final: holds back later rows of the conversation
STATUSES = ("pending", "sending", "retrying", "sent", "dead")


async def enqueue(
    session: AsyncSession,
    key: str,
    conversation_pk: int,
    activity: dict[str, Any],
    *,
    operation: str = "send",
    updates_key: str | None = None,
    not_before: datetime | None = None,
) -> bool:
    """Queue `activity` for the conversation, in the caller's transaction.

    `operation="update"` replaces the card sent by the row with key `updates_key`.
    Returns False when a row with this idempotency key already exists (nothing written).
    After the caller commits, `Dispatcher.notify()` makes an in-process dispatcher look now.
    """
    if operation not in ("send", "update"):
        raise ValueError(f"unknown outbox operation {operation!r}")
    if operation == "update" and not updates_key:
        raise ValueError("an update needs updates_key (the key of the send it replaces)")
    now = utcnow()
    values = {
        "idempotency_key": key,
        "operation": operation,
        "conversation_pk": conversation_pk,
        "updates_key": updates_key,
        "payload": activity,
        "status": "pending",
        "attempts": 0,
        "next_attempt_at": not_before or now,
        "created_at": now,
        # The turn that queued it, if any: its log lines and the send line match.
        "request_id": request_id.current(),
    }
    insert = postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert
    stmt = (
        insert(OutboxMessage)
        .values(**values)
        .on_conflict_do_nothing(index_elements=["idempotency_key"])
    )
    result = await session.execute(stmt)
    return bool(result.rowcount)  # type: ignore[attr-defined]


async def enqueue_to_unit(
    session: AsyncSession,
    unit_id: int,
    key: str,
    activity: dict[str, Any],
    **options: Any,
) -> bool | None:
    """Queue `activity` for the unit's channel; None when the unit has no active channel."""
    binding = await channels_repo.active_binding_for_unit(session, unit_id)
    if binding is None:
        return None
    return await enqueue(session, key, binding.conversation_pk, activity, **options)


# -- the dispatcher's side ------------------------------------------------------------------


@dataclass(frozen=True)
class Claim:
    """A row this dispatcher now holds (status `sending` until its lease ends)."""

    id: int
    key: str
    operation: str
    conversation_pk: int
    updates_key: str | None
    payload: dict[str, Any]
    attempts: int  # including the one about to be made
    request_id: str | None = None  # of the turn that queued it (core/request_id.py)


_CLAIM_COLUMNS = (
    col(OutboxMessage.id),
    col(OutboxMessage.idempotency_key),
    col(OutboxMessage.operation),
    col(OutboxMessage.conversation_pk),
    col(OutboxMessage.updates_key),
    col(OutboxMessage.payload),
    col(OutboxMessage.attempts),
    col(OutboxMessage.request_id),
)


def _claim_values(lease_until: datetime) -> dict[str, Any]:
    return {
        "status": "sending",
        "attempts": OutboxMessage.attempts + 1,
        "next_attempt_at": lease_until,
    }


def _due(now: datetime) -> list[Any]:
    return [col(OutboxMessage.status).in_(OPEN), col(OutboxMessage.next_attempt_at) <= now]


async def claim_due(
    session: AsyncSession,
    now: datetime,
    lease_until: datetime,
    *,
    limit: int,
    skip: Collection[int] = (),
) -> list[Claim]:
    """Claim the first row of up to `limit` conversations whose first open row is due.

    Conversations in `skip` (already being worked on here) are left alone. PostgreSQL
    locks the candidates with FOR UPDATE SKIP LOCKED, so two dispatchers never wait on
    or take each other's rows; SQLite's BEGIN IMMEDIATE serialises claimers anyway.
    """
    earlier = aliased(OutboxMessage)
    blocked = (
        select(earlier.id)
        .where(
            col(earlier.conversation_pk) == col(OutboxMessage.conversation_pk),
            col(earlier.id) < col(OutboxMessage.id),
            col(earlier.status).in_(OPEN),
        )
        .exists()
    )
    candidates = (
        await session.execute(
            select(col(OutboxMessage.id), col(OutboxMessage.conversation_pk))
            .where(*_due(now), ~blocked)
            .order_by(col(OutboxMessage.id))
            .limit(limit + len(skip))
            .with_for_update(skip_locked=True)
        )
    ).all()
    chosen = [row_id for row_id, conv in candidates if conv not in skip][:limit]
    if not chosen:
        return []
    result = await session.execute(
        update(OutboxMessage)
        .where(col(OutboxMessage.id).in_(chosen), *_due(now))
        .values(**_claim_values(lease_until))
        .returning(*_CLAIM_COLUMNS)
    )
    return sorted((Claim(*row) for row in result.all()), key=lambda c: c.id)


async def claim_next(
    session: AsyncSession, conversation_pk: int, now: datetime, lease_until: datetime
) -> Claim | None:
    """Claim the conversation's first open row if it is due; None when it is not (or none)."""
    head = (
        select(func.min(OutboxMessage.id))
        .where(
            col(OutboxMessage.conversation_pk) == conversation_pk,
            col(OutboxMessage.status).in_(OPEN),
        )
        .scalar_subquery()
    )
    result = await session.execute(
        update(OutboxMessage)
        .where(col(OutboxMessage.id) == head, *_due(now))
        .values(**_claim_values(lease_until))
        .returning(*_CLAIM_COLUMNS)
    )
    row = result.first()
    return Claim(*row) if row is not None else None


@dataclass(frozen=True)
class Target:
    conversation_id: str
    reference: dict[str, Any]
    active: bool


async def target(session: AsyncSession, conversation_pk: int) -> Target | None:
    row = (
        await session.execute(
            select(
                col(Conversation.conversation_id),
                col(Conversation.reference),
                col(Conversation.active),
            ).where(col(Conversation.id) == conversation_pk)
        )
    ).first()
    return Target(*row) if row is not None else None


async def by_key(session: AsyncSession, key: str) -> OutboxMessage | None:
    return await one_of(
        session, select(OutboxMessage).where(col(OutboxMessage.idempotency_key) == key)
    )


async def get_conversation(session: AsyncSession, conversation_pk: int) -> Conversation | None:
    return await session.get(Conversation, conversation_pk)


async def mark_sent(
    session: AsyncSession, row_id: int, activity_id: str | None, *, claim: int | None = None
) -> bool:
    """Record a delivery. With `claim` (the attempt number the sender claimed the row
    with), only while that claim still holds: see `_settle_claim`."""
    return await _settle_claim(
        session, row_id, claim, status="sent", activity_id=activity_id, sent_at=utcnow()
    )


async def sends_since(session: AsyncSession, since: datetime) -> list[tuple[int, datetime]]:
    """(conversation, sent_at) of the sends recorded since `since`, oldest first: what Teams'
    rate windows still count when a new leader starts dispatching."""
    result = await session.execute(
        select(col(OutboxMessage.conversation_pk), col(OutboxMessage.sent_at))
        .where(col(OutboxMessage.status) == "sent", col(OutboxMessage.sent_at) >= since)
        .order_by(col(OutboxMessage.sent_at), col(OutboxMessage.id))
    )
    return [(int(pk), at) for pk, at in result.all() if at is not None]


async def mark_retry(
    session: AsyncSession, row_id: int, error: str, at: datetime, *, claim: int | None = None
) -> bool:
    return await _settle_claim(
        session, row_id, claim, status="retrying", last_error=error, next_attempt_at=at
    )


async def mark_dead(
    session: AsyncSession, row_id: int, error: str, *, claim: int | None = None
) -> bool:
    return await _settle_claim(
        session, row_id, claim, status="dead", last_error=error, dead_at=utcnow()
    )


async def _settle_claim(
    session: AsyncSession, row_id: int, claim: int | None, **values: Any
) -> bool:
    """Update the row; with `claim`, only if it is still `sending` under that attempt.

    A sender whose outcome arrives after its lease ended (a slow answer, a paused
    process) no longer holds the row: another claim has sent it again and recorded that
    card, which later updates already target. Overwriting it with the older card's id
    would point the next update at a card that missed the earlier ones."""
    query = update(OutboxMessage).where(col(OutboxMessage.id) == row_id)
    if claim is not None:
        query = query.where(
            col(OutboxMessage.status) == "sending", col(OutboxMessage.attempts) == claim
        )
    result = await session.execute(query.values(**values))
    return bool(result.rowcount)  # type: ignore[attr-defined]


async def postpone(session: AsyncSession, row_id: int, at: datetime, note: str) -> None:
    """Put a claimed row back without counting the attempt (an update waiting for its send)."""
    await session.execute(
        update(OutboxMessage)
        .where(col(OutboxMessage.id) == row_id)
        .values(
            status="retrying",
            attempts=OutboxMessage.attempts - 1,
            next_attempt_at=at,
            last_error=note,
        )
    )


async def _set(session: AsyncSession, row_id: int, **values: Any) -> None:
    await session.execute(
        update(OutboxMessage).where(col(OutboxMessage.id) == row_id).values(**values)
    )


# -- operators: counts, dead rows, retry -------------------------------------------------------


async def counts(session: AsyncSession) -> dict[str, int]:
    rows = await session.execute(
        select(col(OutboxMessage.status), func.count()).group_by(col(OutboxMessage.status))
    )
    found = {status: int(n) for status, n in rows.all()}
    return {status: found.get(status, 0) for status in STATUSES} | found


async def dead_rows(session: AsyncSession, limit: int = 100) -> Sequence[OutboxMessage]:
    return (
        (
            await session.execute(
                select(OutboxMessage)
                .where(col(OutboxMessage.status) == "dead")
                .order_by(col(OutboxMessage.id))
                .limit(limit)
            )
        )
        .scalars()
        .all()
    )


async def requeue_dead(session: AsyncSession, ids: Iterable[int] | None = None) -> int:
    """Send dead rows again (all of them when `ids` is None); returns how many."""
    query = update(OutboxMessage).where(col(OutboxMessage.status) == "dead")
    if ids is not None:
        query = query.where(col(OutboxMessage.id).in_(list(ids)))
    result = await session.execute(
        query.values(status="pending", attempts=0, next_attempt_at=utcnow(), dead_at=None)
    )
    return int(result.rowcount)  # type: ignore[attr-defined]


@dataclass(frozen=True)
class QueueStats:
    depth: int  # rows not yet sent or dead
    oldest_due_age: float  # seconds since the oldest due row was enqueued (0 when none)


async def queue_stats(session: AsyncSession, now: datetime) -> QueueStats:
    depth = (
        await session.execute(select(func.count()).where(col(OutboxMessage.status).in_(OPEN)))
    ).scalar_one()
    oldest = (
        await session.execute(
            select(func.min(OutboxMessage.created_at)).where(
                col(OutboxMessage.status).in_(WAITING),
                col(OutboxMessage.next_attempt_at) <= now,
            )
        )
    ).scalar_one_or_none()
    age = max(0.0, (now - oldest).total_seconds()) if oldest is not None else 0.0
    return QueueStats(depth=int(depth), oldest_due_age=age)
