"""`samverkan serve` as a real subprocess, stopped with SIGTERM while a turn is in flight:
it reports not ready at once (still alive), stops taking connections after the drain,
finishes the turn (the person gets their answer) and exits 0."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import aiohttp
import pytest

from tests.conftest import create_schema
from tests.fakes.connector import FakeConnector
from tests.teams import ActivityFactory, TeamsUser, new_channel

ROOT = Path(__file__).resolve().parents[2]
SAMVERKAN = Path(sys.executable).parent / "samverkan"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def serve_env(database_url: str, data_dir: Path, port: int, **extra: str) -> dict[str, str]:
    """The environment of a `samverkan serve` in anonymous local mode (nothing inherited
    that could name credentials)."""
    keep = {k: v for k, v in os.environ.items() if k in ("PATH", "HOME", "LANG", "TMPDIR")}
    return {
        **keep,
        "DATABASE_URL": database_url,
        "SAMVERKAN_DATA_DIR": str(data_dir),
        "SAMVERKAN_PORT": str(port),
        **extra,
    }


async def get(http: aiohttp.ClientSession, url: str) -> tuple[int, dict[str, object]]:
    async with http.get(url) as resp:
        return resp.status, await resp.json(content_type=None)


async def wait_up(http: aiohttp.ClientSession, url: str, proc: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        assert proc.poll() is None, "samverkan serve exited during start-up"
        try:
            if (await get(http, url + "/livez"))[0] == 200:
                return
        except aiohttp.ClientError:
            pass
        await asyncio.sleep(0.1)
    raise AssertionError("samverkan serve did not start within 30 s")


async def refused(http: aiohttp.ClientSession, url: str) -> bool:
    try:
        await get(http, url + "/livez")
    except aiohttp.ClientConnectionError:
        return True
    return False


async def test_sigterm_drains_then_finishes_the_turn_in_flight(
    connector: tuple[FakeConnector, str], tmp_path: Path
) -> None:
    fake, connector_url = connector
    fake.delay = 3.0  # the turn's reply takes 3 s: it is in flight when SIGTERM comes
    db_url = f"sqlite+aiosqlite:///{tmp_path / 'samverkan.db'}"
    await asyncio.to_thread(create_schema, db_url)
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    env = serve_env(
        db_url, tmp_path, port, SAMVERKAN_DRAIN_SECONDS="1.5", SAMVERKAN_LOG_FORMAT="json"
    )
    proc = await asyncio.to_thread(
        subprocess.Popen,
        [str(SAMVERKAN), "serve"],
        cwd=tmp_path,  # no .env of the repository
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=(tmp_path / "serve.log").open("w"),
    )
    try:
        async with aiohttp.ClientSession() as http:
            await wait_up(http, url, proc)
            assert (await get(http, url + "/readyz"))[0] == 200
            assert (await get(http, url + "/healthz"))[1]["draining"] is False

            teams = ActivityFactory(connector_url)
            act = teams.channel_message(new_channel(), TeamsUser("Anna Berg"), "hjälp")
            turn = asyncio.create_task(http.post(url + "/api/messages", json=act))
            await asyncio.sleep(0.5)  # the turn is waiting for the connector
            proc.send_signal(signal.SIGTERM)
            signalled = time.monotonic()
            await asyncio.sleep(0.2)

            # Draining: not ready (readiness and the old /healthz alike), still alive.
            status, body = await get(http, url + "/readyz")
            assert (status, body["status"]) == (503, "draining")
            assert (await get(http, url + "/healthz"))[0] == 503
            assert (await get(http, url + "/livez"))[0] == 200
            assert proc.poll() is None

            # After the drain the listener is closed while the turn still runs.
            await asyncio.sleep(max(0.0, 2.2 - (time.monotonic() - signalled)))
            assert await refused(http, url)
            assert proc.poll() is None and fake.posted == []

            # The turn in flight finishes: the person gets the answer, then the process ends.
            response = await turn
            assert response.status in (200, 202)
            rid = response.headers["X-Request-Id"]
            response.release()
            assert len(fake.posted) == 1 and fake.posted[0].cards  # the help card
        assert await asyncio.to_thread(proc.wait, 20) == 0
        # SAMVERKAN_LOG_FORMAT=json: every line one JSON object; the turn's have its id.
        lines = [json.loads(line) for line in (tmp_path / "serve.log").read_text().splitlines()]
        messages = [line["msg"] for line in lines]
        assert any(m.startswith("draining") for m in messages) and "stopped" in messages
        assert any(line["request_id"] == rid for line in lines)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


@pytest.fixture(autouse=True)
def _fast_sigterm_needs_posix() -> None:
    if not hasattr(signal, "SIGTERM"):
        pytest.skip("needs POSIX signals")
