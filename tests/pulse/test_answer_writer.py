"""Pulse answers through the answer writer, and the cached pulse facts.

Every test runs on SQLite and on PostgreSQL (the `db` fixture). What is asserted is
what people notice: an answer is counted or refused, one per person (a second one is
refused and changes nothing), a closed pulse takes nothing, every counted answer is
in the results once the pulse closes, and no answer is written at the moment its
author gave it: the last `threshold` stay in memory until the close (or a graceful
stop), and a group too small to hide its authors is never written.
"""

from __future__ import annotations

import asyncio
import random
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import event, update
from sqlmodel import col, select

from bot.pulse_facts import PulseFacts, PulseFactsCache
from core.pulse_templates import BUILT_IN
from services import pulse as service
from storage import channels_repo, pulse_answers_repo, pulse_repo
from storage.answer_writer import AnswerWriter, Outcome
from storage.db import Database
from storage.models import OutboxMessage
from storage.pulse_models import Pulse, PulseAnswer
from storage.types import utcnow
from tests.support.jobs import job_context
from tests.support.scheduler import unit_with_channel

SECRET = "k" * 40
ZONE = ZoneInfo("Europe/Stockholm")
TEMPLATE = BUILT_IN["samverkanspuls"]
CONTEXT = job_context(secret=SECRET, zone=ZONE, language="sv")
KEEP = 5  # the default threshold: what each process holds back of a pulse


@dataclass(frozen=True)
class Opened:
    pulse_id: int
    ref: str
    conversation_id: str

    def person(self, user_id: str) -> str:
        """The person's respondent key, exactly as the answer handler derives it."""
        return pulse_answers_repo.respondent(self.ref, SECRET, user_id)


async def _open(db: Database, name: str, now: datetime | None = None) -> Opened:
    """A unit with a bound channel and an open pulse in it (opened at `now`)."""
    async with db.session() as s:
        unit = await unit_with_channel(s, name)
        conversation_id = f"19:{name}@thread.tacv2"
        conv = await channels_repo.get_conversation(s, conversation_id)
        assert conv is not None and conv.id is not None
        pulse = await pulse_repo.open_pulse(s, unit, conv.id, TEMPLATE, zone=ZONE, now=now)
        assert pulse.id is not None and pulse.threshold == KEEP
        return Opened(pulse.id, pulse.ref, conversation_id)


async def _close(db: Database, pulse_id: int) -> Pulse | None:
    async with db.session() as s:
        return await pulse_repo.close_pulse(s, pulse_id)


async def _finalize(db: Database, pulse_id: int, now: datetime | None = None) -> Pulse | None:
    async with db.session() as s:
        return await pulse_repo.finalize(s, pulse_id, now)


async def _stored(db: Database, pulse_id: int) -> list[dict[str, Any]]:
    """The values of every written answer of the pulse, sorted (their order is random)."""
    async with db.session() as s:
        rows = await s.execute(select(PulseAnswer).where(col(PulseAnswer.pulse_id) == pulse_id))
        return sorted((dict(r.values) for r in rows.scalars().all()), key=repr)


async def _people(db: Database, pulse_id: int) -> int:
    async with db.session() as s:
        return await pulse_answers_repo.respondent_count(s, pulse_id)


async def _pulse(db: Database, pulse_id: int) -> Pulse:
    async with db.session() as s:
        pulse = await s.get(Pulse, pulse_id)
    assert pulse is not None
    return pulse


def _sorted(values: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return sorted(values, key=repr)


# -- AnswerWriter ------------------------------------------------------------------------


@pytest.mark.parametrize("max_batch", [500, 7], ids=["one-batch", "many-batches"])
async def test_two_hundred_people_at_once_are_counted_and_all_written_by_the_close(
    db: Database, max_batch: int
) -> None:
    opened = await _open(db, "Krokom")
    writer = AnswerWriter(db, max_batch=max_batch)
    sent = [{"collab": 1 + i % 5, "n": i} for i in range(200)]

    results = await asyncio.gather(
        *(
            writer.answer(opened.pulse_id, opened.person(f"user-{i}"), v, keep=KEEP)
            for i, v in enumerate(sent)
        )
    )

    assert results == [Outcome.STORED] * 200
    assert await _people(db, opened.pulse_id) == 200
    # All but the last five are written; those five wait for the close.
    assert len(await _stored(db, opened.pulse_id)) == 195
    assert writer.holds(opened.pulse_id) == KEEP
    assert (await _pulse(db, opened.pulse_id)).held == KEEP

    assert await _close(db, opened.pulse_id) is not None
    assert await writer.settle(opened.pulse_id) == 0
    assert await _stored(db, opened.pulse_id) == _sorted(sent)
    final = await _finalize(db, opened.pulse_id)
    assert final is not None and final.answer_count == 200 and final.held == 0
    assert await _people(db, opened.pulse_id) == 0  # who answered is forgotten


@pytest.mark.parametrize("max_batch", [500, 3], ids=["one-batch", "many-batches"])
async def test_a_second_answer_of_the_same_person_is_refused_and_changes_nothing(
    db: Database, max_batch: int
) -> None:
    opened = await _open(db, "Krokom")
    writer = AnswerWriter(db, max_batch=max_batch)
    maja = opened.person("maja")

    # gather starts the answers in argument order, and the writer queues them in that
    # order: Maja's first one counts, whether her ten share a transaction or not.
    calls = [
        writer.answer(opened.pulse_id, maja, {"collab": 1 + n % 5}, keep=KEEP) for n in range(10)
    ]
    calls.insert(4, writer.answer(opened.pulse_id, opened.person("erik"), {"collab": 2}, keep=KEEP))
    results = await asyncio.gather(*calls)

    assert results.count(Outcome.STORED) == 2 and results[0] is Outcome.STORED
    assert results.count(Outcome.ALREADY) == 9
    # Later, in a later transaction: still refused. (Another process would refuse it
    # too: the respondent row is in the database.)
    other = AnswerWriter(db)
    assert await other.answer(opened.pulse_id, maja, {"collab": 5}, keep=KEEP) is Outcome.ALREADY
    assert await _people(db, opened.pulse_id) == 2

    for i in range(3):  # enough people that the answers may be written at the close
        await writer.answer(opened.pulse_id, opened.person(f"u{i}"), {"collab": 4}, keep=KEEP)
    assert await _close(db, opened.pulse_id) is not None
    assert await writer.settle(opened.pulse_id) == 0
    assert await _stored(db, opened.pulse_id) == _sorted(
        [{"collab": 1}, {"collab": 2}] + [{"collab": 4}] * 3
    )


async def test_answers_to_a_closed_pulse_are_refused_while_an_open_one_takes_its_own(
    db: Database,
) -> None:
    open_one = await _open(db, "Krokom")
    closed_one = await _open(db, "Östersund")
    assert await _close(db, closed_one.pulse_id) is not None
    writer = AnswerWriter(db)

    # Interleaved, so both pulses are in the same batch (one transaction).
    calls = []
    for i in range(10):
        calls.append(
            writer.answer(open_one.pulse_id, open_one.person(f"u{i}"), {"collab": 4}, keep=KEEP)
        )
        calls.append(
            writer.answer(closed_one.pulse_id, closed_one.person(f"u{i}"), {"collab": 2}, keep=KEEP)
        )
    results = await asyncio.gather(*calls)

    assert results == [Outcome.STORED, Outcome.CLOSED] * 10
    assert await _people(db, open_one.pulse_id) == 10
    assert await _people(db, closed_one.pulse_id) == 0
    assert writer.holds(closed_one.pulse_id) == 0 and await _stored(db, closed_one.pulse_id) == []


async def test_a_pulse_past_its_closing_time_refuses_answers_before_the_sweep_closes_it(
    db: Database,
) -> None:
    expired = await _open(db, "Krokom", now=utcnow() - timedelta(days=30))
    current = await _open(db, "Östersund")
    pulse = await _pulse(db, expired.pulse_id)
    assert pulse.closed_at is None and pulse.closes_at < utcnow()  # not closed yet
    writer = AnswerWriter(db)

    results = await asyncio.gather(
        writer.answer(expired.pulse_id, expired.person("maja"), {"collab": 5}, keep=KEEP),
        writer.answer(current.pulse_id, current.person("maja"), {"collab": 5}, keep=KEEP),
    )

    assert results == [Outcome.CLOSED, Outcome.STORED]
    assert await _people(db, expired.pulse_id) == 0
    assert await _people(db, current.pulse_id) == 1


@pytest.mark.parametrize("waves_before_close", [1, 2, 4])
async def test_closing_while_people_answer_counts_exactly_what_was_accepted(
    db: Database, waves_before_close: int
) -> None:
    opened = await _open(db, "Krokom")
    writer = AnswerWriter(db, max_batch=20)
    people = [opened.person(f"user-{i}") for i in range(200)]
    waves = [people[start : start + 40] for start in range(0, len(people), 40)]
    results: dict[str, Outcome] = {}
    first_committed, close_now = asyncio.Event(), asyncio.Event()

    async def answer(person: str) -> None:
        results[person] = await writer.answer(opened.pulse_id, person, {"collab": 3}, keep=KEEP)
        first_committed.set()

    async def answer_in_waves() -> None:
        # The close starts once a first batch is committed and `waves_before_close`
        # waves are queued: the writer is then mid-stream, with batches written
        # before the close, batches waiting for it and batches that come after it.
        tasks: list[asyncio.Task[None]] = []
        for n, wave in enumerate(waves):
            tasks += [asyncio.create_task(answer(person)) for person in wave]
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
    accepted = [p for p, outcome in results.items() if outcome is Outcome.STORED]
    refused = [p for p, outcome in results.items() if outcome is Outcome.CLOSED]
    assert (
        len(results) == len(people) and len(accepted) >= 20 and len(accepted) + len(refused) == 200
    )
    assert await writer.settle(opened.pulse_id) == 0
    final = await _finalize(db, opened.pulse_id)
    assert final is not None and final.answer_count == len(accepted)
    assert len(await _stored(db, opened.pulse_id)) == len(accepted)
    # Nothing comes in after the close.
    late = await writer.answer(opened.pulse_id, opened.person("late"), {"collab": 1}, keep=KEEP)
    assert late is Outcome.CLOSED
    assert len(await _stored(db, opened.pulse_id)) == len(accepted)


async def test_an_answer_for_a_pulse_that_does_not_exist_is_refused_alone(db: Database) -> None:
    opened = await _open(db, "Krokom")
    writer = AnswerWriter(db)
    missing = opened.pulse_id + 1000

    results = await asyncio.gather(
        writer.answer(opened.pulse_id, opened.person("a"), {"collab": 4}, keep=KEEP),
        writer.answer(missing, "no-such-pulse", {"collab": 1}, keep=KEEP),
        writer.answer(opened.pulse_id, opened.person("b"), {"collab": 5}, keep=KEEP),
    )

    # The open-pulse check finds no such pulse, so it is refused like a closed one, and
    # the insert never sees it: no foreign-key error for anyone.
    assert results == [Outcome.STORED, Outcome.CLOSED, Outcome.STORED]
    assert await _people(db, opened.pulse_id) == 2
    assert await _people(db, missing) == 0


async def test_a_value_the_database_cannot_take_fails_alone(db: Database) -> None:
    opened = await _open(db, "Krokom")
    writer = AnswerWriter(db)

    # Answers are held and written later in groups: one that cannot be stored as JSON
    # must fail at once, alone, and never reach the group it would spoil. (The bot only
    # passes validated values; this is the writer's own defence.)
    calls = [
        writer.answer(opened.pulse_id, opened.person(f"u{i}"), {"collab": 3}, keep=KEEP)
        for i in range(3)
    ]
    calls.append(
        writer.answer(opened.pulse_id, opened.person("bad"), {"collab": {1, 2}}, keep=KEEP)
    )
    calls += [
        writer.answer(opened.pulse_id, opened.person(f"v{i}"), {"collab": 4}, keep=KEEP)
        for i in range(3)
    ]
    results = await asyncio.gather(*calls, return_exceptions=True)

    assert results[:3] == [Outcome.STORED] * 3 and results[4:] == [Outcome.STORED] * 3
    assert isinstance(results[3], TypeError)
    assert await _people(db, opened.pulse_id) == 6  # "bad" was not counted
    # The writer keeps working, and "bad" may still answer.
    assert (
        await writer.answer(opened.pulse_id, opened.person("bad"), {"collab": 2}, keep=KEEP)
        is Outcome.STORED
    )
    assert await _close(db, opened.pulse_id) is not None
    assert await writer.settle(opened.pulse_id) == 0
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
            *(writer.answer(1, f"{i:064x}", {"collab": 3}, keep=KEEP) for i in range(5)),
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
    calls = [
        asyncio.create_task(
            writer.answer(opened.pulse_id, opened.person(f"u{i}"), {"collab": 2}, keep=KEEP)
        )
        for i in range(10)
    ]
    await asyncio.sleep(0)  # the answers are queued and the writer has started
    assert writer._task is not None
    writer._task.cancel()
    results = await asyncio.wait_for(asyncio.gather(*calls, return_exceptions=True), 30)
    for result in results:
        assert result is Outcome.STORED or isinstance(result, RuntimeError)
    assert await _people(db, opened.pulse_id) == sum(1 for r in results if r is Outcome.STORED)


# -- what is written when ----------------------------------------------------------------


async def test_fewer_than_the_threshold_are_counted_but_never_written(db: Database) -> None:
    """Four people answer (threshold 5): four contents and four names would be a group of
    four, so the close keeps only their number; the results say too few answered."""
    opened = await _open(db, "Krokom")
    writer = AnswerWriter(db)
    for i in range(4):
        await writer.answer(opened.pulse_id, opened.person(f"u{i}"), {"collab": 2 + i}, keep=KEEP)
    assert await _stored(db, opened.pulse_id) == [] and writer.holds(opened.pulse_id) == 4

    done = await service.close_now(db, writer, opened.pulse_id, ZONE, "sv")

    assert done is not None
    closed = done
    assert closed.answer_count == 4 and closed.held == 0
    assert await _stored(db, opened.pulse_id) == []
    async with db.session() as s:
        rows = (await s.execute(select(OutboxMessage))).scalars().all()
    card = next(r for r in rows if r.idempotency_key.endswith(":closed"))
    assert "4 svar" in str(card.payload) and "För få svar" in str(card.payload)
    assert not [r for r in rows if r.idempotency_key.endswith(":results")]


async def test_a_graceful_stop_writes_what_it_may_and_frees_the_rest_to_answer_again(
    db: Database,
) -> None:
    big = await _open(db, "Krokom")
    small = await _open(db, "Östersund")
    writer = AnswerWriter(db)
    for i in range(7):
        await writer.answer(big.pulse_id, big.person(f"u{i}"), {"collab": 3}, keep=KEEP)
    for i in range(2):
        await writer.answer(small.pulse_id, small.person(f"u{i}"), {"collab": 1}, keep=KEEP)

    await writer.stop()

    # Seven answered here: the five held are written (two were already).
    assert len(await _stored(db, big.pulse_id)) == 7 and await _people(db, big.pulse_id) == 7
    assert (await _pulse(db, big.pulse_id)).held == 0
    # Two: too few to write apart from their names; their names are forgotten instead,
    # so the next process lets them answer again.
    assert await _stored(db, small.pulse_id) == [] and await _people(db, small.pulse_id) == 0
    again = AnswerWriter(db)
    assert (
        await again.answer(small.pulse_id, small.person("u0"), {"collab": 1}, keep=KEEP)
        is Outcome.STORED
    )
    assert (
        await again.answer(big.pulse_id, big.person("u0"), {"collab": 1}, keep=KEEP)
        is Outcome.ALREADY
    )
    with pytest.raises(RuntimeError):
        await writer.answer(big.pulse_id, big.person("new"), {"collab": 1}, keep=KEEP)


async def test_two_instances_the_results_wait_for_the_answers_the_other_holds(
    db: Database,
) -> None:
    """Answers reach both instances; a coordinator closes on the first. Its results wait
    until the second has written what it holds, then come out with every answer."""
    opened = await _open(db, "Krokom")
    settled: list[int] = []
    first = AnswerWriter(db)

    async def finalize(pulse_id: int) -> None:
        settled.append(pulse_id)
        assert await service.finalize_settled(db, pulse_id, ZONE, "sv")

    second = AnswerWriter(db, on_settled=finalize, poll_seconds=3600)
    for i in range(8):
        writer = first if i % 2 else second
        await writer.answer(
            opened.pulse_id, opened.person(f"u{i}"), {"collab": 1 + i % 5}, keep=KEEP
        )
    assert first.holds(opened.pulse_id) == 4 and second.holds(opened.pulse_id) == 4

    done = await service.close_now(db, first, opened.pulse_id, ZONE, "sv")

    assert done is not None
    pending = done
    assert pending.answer_count is None  # not final: the second holds four
    assert (await _pulse(db, opened.pulse_id)).held == 4
    await second.settle_closed()  # what its poller does every few seconds
    assert settled == [opened.pulse_id]
    final = await _pulse(db, opened.pulse_id)
    assert final.answer_count == 8 and final.held == 0
    assert len(await _stored(db, opened.pulse_id)) == 8
    assert await service.finalize_settled(db, opened.pulse_id, ZONE, "sv") is False  # once


async def test_answers_a_dead_instance_held_do_not_hold_the_results_back_for_ever(
    db: Database,
) -> None:
    opened = await _open(db, "Krokom")
    dead = AnswerWriter(db)  # killed: it never writes what it holds
    for i in range(6):
        await dead.answer(opened.pulse_id, opened.person(f"u{i}"), {"collab": 4}, keep=KEEP)
    closed_at = utcnow()
    async with db.session() as s:
        assert await pulse_repo.close_pulse(s, opened.pulse_id, closed_at) is not None
        assert await service.sweep(s, closed_at, CONTEXT) == 0  # waits for the five held
    assert (await _pulse(db, opened.pulse_id)).answer_count is None
    async with db.session() as s:
        later = closed_at + pulse_repo.SETTLE_GRACE
        await service.sweep(s, later, CONTEXT)
    final = await _pulse(db, opened.pulse_id)
    # Six people answered; the one written answer is all there is (too few to show).
    assert final.answer_count == 6 and len(await _stored(db, opened.pulse_id)) == 1
    assert await _people(db, opened.pulse_id) == 0


async def test_no_answer_is_written_when_its_author_answered() -> None:
    """The pool mix writes a random draw: over many pulses, what is written right after
    someone answers is theirs about once in `keep` + 1, as for any other held answer."""
    from core.answer_mix import mix

    rng = random.Random(20261201)
    newest_written = 0
    trials = 3000
    for _ in range(trials):
        held = [("held", i) for i in range(KEEP)]
        out, kept = mix(held, [("new", 0)], KEEP, rng)
        assert len(out) == 1 and len(kept) == KEEP
        newest_written += out == [("new", 0)]
    # Expected trials / 6 = 500; the bounds are seven standard deviations wide.
    assert 350 < newest_written < 650


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
    assert facts.closed_at is None
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
            update(Pulse).where(col(Pulse.id) == opened.pulse_id).values(closed_at=utcnow())
        )

    clock.now += 29
    cached = await cache.get(opened.ref)
    assert cached == before and cached is not None and cached.is_open(utcnow())
    # The user-visible guarantee: the answer is refused and nothing is stored.
    maja = opened.person("maja")
    assert await writer.answer(cached.pulse_id, maja, {"collab": 5}, keep=5) is Outcome.CLOSED
    assert await _people(db, opened.pulse_id) == 0 and writer.holds(opened.pulse_id) == 0

    clock.now += 1  # the ttl has passed
    after = await cache.get(opened.ref)
    assert after is not None and after.pulse_id == opened.pulse_id
    assert after.closed_at is not None
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
    assert after is not None and after.closed_at is not None


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
