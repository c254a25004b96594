"""The fake Graph calendar (tests/fakes/graph_calendar.py) over HTTPS, and the Graph
directory the bot reaches it through."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from aiohttp.test_utils import TestServer

from clients.graph import GraphDirectory
from tests.fakes.graph_calendar import FakeGraphCalendar

APP_ID, SECRET, TENANT = "app-id", "app-secret", "tenant"


@pytest.fixture
async def graph(tmp_path: Path) -> AsyncIterator[FakeGraphCalendar]:
    fake = FakeGraphCalendar(tmp_path, client_id=APP_ID, client_secret=SECRET)
    server = TestServer(fake.app, host="127.0.0.1")
    await server.start_server(ssl=fake.ssl)
    fake.base = f"https://127.0.0.1:{server.port}"
    yield fake
    await server.close()


def calendar_directory(fake: FakeGraphCalendar) -> GraphDirectory:
    """The bot's Graph directory, pointed at the fake and trusting its certificate."""
    return GraphDirectory(client_id=APP_ID, client_secret=SECRET, tenant_id=TENANT,
                          authority_host=fake.base, graph_url=fake.base,
                          verify=str(fake.ca_file))  # fmt: skip
