"""Group commit for the small writes of people's first messages (storage/group_commit.py):
everyone's write is committed before they are answered, and one bad write fails only its
own caller."""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import select

from storage import channels_repo
from storage.db import Database
from storage.group_commit import GroupCommit
from storage.models import Person


async def test_writes_arriving_together_are_all_committed(db: Database) -> None:
    writer = GroupCommit(db)

    def learn(i: int):  # type: ignore[no-untyped-def]
        async def write(s: AsyncSession) -> None:
            await channels_repo.learn_person(
                s, "t", f"oid-{i}", upn=f"P{i}@Example.se", display_name=f"Person {i}"
            )

        return write

    await asyncio.gather(*(writer.run(learn(i)) for i in range(60)))
    async with db.read() as s:
        people = (await s.execute(select(Person))).scalars().all()
    assert sorted(p.upn or "" for p in people) == sorted(f"p{i}@example.se" for i in range(60))


async def test_one_bad_write_fails_only_its_caller(db: Database) -> None:
    writer = GroupCommit(db)

    async def good(s: AsyncSession) -> None:
        await channels_repo.learn_person(s, "t", "good", upn="good@example.se", display_name=None)

    async def bad(s: AsyncSession) -> None:
        raise ValueError("a write that cannot be done")

    results = await asyncio.gather(writer.run(good), writer.run(bad), return_exceptions=True)
    assert results[0] is None
    assert isinstance(results[1], ValueError)
    async with db.read() as s:
        person = await channels_repo.get_person(s, "t", "good")
    assert person is not None and person.upn == "good@example.se"


async def test_learning_a_person_keeps_their_language_and_name(db: Database) -> None:
    async with db.session() as s:
        await channels_repo.remember_person(s, "T", "oid", display_name="Eva", language="en")
    async with db.session() as s:
        await channels_repo.learn_person(s, "T", "oid", upn="Eva@Example.se", display_name=None)
    async with db.read() as s:
        person = await channels_repo.get_person(s, "t", "oid")
    assert person is not None
    assert (person.upn, person.display_name, person.language) == ("eva@example.se", "Eva", "en")


@pytest.mark.parametrize("n", [1, 7])
async def test_people_are_read_in_one_go(db: Database, n: int) -> None:
    async with db.session() as s:
        for i in range(n):
            await channels_repo.learn_person(s, "T", f"o{i}", upn=f"u{i}@x.se", display_name=None)
    keys = [("t", f"o{i}") for i in range(n)] + [("t", "nobody"), ("other", "o0")]
    async with db.read() as s:
        found = await channels_repo.get_people(s, keys)
    assert {k: p.upn for k, p in found.items()} == {("t", f"o{i}"): f"u{i}@x.se" for i in range(n)}
