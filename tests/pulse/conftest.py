"""A pulse harness with real roles (the common fixtures come from tests/conftest.py)."""

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.web import build_app
from storage.db import Database
from tests.fakes.connector import FakeConnector
from tests.pulse.test_pulse_http import COORDINATOR
from tests.support.harness import BotHarness, local_settings, serve_local
from tests.teams import TeamsUser

STAFF = TeamsUser(name="Anna", upn="anna@example.se")


ADMIN = "00000000-0000-4000-8000-0000000000ad"  # nobody here: roles come from the org


@pytest.fixture
async def roles(
    db: Database,
    connector: tuple[FakeConnector, str],
    tmp_path: Path,
) -> AsyncIterator[BotHarness]:
    """Local mode with roles: only the coordinator of Östersund coordinates it."""
    fake, _ = connector
    for person in (COORDINATOR, STAFF):  # on the roster: their UPNs give their roles
        fake.add_member(
            person.channel_id, aad_object_id=person.aad_object_id, name=person.name, upn=person.upn
        )
    app = build_app(local_settings(db.url, tmp_path, local_admins=[ADMIN]), db)
    async with serve_local(app, db, connector) as h:
        yield h
