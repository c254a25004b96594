"""A pulse's anonymous answers: who answered, and what was answered.

Who answered (`pulse_respondents`, while the pulse is open) and what was answered
(`pulse_answers`, random ids, written in random groups by storage/answer_writer.py)
share nothing but the pulse; see core/answer_key.py. Answers are read back by their
random ids, never by time.
"""

from __future__ import annotations

import random
from collections.abc import Mapping
from typing import Any

from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from core import answer_key as keys
from storage.pulse_models import Pulse, PulseAnswer, PulseRespondent
from storage.rows import count_of


def respondent(pulse: Pulse | str, secret: str, user_id: str) -> str:
    """This person's row in `pulse_respondents` for this pulse (or pulse reference)."""
    ref = pulse if isinstance(pulse, str) else pulse.ref
    return keys.respondent_key(secret, ref, user_id)


async def has_answered(session: AsyncSession, pulse: Pulse, secret: str, user_id: str) -> bool:
    """Whether this person has answered this open pulse (unknown once it is final)."""
    if pulse.id is None:
        return False
    row = await session.get(PulseRespondent, (pulse.id, respondent(pulse, secret, user_id)))
    return row is not None


async def save_answers(
    session: AsyncSession, pulse: Pulse, secret: str, answers: Mapping[str, Mapping[str, Any]]
) -> None:
    """Store several people's answers (user id -> values) at once in the caller's
    transaction, as one shuffled group, whatever the pulse's window: for setting up
    history. The bot stores answers through storage/answer_writer.py, which also checks
    that the pulse takes them and never writes an answer when its author answered."""
    assert pulse.id is not None
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    people = sorted(respondent(pulse, secret, who) for who in answers)
    await session.execute(
        insert(PulseRespondent)
        .values([{"pulse_id": pulse.id, "person": p} for p in people])
        .on_conflict_do_nothing()
    )
    contents = [dict(v) for v in answers.values()]
    random.SystemRandom().shuffle(contents)
    await session.execute(
        insert(PulseAnswer).values(
            [{"pulse_id": pulse.id, "id": keys.new_answer_id(), "values": v} for v in contents]
        )
    )


async def respondent_count(session: AsyncSession, pulse_id: int) -> int:
    """How many people have answered a pulse whose results are not final yet."""
    return await count_of(session, PulseRespondent, col(PulseRespondent.pulse_id) == pulse_id)


async def answer_count(session: AsyncSession, pulse: Pulse) -> int:
    """How many people answered: counted while open, frozen once final."""
    if pulse.answer_count is not None:
        return pulse.answer_count
    assert pulse.id is not None
    return await respondent_count(session, pulse.id)


async def stored_count(session: AsyncSession, pulse_id: int) -> int:
    """How many answers' contents are stored."""
    return await count_of(session, PulseAnswer, col(PulseAnswer.pulse_id) == pulse_id)


async def answers(session: AsyncSession, pulse_id: int) -> list[dict[str, Any]]:
    """The answers' values only, ordered by their random ids (never by time)."""
    rows = await session.execute(
        select(col(PulseAnswer.values))
        .where(col(PulseAnswer.pulse_id) == pulse_id)
        .order_by(col(PulseAnswer.id))
    )
    return [dict(v) for v in rows.scalars().all()]
