"""Who was seen in which channel, and who the roster says they are: group-committed.

Someone's first message in a channel records that they are in it (storage.members_repo)
and remembers the UPN and name the roster gave (storage.channels_repo.learn_person): two
tiny writes, each of which cost a whole transaction (and on SQLite a turn at the one
write lock). When many people write at once, the writes that arrive while a transaction
is running wait for the next one, and each transaction stores everything waiting with one
multi-row statement per table. Nobody's await returns before their row is committed; an
idle writer starts at once, so a lone write waits for nothing. If a batch fails, each of
its rows is tried again alone, so one bad row fails only its own caller.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import func
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncConnection

from storage import changes
from storage.db import Database
from storage.group_commit import tell, write_or_split
from storage.held_connection import HeldConnection
from storage.models import ChannelMember, Person
from storage.types import utcnow

MAX_BATCH = 200
MEMBERS, PEOPLE = "members", "people"


@dataclass
class _Pending:
    kind: str
    row: dict[str, Any]
    done: asyncio.Future[None] = field(repr=False)


class Sightings:
    """One per process. Its writes to `people` leave the bot's copy of people alone
    (storage/changes.py): the caller updates that copy itself."""

    def __init__(self, db: Database, *, max_batch: int = MAX_BATCH) -> None:
        self.db = db
        self.max_batch = max_batch
        self._pending: list[_Pending] = []
        self._task: asyncio.Task[None] | None = None
        # Kept while sightings keep coming (storage/held_connection.py): no pool checkout,
        # and so no pre-ping, per batch.
        self._held = HeldConnection(db)
        # Built once: a statement built per row cost more than running it.
        insert = postgresql.insert if db.dialect == "postgresql" else sqlite.insert
        members = insert(ChannelMember)
        self._members = members.on_conflict_do_nothing(
            index_elements=["conversation_id", "tenant_id", "aad_object_id"]
        )
        people = insert(Person)
        table = Person.__table__  # type: ignore[attr-defined]
        self._people = people.on_conflict_do_update(
            index_elements=["tenant_id", "aad_object_id"],
            set_={
                "upn": people.excluded.upn,
                "display_name": func.coalesce(people.excluded.display_name, table.c.display_name),
                "updated_at": people.excluded.updated_at,
            },
        )

    async def member(
        self, *, conversation_id: str, team_id: str | None, tenant_id: str | None, object_id: str
    ) -> None:
        """As members_repo.record for one person: they are in this channel."""
        row = {
            "conversation_id": conversation_id,
            "team_id": team_id,
            "tenant_id": tenant_id or "",
            "aad_object_id": object_id.lower(),
            "seen_at": utcnow(),
        }
        await self._run(MEMBERS, row)

    async def person(
        self, *, tenant_id: str, object_id: str, upn: str, display_name: str | None
    ) -> None:
        """As channels_repo.learn_person: what the verified roster said of this person."""
        row = {
            "tenant_id": tenant_id.lower(),
            "aad_object_id": object_id,
            "upn": upn.lower(),
            "display_name": display_name,
            "updated_at": utcnow(),
        }
        await self._run(PEOPLE, row)

    async def _run(self, kind: str, row: dict[str, Any]) -> None:
        done: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._pending.append(_Pending(kind, row, done))
        if self._task is None or self._task.done():
            self._task = asyncio.create_task(self._drain())
            self._task.add_done_callback(self._drained)
        await asyncio.shield(done)  # a cancelled request must not cancel the others' batch

    async def _drain(self) -> None:
        batch: list[_Pending] = []
        try:
            while self._pending:
                batch, self._pending = (
                    self._pending[: self.max_batch],
                    self._pending[self.max_batch :],
                )
                await self._write_or_split(batch)
        finally:
            for item in batch:  # normally settled; cancelled mid-write (shutdown): tell them
                tell(item.done, RuntimeError("the writer stopped"))
            self._held.release_later()  # back to the pool unless more come soon

    def _drained(self, task: asyncio.Task[None]) -> None:
        if task.cancelled():
            waiting, self._pending = self._pending, []
            for item in waiting:
                tell(item.done, RuntimeError("the writer stopped"))

    async def _write_or_split(self, batch: list[_Pending]) -> None:
        await write_or_split(batch, self._commit, lambda item: item.done, what="sightings")

    async def _commit(self, batch: list[_Pending]) -> list[None]:
        async with self._held.transaction() as conn:
            await self._write(conn, batch)
        return [None] * len(batch)

    async def _write(self, conn: AsyncConnection, batch: list[_Pending]) -> None:
        quiet = {changes.UNWATCHED: ("people",)}
        # One row per key (a multi-row upsert must not touch a row twice), the last
        # wins, in key order so that two instances lock rows in the same order.
        members = {
            (r["conversation_id"], r["tenant_id"], r["aad_object_id"]): r
            for r in (p.row for p in batch if p.kind == MEMBERS)
        }
        people = {
            (r["tenant_id"], r["aad_object_id"]): r
            for r in (p.row for p in batch if p.kind == PEOPLE)
        }
        if members:
            await conn.execute(
                self._members, [members[k] for k in sorted(members)], execution_options=quiet
            )
        if people:
            await conn.execute(
                self._people, [people[k] for k in sorted(people)], execution_options=quiet
            )
