"""The app is installed for a person right before the dispatcher opens their chat
(delivery/dispatcher.py `AdapterSender`), never in the transaction that queued the
message: over HTTP, JWT on, with the fake Graph (HTTPS) and the fake Bot Connector.
Once per pending chat, only in the bot's own tenant; a failed installation does not
stop the open, and a refused open still marks the chat dead."""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest
from sqlmodel import col, select

from clients.graph import GraphDirectory
from scheduler.firing import fire
from services import nudges
from services.app_install import install_hook
from services.personal import Outcome, key_for, send_personal
from storage import channels_repo, personal_repo
from storage.meeting_models import ActionItem
from storage.models import Schedule, Unit
from tests.fakes.graph import FakeEntraGraph
from tests.fakes.issuer import LocalIssuer
from tests.indicators.test_graph_install import CATALOG_APP, directory, graph  # noqa: F401
from tests.people.support import drain
from tests.support.harness import BotHarness
from tests.support.items import CLUSTER, bind, deliver, load_org
from tests.support.jobs import job_context
from tests.teams import TENANT, TeamsUser

DAY = date(2026, 11, 26)
EVA = TeamsUser("Eva Ek", upn="eva.ek@example.se")  # no personal chat with the bot yet
SARA = TeamsUser("Sara Lind", upn="samordnare.ostersund@example.se")  # Östersund's coordinator
OPEN = "/v3/conversations"


def _note(text: str) -> dict[str, object]:
    return {"type": "message", "text": text, "textFormat": "markdown"}


async def _send(h: BotHarness, subject: str, text: str) -> Outcome:
    async with h.db.session() as s:
        return await send_personal(
            s, TENANT, EVA.aad_object_id, subject=subject, day=DAY, activity=_note(text),
            own_tenant=TENANT,
        )  # fmt: skip


def _opens(h: BotHarness) -> int:
    return sum(path == OPEN for _, path in h.connector.requests)


async def _ready(h: BotHarness, graph: FakeEntraGraph) -> dict[str, int]:  # noqa: F811
    """The org, a bound channel (the way into the tenant), Eva known to Graph and the bot."""
    units = await load_org(h.db)
    h.connector.add_member(
        SARA.channel_id, aad_object_id=SARA.aad_object_id, name=SARA.name, upn=SARA.upn
    )
    await bind(h, CLUSTER, SARA)
    graph.users.add(EVA.aad_object_id)
    async with h.db.session() as s:
        await channels_repo.remember_person(
            s, TENANT, EVA.aad_object_id, upn=EVA.upn, display_name=EVA.name
        )
    return units


async def test_the_app_is_installed_right_before_the_chat_is_opened_once(
    secured: tuple[BotHarness, LocalIssuer],
    graph: FakeEntraGraph,  # noqa: F811
    directory: GraphDirectory,  # noqa: F811
) -> None:
    h, _ = secured
    await _ready(h, graph)
    hook = install_hook(directory, CATALOG_APP)
    assert await _send(h, "item:7:arrived", "Ärende 7 har kommit") is Outcome.QUEUED
    assert graph.install_requests == []  # queuing asks Graph nothing

    graph.hold = asyncio.Event()  # Graph answers only when told: the open must wait for it
    delivering = asyncio.create_task(deliver(h, install=hook))
    try:
        await asyncio.wait_for(graph.asked.wait(), 10)
        await asyncio.sleep(0.2)
        assert _opens(h) == 0  # the installation is asked for before the chat is opened
    finally:
        graph.hold.set()
    await delivering
    assert graph.installed == {EVA.aad_object_id: {CATALOG_APP}} and _opens(h) == 1
    [posted] = [p for p in h.connector.posted if p.text == "Ärende 7 har kommit"]

    # The opened chat is kept: the next message neither installs nor opens again.
    assert await _send(h, "item:8:arrived", "Ärende 8 har kommit") is Outcome.QUEUED
    await deliver(h, install=hook)
    [second] = [p for p in h.connector.posted if p.text == "Ärende 8 har kommit"]
    assert second.conversation_id == posted.conversation_id
    assert graph.install_requests == [EVA.aad_object_id] and _opens(h) == 1


async def test_a_pending_chat_of_another_tenant_gets_no_installation(
    secured: tuple[BotHarness, LocalIssuer],
    graph: FakeEntraGraph,  # noqa: F811
    directory: GraphDirectory,  # noqa: F811
) -> None:
    """Whatever queued it: the dispatcher asks our tenant's Graph only about our people."""
    h, _ = secured
    await _ready(h, graph)
    other = "9e1c2a3b-0000-4000-8000-00000000beef"
    async with h.db.session() as s:
        route = await personal_repo.tenant_route(s, TENANT)
        assert route is not None
        chat = await personal_repo.pending_chat(s, other, EVA.aad_object_id, route)
        assert chat.id is not None
        key = key_for(other, EVA.aad_object_id, DAY, "item:9:arrived")
        await personal_repo.enqueue_many(s, [(key, chat.id, _note("Ärende 9"))])
    await drain(h, install=install_hook(directory, CATALOG_APP))
    assert _opens(h) == 1  # the open is Teams' to refuse
    assert graph.install_requests == [] and graph.installed == {}


async def test_a_failed_installation_does_not_stop_the_open(
    secured: tuple[BotHarness, LocalIssuer],
    graph: FakeEntraGraph,  # noqa: F811
) -> None:
    h, _ = secured
    await _ready(h, graph)

    async def broken(user_ids: list[str]) -> set[str]:
        raise RuntimeError("Graph is down")

    assert await _send(h, "item:10:arrived", "Ärende 10 har kommit") is Outcome.QUEUED
    await deliver(h, install=broken)
    assert _opens(h) == 1
    assert [p.text for p in h.connector.posted if p.text == "Ärende 10 har kommit"]


async def test_a_refused_open_after_the_installation_marks_the_chat_dead(
    secured: tuple[BotHarness, LocalIssuer],
    graph: FakeEntraGraph,  # noqa: F811
    directory: GraphDirectory,  # noqa: F811
) -> None:
    h, _ = secured
    await _ready(h, graph)
    h.connector.forbid(EVA.aad_object_id, "UserNotFound")
    assert await _send(h, "action:3:due", "Åtgärd 3") is Outcome.QUEUED
    dead = await drain(h, install=install_hook(directory, CATALOG_APP))
    assert dead == [key_for(TENANT, EVA.aad_object_id, DAY, "action:3:due")]
    assert graph.installed == {EVA.aad_object_id: {CATALOG_APP}}
    async with h.db.session() as s:
        chats = await personal_repo.chats_of(s, EVA.aad_object_id)
    assert chats and not any(c.active for c in chats)
    assert await _send(h, "action:4:due", "Åtgärd 4") is Outcome.LEFT


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
async def test_a_slow_graph_installation_blocks_no_other_writer(
    secured: tuple[BotHarness, LocalIssuer],
    graph: FakeEntraGraph,  # noqa: F811
    directory: GraphDirectory,  # noqa: F811
) -> None:
    """The daily nudge for someone without a chat, with the install hook in the job's
    context as the server has it: the firing transaction commits without asking Graph;
    the dispatcher installs while no transaction is open, so on SQLite's one writer a
    command writing meanwhile is not kept waiting; once Graph answers, the nudge arrives."""
    h, _ = secured
    units = await _ready(h, graph)
    hook = install_hook(directory, CATALOG_APP)
    async with h.db.session() as s:
        s.add(
            ActionItem(
                unit_id=units[CLUSTER], text="Ring kommunen om hjälpmedel",
                owner_aad_id=EVA.aad_object_id, owner_name=EVA.name, due=date(2026, 10, 23),
            )
        )  # fmt: skip
        await nudges.ensure_schedule(s)
    graph.hold = asyncio.Event()
    thursday = datetime(2026, 10, 22, 8, 5, tzinfo=ZoneInfo("Europe/Stockholm")).astimezone(UTC)
    context = job_context(install_hook=hook, own_tenant=TENANT.lower())

    async def fire_nudges() -> bool:
        async with h.db.session() as s:
            schedule = (
                await s.execute(select(Schedule).where(col(Schedule.key) == nudges.KEY))
            ).scalar_one()
            return await fire(s, schedule, thursday, context)

    assert await asyncio.wait_for(fire_nudges(), 5)  # committed with Graph still held
    assert graph.install_requests == []

    delivering = asyncio.create_task(deliver(h, install=hook))
    try:
        await asyncio.wait_for(graph.asked.wait(), 10)

        async def another_writer() -> None:
            async with h.db.session() as s:
                unit = await s.get(Unit, units[CLUSTER])
                assert unit is not None
                unit.defaults = {**(unit.defaults or {}), "note": "written meanwhile"}

        await asyncio.wait_for(another_writer(), 3)
        assert not graph.hold.is_set()  # Graph had not answered yet
    finally:
        graph.hold.set()
    await delivering
    assert graph.installed == {EVA.aad_object_id: {CATALOG_APP}}
    async with h.db.session() as s:
        [chat] = await personal_repo.chats_of(s, EVA.aad_object_id)
    assert chat.active and not chat.conversation_id.startswith("pending:")
    nudged = h.connector.in_conversation(chat.conversation_id)
    assert any("Ring kommunen" in str(c) for p in nudged for c in p.cards)
