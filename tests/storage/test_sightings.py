"""Group commit of who was seen in which channel and who the roster says they are
(storage/sightings.py): everyone's row is committed before they are answered, and one bad
row fails only its own caller."""

from __future__ import annotations

import asyncio

import pytest
from sqlmodel import select

from storage import channels_repo
from storage.db import Database
from storage.models import ChannelMember, Person
from storage.sightings import Sightings


async def test_sightings_arriving_together_are_all_committed(db: Database) -> None:
    sightings = Sightings(db)
    await asyncio.gather(
        *(
            sightings.person(
                tenant_id="T", object_id=f"oid-{i}", upn=f"P{i}@Example.se", display_name=None
            )
            for i in range(60)
        ),
        *(
            sightings.member(
                conversation_id="19:c@thread.tacv2", team_id=None, tenant_id="t", object_id=oid
            )
            for oid in [f"OID-{i}" for i in range(60)] * 2  # twice each: one row each
        ),
    )
    async with db.read() as s:
        people = (await s.execute(select(Person))).scalars().all()
        rows = (await s.execute(select(ChannelMember))).scalars().all()
    assert sorted(p.upn or "" for p in people) == sorted(f"p{i}@example.se" for i in range(60))
    assert sorted(r.aad_object_id for r in rows) == sorted(f"oid-{i}" for i in range(60))


async def test_one_bad_row_fails_only_its_caller(db: Database) -> None:
    sightings = Sightings(db)
    results = await asyncio.gather(
        sightings.person(tenant_id="t", object_id="good", upn="good@example.se", display_name=None),
        sightings.member(  # no conversation: refused by the database
            conversation_id=None,  # type: ignore[arg-type]
            team_id=None,
            tenant_id="t",
            object_id="bad",
        ),
        return_exceptions=True,
    )
    assert results[0] is None and isinstance(results[1], Exception)
    async with db.read() as s:
        person = await channels_repo.get_person(s, "t", "good")
    assert person is not None and person.upn == "good@example.se"


async def test_the_roster_keeps_the_persons_language_and_name(db: Database) -> None:
    async with db.session() as s:
        await channels_repo.remember_person(s, "T", "oid", display_name="Eva", language="en")
    await Sightings(db).person(
        tenant_id="T", object_id="oid", upn="Eva@Example.se", display_name=None
    )
    async with db.read() as s:
        person = await channels_repo.get_person(s, "t", "oid")
    assert person is not None
    assert (person.upn, person.display_name, person.language) == ("eva@example.se", "Eva", "en")


@pytest.mark.parametrize("n", [1, 7])
async def test_people_are_read_in_one_go(db: Database, n: int) -> None:
    sightings = Sightings(db)
    for i in range(n):
        await sightings.person(
            tenant_id="T", object_id=f"o{i}", upn=f"u{i}@x.se", display_name=None
        )
    keys = [("t", f"o{i}") for i in range(n)] + [("t", "nobody"), ("other", "o0")]
    async with db.read() as s:
        found = await channels_repo.get_people(s, keys)
    assert {k: p.upn for k, p in found.items()} == {("t", f"o{i}"): f"u{i}@x.se" for i in range(n)}
