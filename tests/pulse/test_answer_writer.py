"""Pulse answers stored by the group-commit writer, and the cached pulse facts.

Every test runs on SQLite and on PostgreSQL (the `db` fixture). What is asserted is
what people notice: an answer is stored (and counted) or refused, one row per person,
the last answer wins, a closed pulse takes nothing, and the count frozen at close is
the number of answers actually stored.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import event, update
from sqlalchemy.exc import StatementError
from sqlmodel import col, select

from bot.pulse_facts import PulseFacts, PulseFactsCache
from core.pulse import BUILT_IN
from storage import channels_repo, pulse_repo
from storage.answer_writer import AnswerWriter
from storage.db import Database
from storage.pulse_models import Pulse, PulseAnswer
from storage.types import utcnow
from tests.scheduler.support import unit_with_channel

SECRET = "k" * 40
ZONE = ZoneInfo("Europe/Stockholm")
TEMPLATE = BUILT_IN["samverkanspuls"]


@dataclass(frozen=True)
class Opened:
    pulse_id: int
    ref: str
    sealed_key: str
    conversation_id: str

    def key(self, user_id: str) -> str:
        """The person's row key, exactly as the answer handler derives it."""
        return pulse_repo.sealed_key_for(self.ref, self.sealed_key, SECRET, user_id)


async def _open(db: Database, name: str, now: datetime | None = None) -> Opened:
    """A unit with a bound channel and an open pulse in it (opened at `now`)."""
    async with db.session() as s:
        unit = await unit_with_channel(s, name)
        conversation_id = f"19:{name}@thread.tacv2"
        conv = await channels_repo.get_conversation(s, conversation_id)
        assert conv is not None and conv.id is not None
        pulse = await pulse_repo.open_pulse(
            s, unit, conv.id, TEMPLATE, secret=SECRET, zone=ZONE, now=now
        )
        assert pulse.id is not None and pulse.sealed_key is not None
        return Opened(pulse.id, pulse.ref, pulse.sealed_key, conversation_id)


async def _close(db: Database, pulse_id: int) -> Pulse | None:
    async with db.session() as s:
        return await pulse_repo.close_pulse(s, pulse_id)


async def _stored(db: Database, pulse_id: int) -> dict[str, dict[str, Any]]:
    """answer key -> values of every stored answer of the pulse."""
    async with db.session() as s:
        rows = await s.execute(select(PulseAnswer).where(col(PulseAnswer.pulse_id) == pulse_id))
        return {r.answer_key: dict(r.values) for r in rows.scalars().all()}


async def _pulse(db: Database, pulse_id: int) -> Pulse:
    async with db.session() as s:
        pulse = await s.get(Pulse, pulse_id)
    assert pulse is not None
    return pulse


# -- AnswerWriter ------------------------------------------------------------------------


@pytest.mark.parametrize("max_batch", [500, 7], ids=["one-batch", "many-batches"])
async def test_two_hundred_people_answering_at_once_are_all_stored(
    db: Database, max_batch: int
) -> None:
    opened = await _open(db, "Krokom")
    writer = AnswerWriter(db, max_batch=max_batch)
    people = [f"user-{i}" for i in range(200)]

    results = await asyncio.gather(
        *(
            writer.save(opened.pulse_id, opened.key(p), {"collab": 1 + i % 5})
            for i, p in enumerate(people)
        )
    )

    assert results == [True] * 200
    stored = await _stored(db, opened.pulse_id)
    assert stored == {opened.key(p): {"collab": 1 + i % 5} for i, p in enumerate(people)}
    async with db.session() as s:
        assert await pulse_repo.answer_count(s, opened.pulse_id) == 200


@pytest.mark.parametrize("max_batch", [500, 3], ids=["one-batch", "many-batches"])
async def test_the_same_person_answering_repeatedly_keeps_one_row_with_the_last_answer(
    db: Database, max_batch: int
) -> None:
    opened = await _open(db, "Krokom")
    writer = AnswerWriter(db, max_batch=max_batch)
    maja, erik = opened.key("maja"), opened.key("erik")

    # gather starts the saves in argument order, and the writer queues them in the
    # order save() is called: that submission order is what "last" means. With
    # max_batch=3 the ten answers of Maja span several transactions; with 500 they
    # are one multi-row upsert that must keep only the last of them.
    saves = [writer.save(opened.pulse_id, maja, {"collab": 1 + n % 5, "n": n}) for n in range(10)]
    saves.insert(4, writer.save(opened.pulse_id, erik, {"collab": 2}))
    results = await asyncio.gather(*saves)

    assert results == [True] * 11
    assert await _stored(db, opened.pulse_id) == {
        maja: {"collab": 5, "n": 9},
        erik: {"collab": 2},
    }

    # A later answer, in a later transaction, replaces it again.
    assert await writer.save(opened.pulse_id, maja, {"collab": 3}) is True
    stored = await _stored(db, opened.pulse_id)
    assert stored[maja] == {"collab": 3} and len(stored) == 2


async def test_answers_to_a_closed_pulse_are_refused_while_an_open_one_takes_its_own(
    db: Database,
) -> None:
    open_one = await _open(db, "Krokom")
    closed_one = await _open(db, "Östersund")
    assert await _close(db, closed_one.pulse_id) is not None
    writer = AnswerWriter(db)

    # Interleaved, so both pulses are in the same batch (one transaction).
    saves = []
    for i in range(10):
        saves.append(writer.save(open_one.pulse_id, open_one.key(f"u{i}"), {"collab": 4}))
        saves.append(writer.save(closed_one.pulse_id, closed_one.key(f"u{i}"), {"collab": 2}))
    results = await asyncio.gather(*saves)

    assert results == [True, False] * 10
    assert len(await _stored(db, open_one.pulse_id)) == 10
    assert await _stored(db, closed_one.pulse_id) == {}
    assert (await _pulse(db, closed_one.pulse_id)).answer_count == 0


async def test_a_pulse_past_its_closing_time_refuses_answers_before_the_sweep_closes_it(
    db: Database,
) -> None:
    expired = await _open(db, "Krokom", now=utcnow() - timedelta(days=30))
    current = await _open(db, "Östersund")
    pulse = await _pulse(db, expired.pulse_id)
    assert pulse.closed_at is None and pulse.sealed_key is not None  # not closed yet
    assert pulse.closes_at < utcnow()
    writer = AnswerWriter(db)

    results = await asyncio.gather(
        writer.save(expired.pulse_id, expired.key("maja"), {"collab": 5}),
        writer.save(current.pulse_id, current.key("maja"), {"collab": 5}),
    )

    assert results == [False, True]
    assert await _stored(db, expired.pulse_id) == {}
    assert await _stored(db, current.pulse_id) == {current.key("maja"): {"collab": 5}}


@pytest.mark.parametrize("waves_before_close", [1, 2, 4])
async def test_closing_while_people_answer_freezes_the_count_of_what_was_stored(
    db: Database, waves_before_close: int
) -> None:
    opened = await _open(db, "Krokom")
    writer = AnswerWriter(db, max_batch=20)
    keys = [opened.key(f"user-{i}") for i in range(200)]
    waves = [keys[start : start + 40] for start in range(0, len(keys), 40)]
    results: dict[str, bool] = {}
    first_committed, close_now = asyncio.Event(), asyncio.Event()

    async def save(key: str) -> None:
        results[key] = await writer.save(opened.pulse_id, key, {"collab": 3})
        first_committed.set()

    async def answer_in_waves() -> None:
        # The close starts once a first answer is committed and `waves_before_close`
        # waves are queued: the writer is then mid-stream, with batches written
        # before the close, batches waiting for it and batches that come after it.
        tasks: list[asyncio.Task[None]] = []
        for n, wave in enumerate(waves):
            tasks += [asyncio.create_task(save(key)) for key in wave]
            if n + 1 == waves_before_close:
                await first_committed.wait()
                close_now.set()
            await asyncio.sleep(0)
        await asyncio.gather(*tasks)

    async def close() -> Pulse | None:
        await close_now.wait()
        return await _close(db, opened.pulse_id)

    _, closed = await asyncio.gather(answer_in_waves(), close())

    assert closed is not None
    stored = await _stored(db, opened.pulse_id)
    accepted = {key for key, ok in results.items() if ok}
    assert len(results) == len(keys) and accepted  # the first answer came before the close
    assert set(stored) == accepted  # every "saved" has its row, no "refused" has one
    assert closed.answer_count == len(stored)
    assert (await _pulse(db, opened.pulse_id)).answer_count == len(stored)
    # Nothing comes in after the close.
    assert await writer.save(opened.pulse_id, opened.key("late"), {"collab": 1}) is False
    assert len(await _stored(db, opened.pulse_id)) == len(stored)


async def test_an_answer_for_a_pulse_that_does_not_exist_is_refused_alone(db: Database) -> None:
    opened = await _open(db, "Krokom")
    writer = AnswerWriter(db)
    missing = opened.pulse_id + 1000

    results = await asyncio.gather(
        writer.save(opened.pulse_id, opened.key("a"), {"collab": 4}),
        writer.save(missing, "no-such-pulse", {"collab": 1}),
        writer.save(opened.pulse_id, opened.key("b"), {"collab": 5}),
    )

    # The open-pulse check finds no such pulse, so it is refused (False) like a
    # closed one, and the insert never sees it: no foreign-key error for anyone.
    assert results == [True, False, True]
    assert await _stored(db, opened.pulse_id) == {
        opened.key("a"): {"collab": 4},
        opened.key("b"): {"collab": 5},
    }
    assert await _stored(db, missing) == {}


async def test_a_row_the_database_cannot_take_fails_alone_and_the_batch_is_stored(
    db: Database,
) -> None:
    opened = await _open(db, "Krokom")
    writer = AnswerWriter(db)
    good = [opened.key(f"user-{i}") for i in range(6)]

    # A value that cannot be stored as JSON makes the whole multi-row upsert fail;
    # the writer then writes each answer alone, so only that one fails. (This is the
    # way to reach the one-by-one retry from outside: an unknown pulse never gets to
    # the insert, see the test above, and the bot only passes validated JSON values
    # and 64-character keys.)
    saves = [writer.save(opened.pulse_id, key, {"collab": 3}) for key in good[:3]]
    saves.append(writer.save(opened.pulse_id, opened.key("bad"), {"collab": {1, 2}}))
    saves += [writer.save(opened.pulse_id, key, {"collab": 4}) for key in good[3:]]
    results = await asyncio.gather(*saves, return_exceptions=True)

    assert results[:3] == [True] * 3 and results[4:] == [True] * 3
    # Its own save raises the database layer's error (the writer's "raises if the
    # write failed"): SQLAlchemy wraps the JSON serializer's TypeError.
    assert isinstance(results[3], StatementError)
    assert await _stored(db, opened.pulse_id) == {
        **{key: {"collab": 3} for key in good[:3]},
        **{key: {"collab": 4} for key in good[3:]},
    }
    # The writer keeps working afterwards.
    assert await writer.save(opened.pulse_id, opened.key("bad"), {"collab": 2}) is True
    assert len(await _stored(db, opened.pulse_id)) == 7


async def test_a_database_that_is_down_fails_the_batch_at_once(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Answers to an unreachable database fail together with the database's error (the
    person is told to try again); the writer does not retry them one by one."""
    broken = Database("postgresql+asyncpg://nobody@127.0.0.1:1/none")
    writer = AnswerWriter(broken)
    try:
        results = await asyncio.gather(
            *(writer.save(1, f"{i:064x}", {"collab": 3}) for i in range(5)),
            return_exceptions=True,
        )
    finally:
        await broken.dispose()
    assert all(isinstance(r, Exception) for r in results)
    assert "retrying one by one" not in caplog.text


async def test_a_cancelled_writer_answers_everyone_waiting(db: Database) -> None:
    """At shutdown the writer's task may be cancelled mid-write: everyone whose answer it
    held gets an error instead of waiting forever."""
    opened = await _open(db, "Krokom")
    writer = AnswerWriter(db)
    saves = [
        asyncio.create_task(writer.save(opened.pulse_id, opened.key(f"u{i}"), {"collab": 2}))
        for i in range(10)
    ]
    await asyncio.sleep(0)  # the saves are queued and the writer has started
    assert writer._task is not None
    writer._task.cancel()
    results = await asyncio.wait_for(asyncio.gather(*saves, return_exceptions=True), 30)
    for result in results:
        assert result is True or isinstance(result, RuntimeError)
    stored = await _stored(db, opened.pulse_id)
    assert len(stored) == sum(1 for r in results if r is True)


# -- PulseFactsCache ---------------------------------------------------------------------


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


async def test_facts_of_an_unknown_pulse_are_none(db: Database) -> None:
    await _open(db, "Krokom")
    cache = PulseFactsCache(db)
    assert await cache.get("no-such-ref") is None


async def test_facts_of_an_open_pulse(db: Database) -> None:
    opened = await _open(db, "Krokom")
    cache = PulseFactsCache(db)

    facts = await cache.get(opened.ref)

    assert facts is not None
    pulse = await _pulse(db, opened.pulse_id)
    assert facts.pulse_id == opened.pulse_id and facts.ref == opened.ref
    assert facts.conversation_id == opened.conversation_id
    assert facts.template.key == "samverkanspuls" and facts.template == TEMPLATE
    assert facts.threshold == pulse.threshold and facts.closes_at == pulse.closes_at
    assert facts.closed_at is None and facts.sealed_key == opened.sealed_key
    assert facts.is_open(utcnow())


async def test_a_closed_pulse_refuses_answers_even_while_the_cache_says_open(
    db: Database,
) -> None:
    opened = await _open(db, "Krokom")
    clock = FakeClock()
    cache = PulseFactsCache(db, ttl=30, clock=clock)
    writer = AnswerWriter(db)
    assert (before := await cache.get(opened.ref)) is not None and before.is_open(utcnow())

    # Closed directly in the database (another instance, the sweep): this cache
    # is not told.
    async with db.session() as s:
        await s.execute(
            update(Pulse)
            .where(col(Pulse.id) == opened.pulse_id)
            .values(closed_at=utcnow(), sealed_key=None)
        )

    clock.now += 29
    cached = await cache.get(opened.ref)
    assert cached == before and cached is not None and cached.is_open(utcnow())
    # The user-visible guarantee: the answer is refused and nothing is stored.
    key = pulse_repo.sealed_key_for(cached.ref, cached.sealed_key, SECRET, "maja")
    assert await writer.save(cached.pulse_id, key, {"collab": 5}) is False
    assert await _stored(db, opened.pulse_id) == {}

    clock.now += 1  # the ttl has passed
    after = await cache.get(opened.ref)
    assert after is not None and after.pulse_id == opened.pulse_id
    assert after.closed_at is not None and after.sealed_key is None
    assert not after.is_open(utcnow())


async def test_forget_makes_the_next_get_read_the_pulse_again(db: Database) -> None:
    opened = await _open(db, "Krokom")
    clock = FakeClock()
    cache = PulseFactsCache(db, ttl=30, clock=clock)
    assert (before := await cache.get(opened.ref)) is not None and before.closed_at is None

    assert await _close(db, opened.pulse_id) is not None
    cached = await cache.get(opened.ref)
    assert cached is not None and cached.closed_at is None  # still within the ttl

    cache.forget(opened.ref)
    after = await cache.get(opened.ref)
    assert after is not None and after.closed_at is not None and after.sealed_key is None


async def test_concurrent_gets_of_an_uncached_pulse_share_one_read(db: Database) -> None:
    opened = await _open(db, "Krokom")
    other = await _open(db, "Östersund")
    cache = PulseFactsCache(db)
    pulse_reads: list[str] = []

    def count(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if "FROM pulses" in statement:
            pulse_reads.append(statement)

    event.listen(db.engine.sync_engine, "before_cursor_execute", count)
    try:
        results = await asyncio.gather(
            *(cache.get(opened.ref) for _ in range(50)), cache.get(other.ref)
        )
    finally:
        event.remove(db.engine.sync_engine, "before_cursor_execute", count)

    facts: list[PulseFacts | None] = list(results[:50])
    assert all(f is not None and f == facts[0] for f in facts)
    assert facts[0] is not None and facts[0].pulse_id == opened.pulse_id
    assert results[50] is not None and results[50].pulse_id == other.pulse_id
    assert len(pulse_reads) == 2  # one read per pulse, not one per request


async def test_a_cancelled_request_does_not_fail_others_waiting_for_the_same_pulse(
    db: Database,
) -> None:
    """The request that started reading a pulse goes away (Teams gave up on it); the
    others that were waiting for that read still get the pulse."""
    opened = await _open(db, "Krokom")
    cache = PulseFactsCache(db)
    first = asyncio.create_task(cache.get(opened.ref))
    await asyncio.sleep(0)  # the first request has started the read
    second = asyncio.create_task(cache.get(opened.ref))
    await asyncio.sleep(0)
    first.cancel()
    facts = await asyncio.wait_for(second, 30)
    assert facts is not None and facts.pulse_id == opened.pulse_id
    assert first.cancelled()
