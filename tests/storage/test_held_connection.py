"""The connection a group-commit writer keeps between its batches (storage/held_connection.py):
one checkout (and so one pre-ping on PostgreSQL) serves a burst of batches, it goes back
to the pool once the writer has been idle for `linger`, and a disposed database gets it
back at once."""

from __future__ import annotations

import asyncio

from sqlalchemy import event
from sqlmodel import select

from storage.db import Database
from storage.held_connection import HeldConnection
from storage.models import ChannelMember
from storage.sightings import Sightings


def _count_checkouts(db: Database) -> list[int]:
    counted = [0]

    @event.listens_for(db.engine.sync_engine.pool, "checkout")
    def _checkout(*_args: object) -> None:
        counted[0] += 1

    return counted


async def _sight(sightings: Sightings, oid: str) -> None:
    await sightings.member(
        conversation_id="19:c@thread.tacv2", team_id=None, tenant_id="t", object_id=oid
    )


async def test_batches_one_after_another_take_one_connection(db: Database) -> None:
    sightings = Sightings(db)
    checkouts = _count_checkouts(db)
    for i in range(20):  # twenty batches, each after the last one was committed
        await _sight(sightings, f"oid-{i}")
    assert checkouts[0] == 1
    async with db.read() as s:
        rows = (await s.execute(select(ChannelMember))).scalars().all()
    assert len(rows) == 20


async def test_an_idle_writer_gives_its_connection_back(db: Database) -> None:
    sightings = Sightings(db)
    sightings._held.linger = 0.05
    await _sight(sightings, "first")
    pool = db.engine.sync_engine.pool
    assert pool.checkedout() == 1  # type: ignore[attr-defined]
    await asyncio.sleep(0.3)
    assert pool.checkedout() == 0  # type: ignore[attr-defined]
    checkouts = _count_checkouts(db)
    await _sight(sightings, "later")  # a fresh (pinged) connection
    assert checkouts[0] == 1


async def test_a_failed_transaction_gives_the_connection_back(db: Database) -> None:
    held = HeldConnection(db)
    try:
        async with held.transaction() as conn:
            await conn.exec_driver_sql("SELECT no_such_column FROM channel_members")
    except Exception:
        pass
    assert db.engine.sync_engine.pool.checkedout() == 0  # type: ignore[attr-defined]
    async with held.transaction() as conn:  # and the next one works
        assert (await conn.exec_driver_sql("SELECT 1")).scalar() == 1


async def test_dispose_gives_a_held_connection_back(db: Database) -> None:
    held = HeldConnection(db, linger=3600)
    async with held.transaction() as conn:
        await conn.exec_driver_sql("SELECT 1")
    held.release_later()
    assert db.engine.sync_engine.pool.checkedout() == 1  # type: ignore[attr-defined]
    await db.dispose()
    assert held._conn is None
    assert db.engine.sync_engine.pool.checkedout() == 0  # type: ignore[attr-defined]
