"""The write counters the bot's in-process copies rely on (storage/changes.py): any write to a
table through this process makes a copy of it stale, also one read while the write was open."""

from __future__ import annotations

from sqlalchemy import text, update
from sqlmodel import col, select

from storage import changes
from storage.db import Database
from storage.models import RoleAssignment, Unit


async def _unit(db: Database, name: str = "Östersund") -> int:
    async with db.session() as s:
        unit = Unit(name=name, level="macro", defaults={})
        s.add(unit)
        await s.flush()
        assert unit.id is not None
        return unit.id


async def test_reads_change_nothing_and_every_kind_of_write_counts(db: Database) -> None:
    unit_id = await _unit(db)
    before = changes.version("units")
    async with db.read() as s:
        await s.execute(select(Unit))
    async with db.session() as s:
        await s.execute(select(Unit).where(Unit.id == unit_id))
    assert changes.version("units") == before

    async with db.session() as s:  # ORM
        unit = await s.get(Unit, unit_id)
        assert unit is not None
        unit.name = "Östersunds kommun"
    after_orm = changes.version("units")
    assert after_orm > before

    async with db.session() as s:  # Core
        await s.execute(update(Unit).where(col(Unit.id) == unit_id).values(topic="Äldre"))
    after_core = changes.version("units")
    assert after_core > after_orm

    roles_before = changes.version("role_assignments")
    async with db.session() as s:  # raw SQL: the table cannot be told, so every copy is stale
        await s.execute(text("UPDATE units SET kolada_id = '2380'"))
    assert changes.version("units") > after_core
    assert changes.version("role_assignments") > roles_before


async def test_a_copy_read_while_a_write_was_open_is_stale_after_its_commit(
    db: Database,
) -> None:
    unit_id = await _unit(db)
    async with db.session() as writer:
        writer.add(RoleAssignment(unit_id=unit_id, person="eva@example.se", role="coordinator"))
        await writer.flush()  # written, not committed
        noted = changes.version("role_assignments")  # what a cache notes before it reads
        async with db.read() as reader:
            rows = (await reader.execute(select(RoleAssignment))).scalars().all()
        assert rows == []  # the copy it makes has not the new row
    assert changes.version("role_assignments") != noted  # so it is stale once committed


async def test_a_writer_that_keeps_the_copies_itself_clears_nothing(db: Database) -> None:
    unit_id = await _unit(db)
    before = changes.version("units")
    async with db.session() as s:
        await s.connection(execution_options={changes.UNWATCHED: ("units",)})
        await s.execute(update(Unit).where(col(Unit.id) == unit_id).values(topic="Äldre"))
    assert changes.version("units") == before
