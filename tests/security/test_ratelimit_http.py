"""Per-person command limits: over HTTP, a friendly message once, and nothing changes."""

from __future__ import annotations

import asyncio

from sqlalchemy import select
from sqlmodel import col

from storage.models import Person
from tests.security.conftest import MakeHarness
from tests.teams import TeamsUser, new_channel

SV_LIMITED = "Lugn i stormen"


async def _person_language(harness_db: object, user_id: str) -> str | None:
    from storage.db import Database

    assert isinstance(harness_db, Database)
    async with harness_db.session() as s:
        person = (
            await s.execute(select(Person).where(col(Person.aad_object_id) == user_id))
        ).scalar_one_or_none()
    return person.language if person else None


async def test_a_burst_beyond_the_limit_is_told_once_and_changes_nothing(
    make_harness: MakeHarness,
) -> None:
    harness = await make_harness(command_burst=3, command_rate_per_minute=1)
    anna, nils = TeamsUser("Anna Berg"), TeamsUser("Nils Ek")
    channel = new_channel()
    for _ in range(3):
        assert await harness.say(harness.teams.channel_message(channel, anna, "enheter")) in (
            200,
            202,
        )
    assert not [p for p in harness.connector.posted if SV_LIMITED in p.text]

    # The fourth command is refused with the friendly message, and does not run.
    await harness.say(harness.teams.personal_message(anna, "språk en"))
    await harness.connector.wait_for(lambda p: SV_LIMITED in p.text)
    assert await _person_language(harness.db, anna.aad_object_id) is None

    # More refusals in the same stretch are silent; a card action counts too.
    before = len(harness.connector.posted)
    await harness.say(harness.teams.personal_message(anna, "språk en"))
    await harness.say(
        harness.teams.card_submit(channel, anna, {"action": "agenda.accept", "index": 1})
    )
    await asyncio.sleep(0.2)
    assert len(harness.connector.posted) == before
    assert await _person_language(harness.db, anna.aad_object_id) is None
    assert len([p for p in harness.connector.posted if SV_LIMITED in p.text]) == 1

    # Another person is not affected.
    await harness.say(harness.teams.personal_message(nils, "språk en"))
    await harness.connector.wait_for(lambda p: p.conversation_id == f"a:{nils.aad_object_id}")
    assert await _person_language(harness.db, nils.aad_object_id) == "en"


async def test_an_invoke_beyond_the_limit_gets_the_message_in_its_answer(
    make_harness: MakeHarness,
) -> None:
    harness = await make_harness(command_burst=1, command_rate_per_minute=1)
    anna = TeamsUser("Anna Berg")
    channel = new_channel()
    act = harness.teams.invoke_action(channel, anna, "agenda.accept", {"index": 1})
    status, _ = await harness.post(act)
    assert status == 200
    status, body = await harness.post(harness.teams.invoke_action(channel, anna, "x.y", {}))
    assert status == 200
    assert SV_LIMITED in str(body)


async def test_events_that_are_not_commands_are_not_counted(make_harness: MakeHarness) -> None:
    harness = await make_harness(command_burst=1, command_rate_per_minute=1)
    anna = TeamsUser("Anna Berg")
    for _ in range(3):  # installing the app is not a command
        await harness.say(harness.teams.personal_install(anna))
    await harness.say(harness.teams.personal_message(anna, "språk en"))
    await harness.connector.wait_for(lambda p: p.conversation_id == f"a:{anna.aad_object_id}")
    assert await _person_language(harness.db, anna.aad_object_id) == "en"
