"""Serving an aiohttp app of a benchmark on a free local port, and telling the parent which."""

from __future__ import annotations

import asyncio
from pathlib import Path

from aiohttp import web


async def start_site(app: web.Application, *, backlog: int = 128) -> tuple[web.AppRunner, int]:
    """`app` served on 127.0.0.1 at a port the system picks: (runner, port)."""
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0, backlog=backlog)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    return runner, int(port)


async def serve_to_port_file(app: web.Application, port_file: str | Path) -> web.AppRunner:
    """`app` served as above, its port written to `port_file` for the parent process
    waiting on it."""
    runner, port = await start_site(app)
    await asyncio.to_thread(Path(port_file).write_text, str(port))
    return runner
