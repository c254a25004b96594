"""`samverkan outbox` on both backends, and the dispatcher inside the served app (/metrics)."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from aiohttp import ClientSession
from aiohttp.test_utils import TestServer
from typer.testing import CliRunner

from bot.web import SERVICES_KEY
from cli.main import app
from runtime.process import create_app
from storage import outbox_repo
from storage.db import Database
from tests.delivery.conftest import add_channel, local_settings, rows, settled, text
from tests.fakes.connector import FakeConnector


@pytest.fixture
def cli_env(db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv("DATABASE_URL", db_url)
    monkeypatch.delenv("CONNECTIONS__SERVICE_CONNECTION__SETTINGS__CLIENTID", raising=False)
    monkeypatch.chdir(tmp_path)  # no stray .env
    return db_url


def invoke(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(app, ["outbox", *args])
    return result.exit_code, result.output


async def queue_with_one_of_each(url: str) -> None:
    db = Database(url)
    try:
        _, conv_pk, _ = await add_channel(db, "http://127.0.0.1:1/", "Sundsvall")
        async with db.session() as s:
            for key in ("sent-one", "waiting", "broken"):
                await outbox_repo.enqueue(s, key, conv_pk, text(key))
        ids = {r.idempotency_key: r.id or 0 for r in await rows(db)}
        async with db.session() as s:
            await outbox_repo.mark_sent(s, ids["sent-one"], "act-1")
            await outbox_repo.mark_dead(s, ids["broken"], "HTTP 413: the activity is too large")
    finally:
        await db.dispose()


async def statuses(url: str) -> dict[str, str]:
    db = Database(url)
    try:
        return {r.idempotency_key: r.status for r in await rows(db)}
    finally:
        await db.dispose()


def test_outbox_shows_counts_and_dead_rows_and_retry_requeues_them(cli_env: str) -> None:
    asyncio.run(queue_with_one_of_each(cli_env))
    code, out = invoke()
    assert code == 0, out
    assert "pending: 1" in out and "sent: 1" in out and "dead: 1" in out and "retrying: 0" in out
    assert "broken" in out and "HTTP 413: the activity is too large" in out
    assert "Sundsvall samverkan" in out

    code, out = invoke("retry")
    assert code == 2
    code, out = invoke("retry", "--all-dead")
    assert code == 0 and "Re-queued 1 row." in out
    assert asyncio.run(statuses(cli_env)) == {
        "sent-one": "sent",
        "waiting": "pending",
        "broken": "pending",
    }
    code, out = invoke("retry", "12345")
    assert code == 1 and "Re-queued 0 rows." in out


async def test_the_served_app_runs_the_dispatcher_and_exports_its_metrics(
    db: Database, tmp_path: Path
) -> None:
    fake = FakeConnector()
    connector = TestServer(fake.app, host="127.0.0.1")
    await connector.start_server()
    settings = local_settings(db, tmp_path)
    web_app = create_app(settings)
    server = TestServer(web_app, host="127.0.0.1")
    await server.start_server()
    try:
        _, conv_pk, cid = await add_channel(db, str(connector.make_url("/")), "Härnösand")
        async with db.session() as s:
            await outbox_repo.enqueue(s, "hello", conv_pk, text("Hej från Samverkan"))
        dispatcher = web_app[SERVICES_KEY].dispatcher
        assert dispatcher is not None
        dispatcher.notify()
        [row] = await settled(db, within=15)  # the leader is elected first
        assert row.status == "sent"
        assert [p.text for p in fake.in_conversation(cid)] == ["Hej från Samverkan"]
        async with ClientSession() as http, http.get(server.make_url("/metrics")) as resp:
            body = await resp.text()
        assert "samverkan_outbox_sent_total 1" in body
        assert "samverkan_outbox_queue_depth 0" in body
        assert "samverkan_outbox_oldest_due_age_seconds 0" in body
        assert "samverkan_outbox_throttled_total 0" in body
        # Every metric family says what it counts.
        families = {line.split()[2] for line in body.splitlines() if line.startswith("# TYPE")}
        described = {line.split()[2] for line in body.splitlines() if line.startswith("# HELP")}
        assert "samverkan_schedules_loaded" in families
        assert families <= described, families - described
    finally:
        await server.close()
        await connector.close()
