"""Anonymous local mode (no client id, no token check) is for one computer only: it
refuses to start when credentials are half configured, answers only loopback clients,
and talks only to a loopback Bot Connector (Agents Playground, the fake connector)."""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from aiohttp import ClientSession
from aiohttp.test_utils import TestServer
from typer.testing import CliRunner

from bot.web import build_app
from cli.main import app as cli
from infra.settings import ConfigError
from storage.db import Database
from tests.fakes.connector import FakeConnector
from tests.support.harness import BotHarness, local_settings, snapshot, user
from tests.teams import ActivityFactory, new_channel

SDK = "CONNECTIONS__SERVICE_CONNECTION__SETTINGS__"


def outward_address() -> str:
    """This machine's address on its network interface (not loopback)."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        probe.connect(("192.0.2.1", 9))  # UDP: sends nothing, only picks the interface
        address = str(probe.getsockname()[0])
    assert not ipaddress.ip_address(address).is_loopback, "needs a non-loopback interface"
    return address


@pytest.mark.parametrize("setting", ["client_secret", "tenant_id"])
def test_credentials_without_a_client_id_refuse_to_start(tmp_path: Path, setting: str) -> None:
    """A deployment whose CLIENTID is missing or misspelt must not serve anonymously."""
    settings = local_settings("sqlite:///x.db", tmp_path, **{setting: "something"})
    assert settings.anonymous
    with pytest.raises(ConfigError) as refused:
        settings.check_serving()
    assert "CLIENTID" in str(refused.value) and "something" not in str(refused.value)


def test_a_postgresql_database_alone_is_still_local_mode(tmp_path: Path) -> None:
    settings = local_settings("postgresql://u:p@127.0.0.1/samverkan", tmp_path)
    settings.check_serving()  # no exception


def test_serve_refuses_a_secret_without_a_client_id(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv(SDK + "CLIENTSECRET", "a-secret-value")
    monkeypatch.delenv(SDK + "CLIENTID", raising=False)
    result = CliRunner().invoke(cli, ["serve"])
    assert result.exit_code == 2
    assert "Refusing to start" in result.output and "a-secret-value" not in result.output


@pytest.fixture
async def everywhere(
    db: Database, connector: tuple[FakeConnector, str], tmp_path: Path
) -> AsyncIterator[tuple[BotHarness, str]]:
    """Local mode listening on every interface (as a mistaken proxy set-up would expose
    it): the bot, and its URL on this machine's network address."""
    fake, connector_url = connector
    server = TestServer(build_app(local_settings(db.url, tmp_path), db), host="0.0.0.0")
    await server.start_server()
    async with ClientSession() as http:
        harness = BotHarness(
            f"http://127.0.0.1:{server.port}", http, fake, ActivityFactory(connector_url), db
        )
        yield harness, f"http://{outward_address()}:{server.port}"
    await server.close()


async def test_local_mode_answers_only_this_computer(everywhere: tuple[BotHarness, str]) -> None:
    harness, outward_url = everywhere
    channel = new_channel()
    act = harness.teams.channel_message(channel, user(), "hjälp")
    before = await snapshot(harness.db)
    async with harness.http.post(outward_url + "/api/messages", json=act) as resp:
        assert resp.status == 403
    assert await snapshot(harness.db) == before
    assert harness.connector.requests == []

    assert await harness.say(act) in (200, 202)  # the same request from 127.0.0.1
    await harness.connector.wait_for(lambda p: p.conversation_id.startswith(channel.channel_id))


@pytest.fixture
async def remote_connector() -> AsyncIterator[tuple[FakeConnector, str]]:
    """A Bot Connector elsewhere on the network (here: on this machine's own address)."""
    fake = FakeConnector()
    server = TestServer(fake.app, host="0.0.0.0")
    await server.start_server()
    yield fake, f"http://{outward_address()}:{server.port}/"
    await server.close()


async def test_local_mode_talks_only_to_a_loopback_connector(
    harness: BotHarness, remote_connector: tuple[FakeConnector, str]
) -> None:
    remote, remote_url = remote_connector
    act = harness.teams.channel_message(new_channel(), user(), "hjälp")
    act["serviceUrl"] = remote_url
    before = await snapshot(harness.db)
    status, _ = await harness.post(act)
    assert status == 403
    assert await snapshot(harness.db) == before
    assert remote.requests == [] and harness.connector.requests == []


async def test_agents_playground_style_localhost_service_url_works(harness: BotHarness) -> None:
    """Agents Playground sends `http://localhost:<port>/_connector`-style URLs."""
    port = harness.teams.service_url.rsplit(":", 1)[1].strip("/")
    teams = ActivityFactory(f"http://localhost:{port}/")
    channel = new_channel()
    assert await harness.say(teams.channel_message(channel, user(), "hjälp")) in (200, 202)
    await harness.connector.wait_for(lambda p: p.conversation_id.startswith(channel.channel_id))
