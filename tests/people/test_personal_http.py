"""Personal messages (services/personal.py) over HTTP with the fake Bot Connector: to a
stored 1:1 chat; to a chat the bot opens itself (`POST /v3/conversations`); once per
person, day and subject; a person who left (403) is not written to again and their
coordinators are told once."""

from __future__ import annotations

from datetime import date

from sqlmodel import col, select

from cards.mentions import mentioned_ids
from services.personal import Outcome, send_personal
from storage import channels_repo
from storage.models import Conversation, OutboxMessage
from tests.people.support import drain
from tests.support.harness import BotHarness
from tests.support.items import CLUSTER, bind, deliver, load_org
from tests.teams import TENANT, TeamsUser

DAY = date(2026, 11, 26)
EVA = TeamsUser("Eva Ek", upn="eva.ek@example.se")
SARA = TeamsUser("Sara Lind", upn="samordnare.ostersund@example.se")  # Östersund's coordinator


def note(text: str) -> dict[str, object]:
    return {"type": "message", "text": text, "textFormat": "markdown"}


async def _send(
    h: BotHarness, who: TeamsUser, subject: str, text: str, unit: int | None = None
) -> Outcome:
    async with h.db.session() as s:
        return await send_personal(
            s,
            TENANT,
            who.aad_object_id,
            subject=subject,
            day=DAY,
            activity=note(text),
            unit_id=unit,
        )


async def test_a_stored_chat_gets_it_once_per_day_and_subject(harness: BotHarness) -> None:
    h = harness
    await h.say(h.teams.personal_install(EVA))
    assert await _send(h, EVA, "action:1:due", "Åtgärd 1 förfaller i dag") is Outcome.QUEUED
    assert await _send(h, EVA, "action:1:due", "Åtgärd 1 förfaller i dag") is Outcome.DUPLICATE
    await deliver(h)
    chat = h.connector.in_conversation(f"a:{EVA.aad_object_id}")
    assert [p.text for p in chat if "Åtgärd" in p.text] == ["Åtgärd 1 förfaller i dag"]
    assert not any(path == "/v3/conversations" for _, path in h.connector.requests)


async def test_the_bot_opens_a_chat_it_does_not_have_and_keeps_it(harness: BotHarness) -> None:
    h = harness
    units = await load_org(h.db)
    await bind(h, CLUSTER)  # a verified conversation in the tenant: the way in
    assert (
        await _send(h, EVA, "item:7:arrived", "Ärende 7 har kommit", units[CLUSTER])
        is Outcome.QUEUED
    )
    await deliver(h)
    opens = [path for method, path in h.connector.requests if path == "/v3/conversations"]
    assert len(opens) == 1
    [posted] = [p for p in h.connector.posted if p.text == "Ärende 7 har kommit"]
    assert posted.conversation_id.startswith("a:")
    # The chat Teams gave is stored: the next message goes there without opening again.
    assert await _send(h, EVA, "item:8:arrived", "Ärende 8 har kommit") is Outcome.QUEUED
    await deliver(h)
    [second] = [p for p in h.connector.posted if p.text == "Ärende 8 har kommit"]
    assert second.conversation_id == posted.conversation_id
    assert len([p for _, p in h.connector.requests if p == "/v3/conversations"]) == 1
    async with h.db.session() as s:
        [chat] = (
            (
                await s.execute(
                    select(Conversation).where(col(Conversation.user_aad_id) == EVA.aad_object_id)
                )
            )
            .scalars()
            .all()
        )
    assert chat.conversation_id == posted.conversation_id and chat.active


async def test_someone_who_left_is_not_written_to_and_coordinators_are_told_once(
    harness: BotHarness,
) -> None:
    h = harness
    units = await load_org(h.db)
    cluster = await bind(h, CLUSTER)
    async with h.db.session() as s:
        await channels_repo.remember_person(s, TENANT, EVA.aad_object_id, display_name=EVA.name)
        await channels_repo.remember_person(
            s, TENANT, SARA.aad_object_id, upn=SARA.upn, display_name=SARA.name
        )
    h.connector.forbid(EVA.aad_object_id, "UserNotFound")  # no longer in the tenant
    assert await _send(h, EVA, "action:3:due", "Åtgärd 3", units[CLUSTER]) is Outcome.QUEUED
    async with h.db.session() as s:
        before = len((await s.execute(select(OutboxMessage))).scalars().all())
    assert await drain(h) == [f"personal:{TENANT}:{EVA.aad_object_id}:{DAY}:action:3:due"]
    assert not [p for p in h.connector.posted if p.text == "Åtgärd 3"]

    for subject in ("action:3:overdue", "action:4:due"):
        assert await _send(h, EVA, subject, "Åtgärd igen", units[CLUSTER]) is Outcome.LEFT
    await drain(h)
    async with h.db.session() as s:
        person = await channels_repo.get_person(s, TENANT, EVA.aad_object_id)
        after = len((await s.execute(select(OutboxMessage))).scalars().all())
    assert person is not None and person.left_at is not None
    assert after == before + 1  # one notice to the coordinators, no more personal rows
    told = [
        c
        for p in h.connector.in_conversation(cluster.conversation_id)
        for c in p.cards
        if "Eva Ek" in str(c)
    ]
    assert len(told) == 1
    assert mentioned_ids(told[0]) == [SARA.aad_object_id]
    assert not [p for p in h.connector.posted if p.text == "Åtgärd igen"]


async def test_someone_of_another_organisation_is_reached_in_the_channel_only(
    harness: BotHarness,
) -> None:
    """A shared channel's member from the municipality's tenant: no chat opened in the
    region's tenant, no message queued for them; the coordinators are told once why."""
    h = harness
    units = await load_org(h.db)
    cluster = await bind(h, CLUSTER)
    other = "9e1c2a3b-0000-4000-8000-00000000beef"
    async with h.db.session() as s:
        await channels_repo.remember_person(s, other, EVA.aad_object_id, display_name=EVA.name)
        await channels_repo.remember_person(
            s, TENANT, SARA.aad_object_id, upn=SARA.upn, display_name=SARA.name
        )
    await h.say(h.teams.personal_install(SARA))  # the region's tenant has a route
    for subject in ("action:5:due", "action:6:due"):
        async with h.db.session() as s:
            outcome = await send_personal(
                s,
                other,
                EVA.aad_object_id,
                subject=subject,
                day=DAY,
                activity=note("Åtgärd 5"),
                unit_id=units[CLUSTER],
                own_tenant=TENANT,
            )
        assert outcome is Outcome.ELSEWHERE
    await drain(h)
    assert not any(path == "/v3/conversations" for _, path in h.connector.requests)
    assert not [p for p in h.connector.posted if p.text == "Åtgärd 5"]
    told = [
        c
        for p in h.connector.in_conversation(cluster.conversation_id)
        for c in p.cards
        if "annan organisation" in str(c)
    ]
    assert len(told) == 1 and mentioned_ids(told[0]) == [SARA.aad_object_id]
    # The same person in the bot's own tenant would be written to.
    async with h.db.session() as s:
        outcome = await send_personal(
            s, TENANT, SARA.aad_object_id, subject="action:7:due", day=DAY,
            activity=note("Åtgärd 7"), unit_id=units[CLUSTER], own_tenant=TENANT,
        )  # fmt: skip
    assert outcome is Outcome.QUEUED
