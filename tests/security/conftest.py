"""A bot over HTTP in local mode with chosen settings (e.g. a tight command limit)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest
from aiohttp import ClientSession
from aiohttp.test_utils import TestServer

from bot.web import build_app
from storage.db import Database
from tests.fakes.connector import FakeConnector
from tests.support.harness import BotHarness, connector, local_settings  # noqa: F401
from tests.teams import ActivityFactory

MakeHarness = Callable[..., Awaitable[BotHarness]]


@pytest.fixture
async def make_harness(
    db: Database,
    connector: tuple[FakeConnector, str],  # noqa: F811
    tmp_path: Path,
) -> AsyncIterator[MakeHarness]:
    fake, connector_url = connector
    servers: list[TestServer] = []
    sessions: list[ClientSession] = []

    async def make(**overrides: Any) -> BotHarness:
        app = build_app(local_settings(db.url, tmp_path, **overrides), db)
        server = TestServer(app, host="127.0.0.1")
        await server.start_server()
        servers.append(server)
        http = ClientSession()
        sessions.append(http)
        return BotHarness(
            str(server.make_url("")).rstrip("/"), http, fake, ActivityFactory(connector_url), db
        )

    yield make
    for http in sessions:
        await http.close()
    for server in servers:
        await server.close()
