"""The dispatcher posts (with the bot's outgoing token) only to allowed Bot Connector
hosts. A stored reference naming anything else, e.g. one written before the inbound
serviceUrl checks existed (issue 12), is dead-lettered: no token fetched, no request."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from aiohttp.test_utils import TestServer

from delivery.dispatcher import build_dispatcher
from infra.metrics import Metrics
from infra.settings import Settings
from runtime.process import roster_reader
from storage.db import Database
from tests.delivery.conftest import (
    add_channel,
    enqueue,
    local_settings,
    reference,
    settled,
    text,
)
from tests.fakes.connector import FakeConnector
from tests.fakes.tokens import TokenLog
from tests.support.harness import APP_ID, connector_host
from tests.teams import TENANT

ANNA_OID = "00000000-0000-4000-8000-00000000a001"


@pytest.fixture
async def elsewhere() -> AsyncIterator[tuple[FakeConnector, str]]:
    fake = FakeConnector()
    server = TestServer(fake.app, host="127.0.0.1")
    await server.start_server()
    yield fake, str(server.make_url("/"))
    await server.close()


def _with_credentials(db: Database, tmp_path: Path, connector_url: str) -> Settings:
    """The bot with app credentials; the fake connector is the one allowed host."""
    return local_settings(
        db,
        tmp_path,
        client_id=APP_ID,
        client_secret="not-used-by-the-fake",
        tenant_id=TENANT,
        service_url_hosts=[connector_host(connector_url)],
    )


async def test_a_reference_to_a_host_off_the_list_is_never_posted_to(
    db: Database,
    tmp_path: Path,
    connector: tuple[FakeConnector, str],
    elsewhere: tuple[FakeConnector, str],
) -> None:
    fake, url = connector
    theirs, their_url = elsewhere
    _, good_pk, good_cid = await add_channel(db, url, "Krokom")
    _, bad_pk, _ = await add_channel(db, their_url, "Berg")
    await enqueue(db, bad_pk, "reminder:berg", text("till Berg"))
    await enqueue(db, good_pk, "reminder:krokom", text("till Krokom"))
    settings = _with_credentials(db, tmp_path, url)
    tokens = TokenLog()
    dispatcher = build_dispatcher(
        settings, db, Metrics(), provider_factory=tokens.factory, poll_seconds=0.1
    )
    await dispatcher.start()
    try:
        found = {r.idempotency_key: r for r in await settled(db)}
    finally:
        await dispatcher.stop(grace=1.0)
    assert found["reminder:krokom"].status == "sent"
    assert found["reminder:berg"].status == "dead"
    assert "not an allowed Bot Connector host" in (found["reminder:berg"].last_error or "")
    assert theirs.requests == [] and theirs.auth_headers == []
    assert [p.text for p in fake.in_conversation(good_cid)] == ["till Krokom"]
    assert tokens.calls >= 1  # the allowed post did fetch one


async def test_local_mode_posts_only_to_loopback(db: Database, tmp_path: Path) -> None:
    _, pk, _ = await add_channel(db, "https://smba.trafficmanager.net/emea/", "Åre")
    await enqueue(db, pk, "reminder:are", text("till Åre"))
    dispatcher = build_dispatcher(local_settings(db, tmp_path), db, Metrics(), poll_seconds=0.1)
    await dispatcher.start()
    try:
        [row] = await settled(db)
    finally:
        await dispatcher.stop(grace=1.0)
    assert row.status == "dead" and "loopback" in (row.last_error or "")


async def test_the_roster_is_read_only_from_an_allowed_host_with_the_bots_token(
    tmp_path: Path,
    db: Database,
    connector: tuple[FakeConnector, str],
    elsewhere: tuple[FakeConnector, str],
) -> None:
    """A scheduled pulse reads its channel's roster outside any turn (clients/teams_roster.py)
    with the bot's own token: from an allowed host only, never from a stored reference
    that names another one."""
    fake, url = connector
    theirs, their_url = elsewhere
    for where in (fake, theirs):
        where.add_member("29:anna", aad_object_id=ANNA_OID, name="Anna", upn="anna@example.se")
    settings = _with_credentials(db, tmp_path, url)
    tokens = TokenLog()
    roster = roster_reader(settings, provider_factory=tokens.factory)
    cid = "19:krokom@thread.tacv2"
    good = await roster(reference(url, cid))
    assert good is not None and [e.user_id for e in good] == ["29:anna"]
    assert fake.auth_headers and all(h and h.startswith("Bearer ") for h in fake.auth_headers)

    assert await roster(reference(their_url, cid)) is None
    assert theirs.requests == [] and theirs.auth_headers == []
