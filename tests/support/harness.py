"""The real aiohttp app over HTTP, talking to the fake Bot Connector."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from aiohttp import ClientSession, web
from aiohttp.test_utils import TestServer
from sqlalchemy import select
from sqlmodel import SQLModel
from yarl import URL

from bot.turn import Services
from bot.web import SERVICES_KEY, build_app, build_services
from clients.graph import GraphDirectory
from infra.settings import Settings
from storage.db import Database
from storage.models import RoleAssignment, Unit
from tests.fakes.connector import FakeConnector
from tests.fakes.issuer import LocalIssuer, install_jwks_hook, remove_jwks_hook
from tests.fakes.tokens import TokenLog
from tests.teams import TENANT, ActivityFactory, TeamsUser

APP_ID = "6f1c2a3b-1111-4222-8333-444455556666"


@dataclass
class BotHarness:
    url: str
    http: ClientSession
    connector: FakeConnector
    teams: ActivityFactory
    db: Database
    settings: Settings | None = None
    token: str | None = None
    tokens: TokenLog | None = None  # outgoing tokens fetched (secured harness only)
    services: Services | None = None  # the app's own (its answer writer, settings)

    async def say(self, activity: dict[str, Any]) -> int:
        """Post as Teams would: with a valid Bot Framework token when the bot has credentials."""
        headers = {"Authorization": f"Bearer {self.token}"} if self.token else {}
        status, _ = await self.post(activity, headers)
        return status

    async def post(
        self, activity: dict[str, Any], headers: dict[str, str] | None = None
    ) -> tuple[int, Any]:
        async with self.http.post(
            self.url + "/api/messages", json=activity, headers=headers or {}
        ) as resp:
            text = await resp.text()
            try:
                body = await resp.json(content_type=None) if text else None
            except ValueError:
                body = text
            return resp.status, body


@pytest.fixture
async def connector() -> AsyncIterator[tuple[FakeConnector, str]]:
    fake = FakeConnector()
    server = TestServer(fake.app, host="127.0.0.1")
    await server.start_server()
    yield fake, str(server.make_url("/"))
    await server.close()


def local_settings(db_url: str, tmp_path: Path, **overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "client_id": None,
        "database_url": db_url,
        "data_dir": tmp_path,
        "admins": [],
        "allowed_tenants": [],
        # Scripted people send commands far faster than anyone types; the per-person
        # limit itself is tested with real values in tests/security/test_ratelimit_http.py.
        "command_burst": 10000,
    }
    values.update(overrides)
    return Settings(_env_file=None, **values)


@pytest.fixture
async def harness(
    db: Database, connector: tuple[FakeConnector, str], tmp_path: Path
) -> AsyncIterator[BotHarness]:
    async with serve_local(build_app(local_settings(db.url, tmp_path), db), db, connector) as h:
        yield h


@asynccontextmanager
async def serve_local(
    app: web.Application, db: Database, connector: tuple[FakeConnector, str]
) -> AsyncIterator[BotHarness]:
    """`app` (built in local mode) served on loopback, with a client for the fake connector."""
    fake, connector_url = connector
    server = TestServer(app, host="127.0.0.1")
    await server.start_server()
    try:
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
    finally:
        await server.close()


async def add_units(
    db: Database, tree: dict[str, str | None], roles: Sequence[tuple[str, str, str]] = ()
) -> dict[str, int]:
    """Insert units {name: parent name} (parents first) and (unit, person, role) rows."""
    ids: dict[str, int] = {}
    async with db.session() as s:
        for name, parent in tree.items():
            level = "macro" if parent is None else "cluster"
            unit = Unit(
                name=name, level=level, parent_id=ids[parent] if parent else None, defaults={}
            )
            s.add(unit)
            await s.flush()
            assert unit.id is not None
            ids[name] = unit.id
        for unit_name, person, role in roles:
            s.add(RoleAssignment(unit_id=ids[unit_name], person=person.lower(), role=role))
    return ids


def user(name: str = "Anna Berg", upn: str = "anna.berg@example.se") -> TeamsUser:
    return TeamsUser(name=name, upn=upn)


@asynccontextmanager
async def secured_harness(
    db: Database,
    connector: tuple[FakeConnector, str],
    tmp_path: Path,
    *,
    tenant: str = TENANT,
    graph: GraphDirectory | None = None,
    **overrides: Any,
) -> AsyncIterator[tuple[BotHarness, LocalIssuer]]:
    """The real app with credentials and JWT on, in `tenant`, its tokens from a local issuer;
    `graph` the Graph directory for Entra group roles; `overrides` are further settings
    (e.g. `allowed_tenants`)."""
    fake, connector_url = connector
    teams = ActivityFactory(connector_url, tenant=tenant)
    # Tokens name the fake connector as their serviceurl, as the Bot Connector's do.
    issuer = LocalIssuer(service_url=teams.service_url)
    issuer_server = TestServer(issuer.app, host="127.0.0.1")
    await issuer_server.start_server()
    install_jwks_hook(str(issuer_server.make_url("/keys")), tenant)
    settings = local_settings(
        db.url,
        tmp_path,
        client_id=APP_ID,
        client_secret="not-used-by-the-fake",
        tenant_id=tenant,
        secret="x" * 40,
        # The fake connector stands in for the Teams hosts: exactly its loopback port.
        service_url_hosts=[connector_host(connector_url)],
        **overrides,
    )
    tokens = TokenLog()
    services = build_services(settings, db)
    services.graph = graph
    app = build_app(settings, db, provider_factory=tokens.factory, services=services)
    server = TestServer(app, host="127.0.0.1")
    await server.start_server()
    try:
        async with ClientSession() as http:
            harness = BotHarness(
                str(server.make_url("")).rstrip("/"),
                http,
                fake,
                teams,
                db,
                settings=settings,
                token=issuer.token(APP_ID),
                tokens=tokens,
                services=app[SERVICES_KEY],
            )
            yield harness, issuer
    finally:
        await server.close()
        await issuer_server.close()
        remove_jwks_hook(tenant)


@pytest.fixture
async def secured(
    db: Database, connector: tuple[FakeConnector, str], tmp_path: Path
) -> AsyncIterator[tuple[BotHarness, LocalIssuer]]:
    async with secured_harness(db, connector, tmp_path) as pair:
        yield pair


def connector_host(url: str) -> str:
    """`host:port` of a loopback fake connector, for SAMVERKAN_SERVICE_URL_HOSTS."""
    parsed = URL(url)
    return f"{parsed.host}:{parsed.port}"


async def snapshot(db: Database) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table: compare two snapshots to show nothing was stored."""
    out: dict[str, list[tuple[Any, ...]]] = {}
    async with db.read() as s:
        for table in SQLModel.metadata.sorted_tables:
            rows = (await s.execute(select(table))).all()
            out[table.name] = sorted((tuple(r) for r in rows), key=repr)
    return out


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}
