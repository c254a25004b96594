"""A pulse's card 1:1 to the members of its unit's channel (org file `pulse.delivery:
personal`, core/pulse_delivery.py), through services/personal.py.

Called in the transaction that opens the pulse (services/pulse.py `start` and the
`pulse_open` job), after the channel card is queued. Who: the channel's stored members
(storage/members_repo.py: Teams' membersAdded events and everyone who wrote or pressed
a button there), of them those the bot may reach personally (core/tenancy.py `reach`);
the rest answer on the channel card. One message per person and pulse (subject
`pulse:<ref>`, a once-ever key), however often the command or job runs.

The card is the channel's pulse card, the same `pulse.answer` data: the answer handler
(bot/handlers/pulse.py) takes it from a personal chat only from a member of the pulse's
channel, and stores it through the same answer writer (storage/answer_writer.py).
The one reminder before close is the daily nudge's (services/nudges.py `_pulses`), to
the channel's members who have not answered, whichever way the card reached them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from core.pulse_delivery import PERSONAL, delivery_of, personal_recipients
from services.personal import Message, Outcome, send_many
from storage.models import ChannelMember, Conversation, Person, Unit
from storage.pulse_models import Pulse
from storage.types import utcnow
from storage.upsert import dialect_insert


@dataclass(frozen=True)
class PersonalDelivery:
    queued: int = 0  # cards queued on personal chats
    in_channel: int = 0  # members of another organisation: the channel card only
    not_sent: int = 0  # left, or no way into the tenant (coordinators told)


def channel_key(conversation_id: str) -> str:
    """The channel's id as members are stored under it (no `;messageid=`)."""
    return conversation_id.split(";", 1)[0]


async def members_of(session: AsyncSession, conversation_pk: int) -> list[tuple[str, str]]:
    """(tenant, object id) of every stored member of the channel."""
    conv = await session.get(Conversation, conversation_pk)
    if conv is None:
        return []
    rows = await session.execute(
        select(col(ChannelMember.tenant_id), col(ChannelMember.aad_object_id)).where(
            col(ChannelMember.conversation_id) == channel_key(conv.conversation_id)
        )
    )
    return [(t, o) for t, o in rows.all()]


async def send_pulse(
    session: AsyncSession,
    unit: Unit,
    pulse: Pulse,
    activity: dict[str, Any],
    *,
    lang: str,
    own_tenant: str | None,
) -> PersonalDelivery | None:
    """If the unit's pulses go personally: queue the card for each reachable member of
    the pulse's channel. `activity` is the channel's card message (services/pulse.py
    `card_post`), sent unchanged. None when the unit's delivery is the channel."""
    if delivery_of((unit.defaults or {}).get("pulse")) != PERSONAL:
        return None
    members = await members_of(session, pulse.conversation_pk)
    people, elsewhere = personal_recipients(members, own_tenant)
    messages = [
        Message(tenant, oid, f"pulse:{pulse.ref}", None, activity, unit.id, lang)
        for tenant, oid in people
    ]
    outcomes = await send_many(session, messages) if messages else []
    await _known(
        session, [who for who, o in zip(people, outcomes, strict=True) if o is Outcome.QUEUED]
    )
    queued = sum(o in (Outcome.QUEUED, Outcome.DUPLICATE) for o in outcomes)
    return PersonalDelivery(queued, elsewhere, len(outcomes) - queued)


async def _known(session: AsyncSession, people: list[tuple[str, str]]) -> None:
    """People sent the card are people the bot knows (a `people` row, no name yet), so
    the daily nudge's one reminder before close reaches those who have not answered
    (services/nudges.py reads its people from that table)."""
    if not people:
        return
    now = utcnow()
    rows = [{"tenant_id": t, "aad_object_id": o, "updated_at": now} for t, o in people]
    stmt = dialect_insert(session, Person).values(rows)
    await session.execute(
        stmt.on_conflict_do_nothing(index_elements=["tenant_id", "aad_object_id"])
    )


async def is_member(
    session: AsyncSession, channel_conversation_id: str, tenant_id: str, object_id: str
) -> bool:
    """Whether this person is a stored member of the channel (answering from a personal
    chat: their reach check)."""
    rows = await session.execute(
        select(col(ChannelMember.tenant_id)).where(
            col(ChannelMember.conversation_id) == channel_key(channel_conversation_id),
            col(ChannelMember.aad_object_id) == object_id.lower(),
        )
    )
    return any((t or "").lower() == tenant_id.lower() for t in rows.scalars().all())
