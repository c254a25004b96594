"""The bot installs itself for managers it cannot reach, through a local fake of Entra ID
and Microsoft Graph over HTTPS (msal client credentials, real HTTP)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from aiohttp.test_utils import TestServer

from clients.graph import GraphDirectory
from services import digest as composer
from services.app_install import InstallStatus, hook_for, install_app_for_user, install_hook
from storage.db import Database
from tests.fakes.graph import FakeEntraGraph
from tests.indicators.test_delivery import MAJA, OLLE, SARA, outbox, personal_chat
from tests.support.harness import APP_ID
from tests.support.indicators import seed_county, seed_values
from tests.support.jobs import job_context
from tests.teams import TENANT

SECRET = "graph-client-secret"
CATALOG_APP = "5f1d7a0e-aaaa-4bbb-8ccc-000000000042"  # the app's id in the tenant's catalog


@pytest.fixture
async def graph(tmp_path: Path) -> AsyncIterator[FakeEntraGraph]:
    fake = FakeEntraGraph(tmp_path, client_id=APP_ID, client_secret=SECRET)
    fake.catalog.add(CATALOG_APP)
    fake.users.update({MAJA, SARA})
    server = TestServer(fake.app, host="127.0.0.1")
    await server.start_server(ssl=fake.ssl)
    fake.base = f"https://127.0.0.1:{server.port}"
    yield fake
    await server.close()


@pytest.fixture
def directory(graph: FakeEntraGraph) -> GraphDirectory:
    return GraphDirectory(
        client_id=APP_ID,
        client_secret=SECRET,
        tenant_id=TENANT,
        authority_host=graph.base,
        graph_url=graph.base,
        verify=str(graph.ca_file),
    )


async def test_install_app_for_user_statuses(
    graph: FakeEntraGraph, directory: GraphDirectory
) -> None:
    assert await install_app_for_user(directory, MAJA, CATALOG_APP) is InstallStatus.INSTALLED
    assert graph.installed == {MAJA: {CATALOG_APP}}
    assert await install_app_for_user(directory, MAJA, CATALOG_APP) is InstallStatus.ALREADY
    unknown = "0b3c9a4e-1111-4222-8333-00000000dead"
    assert await install_app_for_user(directory, unknown, CATALOG_APP) is InstallStatus.NOT_FOUND
    assert await install_app_for_user(directory, SARA, "not-in-catalog") is InstallStatus.NOT_FOUND
    graph.grant_install = False  # the tenant does not grant the permission
    assert await install_app_for_user(directory, SARA, CATALOG_APP) is InstallStatus.FORBIDDEN
    assert SARA not in graph.installed
    assert graph.token_requests == 1  # msal's cache serves the later calls


async def test_wrong_credentials_install_nothing(graph: FakeEntraGraph) -> None:
    bad = GraphDirectory(
        client_id=APP_ID,
        client_secret="wrong",
        tenant_id=TENANT,
        authority_host=graph.base,
        graph_url=graph.base,
        verify=str(graph.ca_file),
    )
    assert await install_app_for_user(bad, MAJA, CATALOG_APP) is InstallStatus.FORBIDDEN
    assert graph.installed == {}


async def test_digest_job_installs_for_unreachable_managers_and_reports_the_rest(
    db: Database, graph: FakeEntraGraph, directory: GraphDirectory
) -> None:
    # Maja (object id) and Olle (UPN only, no object id known) manage Krokom; neither
    # has a personal chat with the bot. Sara coordinates and has one.
    units, ids = await seed_county(
        db,
        [("Krokom", MAJA, "manager"), ("Krokom", OLLE, "manager"), ("Krokom", SARA, "coordinator")],
    )
    await seed_values(db, units, ids)
    sara_chat = await personal_chat(db, SARA)
    context = job_context(install_hook=install_hook(directory, CATALOG_APP))
    async with db.session() as s:
        result = await composer.deliver_unit(s, units["Krokom"], datetime.now(UTC), context)
    assert graph.installed == {MAJA: {CATALOG_APP}}
    assert result.installed == [MAJA] and result.unreachable == [OLLE]
    rows = await outbox(db)
    assert [r.conversation_pk for r in rows] == [sara_chat]
    report = rows[0].payload["text"]
    assert OLLE in report and MAJA not in report


async def test_without_the_permission_everyone_unreachable_is_reported(
    db: Database, graph: FakeEntraGraph, directory: GraphDirectory
) -> None:
    units, ids = await seed_county(
        db, [("Krokom", MAJA, "manager"), ("Krokom", SARA, "coordinator")]
    )
    await seed_values(db, units, ids)
    await personal_chat(db, SARA)
    graph.grant_install = False
    context = job_context(install_hook=install_hook(directory, CATALOG_APP))
    async with db.session() as s:
        result = await composer.deliver_unit(s, units["Krokom"], datetime.now(UTC), context)
    assert result.installed == [] and result.unreachable == [MAJA]
    assert MAJA in (await outbox(db))[0].payload["text"]


async def test_the_hook_needs_the_catalog_id(directory: GraphDirectory, tmp_path: Path) -> None:
    from tests.support.harness import local_settings

    settings = local_settings("sqlite+aiosqlite://", tmp_path)
    assert hook_for(settings, directory) is None
    settings = local_settings("sqlite+aiosqlite://", tmp_path, teams_app_id=CATALOG_APP)
    assert hook_for(settings, directory) is not None
