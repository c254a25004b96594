"""/healthz, /healthz/live and /metrics over HTTP: readiness notices a database that no
longer takes writes; /metrics answers while the database is away; both can sit behind
a bearer token (SAMVERKAN_OPS_TOKEN) and on a port of their own (SAMVERKAN_OPS_PORT).
SQLite and PostgreSQL."""

from __future__ import annotations

import socket
import sqlite3
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest
from aiohttp import ClientSession
from aiohttp.test_utils import TestServer
from sqlmodel import select

from bot.web import build_app, build_services
from delivery.dispatcher import build_dispatcher
from infra.settings import Settings
from storage.db import Database, is_sqlite, sqlite_path
from storage.health_models import Heartbeat
from tests.support.harness import local_settings

TOKEN = "ops-token-" + "k" * 20
Serve = Callable[..., Awaitable[str]]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
async def serve(tmp_path: Path) -> AsyncIterator[Serve]:
    """Start the real app on `db` (with the dispatcher's database gauges, as in
    production) and return its base URL."""
    servers: list[TestServer] = []

    async def start(db: Database, **overrides: Any) -> str:
        settings: Settings = local_settings(db.url, tmp_path, **overrides)
        services = build_services(settings, db)
        build_dispatcher(settings, db, services.metrics)  # registers its queue gauges
        server = TestServer(build_app(settings, db, services=services), host="127.0.0.1")
        await server.start_server()
        servers.append(server)
        return str(server.make_url("")).rstrip("/")

    yield start
    for server in servers:
        await server.close()


async def get(url: str, headers: dict[str, str] | None = None) -> tuple[int, Any]:
    async with ClientSession() as http, http.get(url, headers=headers or {}) as resp:
        if resp.content_type == "application/json":
            return resp.status, await resp.json()
        return resp.status, await resp.text()


def read_only(db_url: str) -> Database:
    """The same database through connections that may not write (a read-only file or
    role, as after `default_transaction_read_only` or a full disk)."""
    if is_sqlite(db_url):
        path = sqlite_path(db_url)
        return Database(f"sqlite+aiosqlite:///file:{path}?mode=ro&uri=true")
    return Database(
        db_url, connect_args={"server_settings": {"default_transaction_read_only": "on"}}
    )


async def test_healthz_is_ok_and_writes_its_heartbeat(db: Database, serve: Serve) -> None:
    url = await serve(db)
    status, body = await get(url + "/healthz")
    assert (status, body["status"], body["database"]) == (200, "ok", "ok")
    async with db.session() as s:
        assert len((await s.execute(select(Heartbeat))).scalars().all()) == 1
    assert await get(url + "/healthz/live") == (200, {"status": "ok"})


async def test_healthz_is_degraded_when_the_database_takes_no_writes(
    db: Database, serve: Serve
) -> None:
    ro = read_only(db.url)
    try:
        assert await ro.ping()  # reads still work: only a write probe can tell
        url = await serve(ro)
        status, body = await get(url + "/healthz")
        assert (status, body["status"], body["database"]) == (503, "degraded", "unwritable")
        assert await get(url + "/healthz/live") == (200, {"status": "ok"})
    finally:
        await ro.dispose()


async def test_metrics_answer_while_postgresql_is_down(serve: Serve) -> None:
    gone = Database(f"postgresql://samverkan:pw@127.0.0.1:{_free_port()}/samverkan")
    try:
        url = await serve(gone)
        status, text = await get(url + "/metrics")
        assert status == 200
        assert "samverkan_database_up 0" in text
        assert "samverkan_activities_total" in text or "samverkan_outbox_sent_total" in text
        status, body = await get(url + "/healthz")
        assert (status, body["database"]) == (503, "unreachable")
    finally:
        await gone.dispose()


async def test_metrics_leave_out_a_gauge_that_cannot_be_read(tmp_path: Path, serve: Serve) -> None:
    """The database answers, but the outbox table is not there (not migrated)."""
    path = tmp_path / "empty.db"
    sqlite3.connect(path).close()
    empty = Database(f"sqlite+aiosqlite:///{path}")
    try:
        url = await serve(empty)
        status, text = await get(url + "/metrics")
        assert status == 200
        assert "samverkan_database_up 1" in text and "samverkan_gauge_errors 1" in text
        assert "samverkan_outbox_queue_depth" not in text
    finally:
        await empty.dispose()


async def test_metrics_show_the_queue_when_all_is_well(db: Database, serve: Serve) -> None:
    url = await serve(db)
    status, text = await get(url + "/metrics")
    assert status == 200
    assert "samverkan_database_up 1" in text and "samverkan_gauge_errors 0" in text
    assert "samverkan_outbox_queue_depth 0" in text


@pytest.mark.parametrize("path", ["/healthz", "/metrics"])
async def test_with_an_ops_token_they_refuse_without_it(
    db: Database, serve: Serve, path: str
) -> None:
    url = await serve(db, ops_token=TOKEN)
    assert (await get(url + path))[0] == 401
    assert (await get(url + path, {"Authorization": "Bearer wrong-" + TOKEN}))[0] == 401
    assert (await get(url + path, {"Authorization": TOKEN}))[0] == 401
    assert (await get(url + path, {"Authorization": f"Bearer {TOKEN}"}))[0] == 200
    assert (await get(url + "/healthz/live"))[0] == 200  # says nothing: needs no token


@pytest.mark.parametrize("path", ["/healthz", "/metrics"])
async def test_with_an_ops_port_they_are_not_on_the_public_port(
    db: Database, serve: Serve, path: str
) -> None:
    port = _free_port()
    url = await serve(db, ops_port=port, ops_token=TOKEN)
    assert (await get(url + path))[0] == 404
    ops = f"http://127.0.0.1:{port}"
    assert (await get(ops + path))[0] == 401
    assert (await get(ops + path, {"Authorization": f"Bearer {TOKEN}"}))[0] == 200
