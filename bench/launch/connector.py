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
from collections.abc import Callable, Coroutine
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bench.launch.sites import serve_to_port_file

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
    serve: Callable[[str, float], None],
    bench: Callable[[argparse.Namespace, Path], Coroutine[Any, Any, int]],
) -> int:
    """A benchmark script's main: `parser` (the script's own options) gets the shared
    ones (--rate, --database-url, --max-seconds, the child's --serve-connector); then
    either this process is the connector child (`serve`) or it runs `bench` in a
    temporary directory."""
    parser.add_argument("--rate", type=float, default=50.0)
    parser.add_argument("--database-url", default=os.environ.get("BENCH_DATABASE_URL"))
    parser.add_argument("--max-seconds", type=float, default=300.0)
    parser.add_argument("--serve-connector", help=argparse.SUPPRESS)
    args = parser.parse_args()
    # The SDK warns per proactive turn in local mode ("App ID is not provided").
    logging.getLogger("microsoft_agents").setLevel(logging.ERROR)
    if args.serve_connector:
        serve(args.serve_connector, args.rate)
        return 0
    with tempfile.TemporaryDirectory() as tmp:
        return asyncio.run(bench(args, Path(tmp)))
