"""Roles from Entra ID groups, read through a local fake of Entra ID and Graph over HTTPS."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from aiohttp.test_utils import TestServer
from sqlalchemy import select

from clients.graph import GraphDirectory
from core.org import OrgSpec, dump_org, parse_org
from storage.db import Database
from storage.models import ChannelBinding
from storage.org_repo import sync_org
from tests.fakes.connector import FakeConnector
from tests.fakes.graph import FakeEntraGraph
from tests.support.harness import (  # noqa: F401
    APP_ID,
    BotHarness,
    connector,
    secured_harness,
)
from tests.teams import TENANT, TeamsUser, new_channel

SECRET = "graph-client-secret"
GROUP = "0a1b2c3d-0000-4000-8000-00000000cafe"
MEMBER = TeamsUser(name="Greta Grupp", upn="greta.grupp@example.se")
OUTSIDER = TeamsUser(name="Olle Utanför", upn="olle@example.se")


def org(groups: Any) -> dict[str, Any]:
    return {
        "county": "Region Test",
        "levels": {"macro": "Samverkansråd", "cluster": "Närvårdsområde"},
        "units": [
            {
                "name": "Rådet",
                "level": "macro",
                "children": [{"name": "Östersund", "level": "cluster", "groups": groups}],
            }
        ],
    }


def test_org_file_accepts_groups_and_checks_their_ids() -> None:
    spec = parse_org(org({"coordinator": [GROUP.upper()]}))
    assert isinstance(spec, OrgSpec)
    unit = next(u for u in spec.units if u.name == "Östersund")
    assert ("coordinator", f"group:{GROUP}") in unit.roles
    dumped = dump_org(spec, nested=False)
    assert any(u.get("groups") == {"coordinator": [GROUP]} for u in dumped["units"])
    bad = parse_org(org({"coordinator": ["not-a-guid"], "boss": [GROUP]}))
    assert isinstance(bad, list)
    text = " ".join(str(p) for p in bad)
    assert "malformed group 'not-a-guid'" in text and "bad role 'boss'" in text


@pytest.fixture
async def graph(tmp_path: Path) -> AsyncIterator[FakeEntraGraph]:
    fake = FakeEntraGraph(tmp_path, client_id=APP_ID, client_secret=SECRET, page_size=2)
    fake.add_group(
        GROUP,
        [
            ("11111111-0000-4000-8000-000000000001", "a@example.se"),
            ("11111111-0000-4000-8000-000000000002", "b@example.se"),
            (MEMBER.aad_object_id, MEMBER.upn),  # on the second page
        ],
    )
    server = TestServer(fake.app, host="127.0.0.1")
    await server.start_server(ssl=fake.ssl)
    fake.base = f"https://127.0.0.1:{server.port}"
    yield fake
    await server.close()


@pytest.fixture
async def bot(
    db: Database,
    connector: tuple[FakeConnector, str],  # noqa: F811
    tmp_path: Path,
    graph: FakeEntraGraph,
) -> AsyncIterator[tuple[BotHarness, GraphDirectory]]:
    directory = GraphDirectory(
        client_id=APP_ID,
        client_secret=SECRET,
        tenant_id=TENANT,
        authority_host=graph.base,
        graph_url=graph.base,
        ttl=600,
        verify=str(graph.ca_file),
    )
    async with secured_harness(db, connector, tmp_path, graph=directory) as (harness, _):
        spec = parse_org(org({"coordinator": [GROUP]}))
        assert isinstance(spec, OrgSpec)
        async with db.session() as s:
            plan = await sync_org(s, spec, actor="test")
            assert not plan.problems
        yield harness, directory


async def _bindings(db: Database) -> int:
    async with db.session() as s:
        return len((await s.execute(select(ChannelBinding))).scalars().all())


async def test_group_member_may_setup_and_graph_is_asked_once_per_ttl(
    bot: tuple[BotHarness, GraphDirectory], graph: FakeEntraGraph
) -> None:
    harness, _ = bot
    for person in (MEMBER, OUTSIDER):
        harness.connector.add_member(
            person.channel_id, aad_object_id=person.aad_object_id, name=person.name, upn=person.upn
        )
    # Not in the group: refused, nothing bound.
    await harness.say(harness.teams.channel_message(new_channel(), OUTSIDER, "setup Östersund"))
    await harness.connector.wait_for(lambda p: "samordnare" in p.text)
    assert await _bindings(harness.db) == 0
    assert graph.token_requests == 1
    assert graph.member_requests == 2  # two pages

    # In the group (found on the second page): allowed, and the cache answers.
    await harness.say(harness.teams.channel_message(new_channel(), MEMBER, "setup Östersund"))
    await harness.connector.wait_for(lambda p: "Klart" in p.text)
    assert await _bindings(harness.db) == 1
    assert graph.member_requests == 2
    assert graph.token_requests == 1


async def test_membership_is_read_again_after_the_ttl(graph: FakeEntraGraph) -> None:
    now = [0.0]
    directory = GraphDirectory(
        client_id=APP_ID,
        client_secret=SECRET,
        tenant_id=TENANT,
        authority_host=graph.base,
        graph_url=graph.base,
        ttl=60,
        verify=str(graph.ca_file),
        clock=lambda: now[0],
    )
    assert await directory.is_member(GROUP, [MEMBER.upn.upper()])
    assert not await directory.is_member(GROUP, [OUTSIDER.aad_object_id])
    assert graph.member_requests == 2
    now[0] = 59.0
    await directory.is_member(GROUP, [MEMBER.upn])
    assert graph.member_requests == 2
    graph.add_group(GROUP, [(OUTSIDER.aad_object_id, OUTSIDER.upn)])  # membership changed
    now[0] = 61.0
    assert await directory.is_member(GROUP, [OUTSIDER.upn])
    assert not await directory.is_member(GROUP, [MEMBER.upn])
    assert graph.member_requests == 3
    assert graph.token_requests == 1  # msal's own cache keeps the token


async def test_graph_failures_grant_nothing(graph: FakeEntraGraph) -> None:
    directory = GraphDirectory(
        client_id=APP_ID,
        client_secret="wrong-secret",
        tenant_id=TENANT,
        authority_host=graph.base,
        graph_url=graph.base,
        verify=str(graph.ca_file),
    )
    assert not await directory.is_member(GROUP, [MEMBER.upn])
    assert graph.member_requests == 0
