"""A manager of another organisation (a shared channel's other tenant) is never sent a
Graph call against our tenant; the coordinators hear that they are reached in the channel."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from clients.graph import GraphDirectory
from services import digest as composer
from services.app_install import install_hook
from storage.db import Database
from storage.models import Person
from tests.fakes.graph import FakeEntraGraph
from tests.indicators.test_delivery import MAJA, SARA, outbox, personal_chat
from tests.indicators.test_graph_install import CATALOG_APP, directory, graph  # noqa: F401
from tests.support.indicators import seed_county, seed_values
from tests.support.jobs import job_context
from tests.teams import TENANT

KOMMUN = "0c5e1a2b-3c4d-4e5f-8a6b-7c8d9e0f1a2b"
KIM = "0b3c9a4e-1111-4222-8333-0000000000c1"  # manager, of the municipality's tenant


async def test_a_manager_of_another_tenant_gets_no_graph_call_and_is_reported_once(
    db: Database,
    graph: FakeEntraGraph,  # noqa: F811
    directory: GraphDirectory,  # noqa: F811
) -> None:
    units, ids = await seed_county(
        db,
        [("Krokom", MAJA, "manager"), ("Krokom", KIM, "manager"), ("Krokom", SARA, "coordinator")],
    )
    await seed_values(db, units, ids)
    async with db.session() as s:  # seen in the shared channel: the roster named their tenant
        s.add(Person(tenant_id=KOMMUN, aad_object_id=KIM, display_name="Kim Kommun"))
    sara_chat = await personal_chat(db, SARA)
    graph.users.add(KIM)  # even if Graph would answer, it must not be asked
    context = job_context(
        install_hook=install_hook(directory, CATALOG_APP), own_tenant=TENANT.lower()
    )
    async with db.session() as s:
        result = await composer.deliver_unit(s, units["Krokom"], datetime.now(UTC), context)
    assert graph.installed == {MAJA: {CATALOG_APP}}  # Maja (ours) yes, Kim never
    assert result.elsewhere == ["Kim Kommun"] and result.unreachable == []
    texts = [r.payload["text"] for r in await outbox(db) if r.conversation_pk == sara_chat]
    assert len(texts) == 1 and "Kim Kommun" in texts[0] and "annan organisation" in texts[0]

    # Next month's digest: Sara is not told again.
    async with db.session() as s:
        later = datetime.now(UTC) + timedelta(days=31)
        again = await composer.deliver_unit(s, units["Krokom"], later, context)
    assert again.elsewhere == ["Kim Kommun"]
    texts = [r.payload["text"] for r in await outbox(db) if r.conversation_pk == sara_chat]
    assert sum("annan organisation" in text for text in texts) == 1
