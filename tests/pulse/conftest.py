"""A pulse harness with real roles (the common fixtures come from tests/conftest.py)."""

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from aiohttp import ClientSession
from aiohttp.test_utils import TestServer

from bot.web import SERVICES_KEY, build_app
from storage.db import Database
from tests.fakes.connector import FakeConnector
from tests.pulse.test_pulse_http import COORDINATOR
from tests.support.harness import BotHarness, local_settings
from tests.teams import ActivityFactory, TeamsUser

STAFF = TeamsUser(name="Anna", upn="anna@example.se")


ADMIN = "00000000-0000-4000-8000-0000000000ad"  # nobody here: roles come from the org


@pytest.fixture
async def roles(
    db: Database,
    connector: tuple[FakeConnector, str],
    tmp_path: Path,
) -> AsyncIterator[BotHarness]:
    """Local mode with roles: only the coordinator of Östersund coordinates it."""
    fake, connector_url = connector
    app = build_app(local_settings(db.url, tmp_path, local_admins=[ADMIN]), db)
    server = TestServer(app, host="127.0.0.1")
    await server.start_server()
    for person in (COORDINATOR, STAFF):  # on the roster: their UPNs give their roles
        fake.add_member(
            person.channel_id, aad_object_id=person.aad_object_id, name=person.name, upn=person.upn
        )
    async with ClientSession() as http:
        yield BotHarness(
            str(server.make_url("")).rstrip("/"),
            http,
            fake,
            ActivityFactory(connector_url),
            db,
            settings=app[SERVICES_KEY].settings,
            services=app[SERVICES_KEY],
        )
    await server.close()
