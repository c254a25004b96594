"""Rows for delivery load: many channel conversations and plain outbox messages to them
(used by the delivery tests and bench/fanout.py)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from storage.models import Conversation, OutboxMessage


def channel_conversations(
    service_url: str,
    prefix: str,
    count: int,
    reference: Callable[[str, str], dict[str, Any]],
) -> list[Conversation]:
    """`count` channel conversations `19:<prefix><i>@thread.tacv2`, each with the stored
    reference `reference(service_url, conversation_id)`."""
    ids = [f"19:{prefix}{i}@thread.tacv2" for i in range(count)]
    return [
        Conversation(conversation_id=cid, kind="channel", reference=reference(service_url, cid))
        for cid in ids
    ]


def message(key: str, conversation: Conversation) -> OutboxMessage:
    """A plain text message whose text is its idempotency key."""
    return OutboxMessage(
        idempotency_key=key,
        conversation_pk=conversation.id or 0,
        payload={"type": "message", "text": key},
    )
