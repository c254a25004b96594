"""Verified channel members (storage/members_repo.py), on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio

from sqlalchemy import func, select

from storage import channels_repo, members_repo
from storage.db import Database
from storage.models import ChannelMember, Unit

TENANT = "72f988bf-0000-4000-8000-00000000abcd"
PERSON = "6A1B7C2D-0000-4000-8000-000000000001"  # Teams may send either case


async def _channel(db: Database, unit_name: str, conversation_id: str, team_id: str) -> int:
    async with db.session() as s:
        unit = Unit(name=unit_name, level="team", defaults={})
        s.add(unit)
        await s.flush()
        conv = await channels_repo.upsert_conversation(
            s,
            channels_repo.ConversationInfo(
                conversation_id=conversation_id,
                kind="channel",
                tenant_id=TENANT,
                team_id=team_id,
                channel_id=conversation_id,
                name=unit_name,
                user_aad_id=None,
                reference={},
            ),
        )
        await channels_repo.bind(s, unit, conv, actor="test")
        assert unit.id is not None
        return unit.id


async def _record(db: Database, conversation_id: str, team_id: str, who: str = PERSON) -> None:
    async with db.session() as s:
        await members_repo.record(
            s,
            conversation_id=conversation_id,
            team_id=team_id,
            tenant_id=TENANT,
            aad_object_ids=[who],
        )


async def _units(db: Database, tenant: str = TENANT, who: str = PERSON) -> set[int]:
    async with db.read() as s:
        return await members_repo.member_units(s, tenant, who)


async def test_first_sightings_at_once_store_one_row(db: Database) -> None:
    unit = await _channel(db, "Krokom", "19:krokom", "team-k")
    await asyncio.gather(*[_record(db, "19:krokom", "team-k") for _ in range(8)])
    async with db.read() as s:
        assert (await s.execute(select(func.count()).select_from(ChannelMember))).scalar_one() == 1
    assert await _units(db) == {unit}
    assert await _units(db, who=PERSON.lower()) == {unit}
    assert await _units(db, tenant="another-tenant") == set()  # keyed by tenant too


async def test_leaving_a_team_ends_every_channel_of_it_and_only_that_team(db: Database) -> None:
    krokom = await _channel(db, "Krokom", "19:krokom", "team-k")
    elev = await _channel(db, "Elevhälsa Krokom", "19:elev", "team-k")
    are = await _channel(db, "Åre", "19:are", "team-a")
    for conv, team in (("19:krokom", "team-k"), ("19:elev", "team-k"), ("19:are", "team-a")):
        await _record(db, conv, team)
    assert await _units(db) == {krokom, elev, are}
    async with db.session() as s:
        removed = await members_repo.forget(
            s, tenant_id=TENANT, aad_object_ids=[PERSON], team_id="team-k"
        )
    assert removed == 2 and await _units(db) == {are}


async def test_a_channel_no_longer_bound_gives_no_unit(db: Database) -> None:
    await _channel(db, "Krokom", "19:krokom", "team-k")
    await _record(db, "19:krokom", "team-k")
    async with db.session() as s:
        await channels_repo.deactivate_conversations(s, conversation_id="19:krokom")
    assert await _units(db) == set()
