"""The fake Bot Connector of a benchmark, in a child process: the benchmark script runs
itself again with `--serve-connector PORT_FILE --rate R`, that child serves
tests/fakes/connector.py on a free port (plus a `/_stats` route the script chooses), and
the parent reads the stats over HTTP when its run is done."""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import AsyncIterator, Callable, Coroutine
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlmodel import SQLModel

from bench.launch.scratch_db import drop_postgres, scratch_postgres
from bench.launch.sites import serve_to_port_file
from infra.settings import Settings
from storage.db import Database, is_sqlite

if TYPE_CHECKING:
    from tests.fakes.connector import FakeConnector

ROOT = Path(__file__).resolve().parents[2]


def serve_connector(
    port_file: str, rate: float, stats: Callable[[FakeConnector], dict[str, Any]]
) -> None:
    """Serve the fake connector (throttling at `rate` a second) until killed, with
    `stats(fake)` as JSON at `/_stats`."""
    from aiohttp import web

    from tests.fakes.connector import FakeConnector

    fake = FakeConnector(global_rate=rate)

    async def stats_route(_request: web.Request) -> web.Response:
        return web.json_response(stats(fake))

    fake.app.router.add_get("/_stats", stats_route)

    async def run() -> None:
        await serve_to_port_file(fake.app, port_file)
        await asyncio.Event().wait()

    asyncio.run(run())


def start_connector(script: str, rate: float, workdir: Path) -> tuple[subprocess.Popen[bytes], str]:
    """`script --serve-connector` started in a child process: (process, its service URL)."""
    port_file = workdir / "port"
    proc = subprocess.Popen(
        [sys.executable, script, "--serve-connector", str(port_file), "--rate", str(rate)],
        cwd=ROOT,
    )
    deadline = time.monotonic() + 20
    while not port_file.exists() or not port_file.read_text():
        if time.monotonic() > deadline:
            proc.kill()
            raise SystemExit("the fake connector did not start")
        time.sleep(0.05)
    return proc, f"http://127.0.0.1:{port_file.read_text()}/"


async def connector_stats(url: str) -> dict[str, object]:
    """What the child's `/_stats` route says."""
    import aiohttp

    async with aiohttp.ClientSession() as http, http.get(url + "_stats") as resp:
        data: dict[str, object] = await resp.json()
        return data


def bench_main(
    parser: argparse.ArgumentParser,
    stats: Callable[[FakeConnector], dict[str, Any]],
    bench: Callable[[argparse.Namespace, Path], Coroutine[Any, Any, int]],
) -> int:
    """A benchmark script's main: `parser` (the script's own options) gets the shared
    ones (--rate, --database-url, --max-seconds, the child's --serve-connector); then
    either this process is the connector child (`stats` at its `/_stats`) or it runs
    `bench` in a temporary directory."""
    parser.add_argument("--rate", type=float, default=50.0)
    parser.add_argument("--database-url", default=os.environ.get("BENCH_DATABASE_URL"))
    parser.add_argument("--max-seconds", type=float, default=300.0)
    parser.add_argument("--serve-connector", help=argparse.SUPPRESS)
    args = parser.parse_args()
    # The SDK warns per proactive turn in local mode ("App ID is not provided").
    logging.getLogger("microsoft_agents").setLevel(logging.ERROR)
    if args.serve_connector:
        serve_connector(args.serve_connector, args.rate, stats)
        return 0
    with tempfile.TemporaryDirectory() as tmp:
        return asyncio.run(bench(args, Path(tmp)))


@dataclass(frozen=True)
class BenchRun:
    """A benchmark's database (tables created) and its fake connector's service URL."""

    db: Database
    url: str
    service_url: str
    backend: str  # sqlite | postgresql

    def settings(self, rate: float) -> Settings:
        """The bot's settings for a dispatcher on this database at `rate` a second."""
        return Settings(
            _env_file=None, client_id=None, database_url=self.url, global_rate_per_second=rate
        )


@asynccontextmanager
async def bench_run(
    args: argparse.Namespace, workdir: Path, script: str
) -> AsyncIterator[BenchRun]:
    """The database (--database-url: a scratch database on that PostgreSQL server, else
    SQLite in `workdir`) and `script`'s connector child, for the time of the block;
    afterwards the connector is stopped and a scratch database dropped."""
    scratch: str | None = None
    admin_url = url = args.database_url or f"sqlite+aiosqlite:///{workdir / 'bench.db'}"
    if not is_sqlite(url):
        url, scratch = await scratch_postgres(admin_url)
    child, service_url = start_connector(script, args.rate, workdir)
    db = Database(url)
    try:
        async with db.engine.begin() as conn:
            await conn.run_sync(SQLModel.metadata.create_all)
        yield BenchRun(db, url, service_url, "postgresql" if scratch else "sqlite")
    finally:
        await db.dispose()
        child.terminate()
        child.wait()
        if scratch:
            await drop_postgres(admin_url, scratch)


def verdict(ok: bool) -> int:
    """Say whether the benchmark met its goal; the script's exit status."""
    print("goal met" if ok else "GOAL NOT MET")
    return 0 if ok else 1
