"""Serve the app until SIGTERM or SIGINT, then drain and stop gracefully.

On the signal, in this order:
1. draining: `/readyz` (and `/healthz`) answer 503 `draining`, `/livez` still 200, and
   `/api/messages` still serves whatever reaches it, for SAMVERKAN_DRAIN_SECONDS, so a
   proxy or orchestrator polling readiness stops sending here first;
2. the listening sockets close: a new connection is refused (nginx then passes the
   request to the next instance: `proxy_next_upstream error`, safe for a POST, since
   nothing was sent);
3. in-flight requests (turns) finish, for up to SAMVERKAN_SHUTDOWN_TIMEOUT seconds;
4. the background parts stop in reverse order (dispatcher, then leader: the lock is
   released, and another instance leads at once), held pulse answers are written, the
   database pool closes.
A second signal during the drain skips the rest of the wait.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
from collections.abc import Callable

from aiohttp import web

from bot.web import SERVICES_KEY

log = logging.getLogger(__name__)


async def serve(
    app: web.Application,
    host: str,
    port: int,
    *,
    drain_seconds: float,
    shutdown_timeout: float,
    on_ready: Callable[[int], None] | None = None,
    access_log: logging.Logger | None = None,
) -> None:
    """Run `app` on host:port until a signal; `on_ready(port)` once it listens."""
    runner = web.AppRunner(
        app, handle_signals=False, shutdown_timeout=shutdown_timeout, access_log=access_log
    )
    await runner.setup()
    site = web.TCPSite(runner, host, port)
    await site.start()
    server = site._server
    bound = server.sockets[0].getsockname()[1] if server is not None else port  # type: ignore[attr-defined]
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    if on_ready is not None:
        on_ready(bound)
    try:
        await stop.wait()
        stop.clear()
        services = app[SERVICES_KEY]
        services.draining = True
        log.info("draining: not ready, serving what arrives for %.1f s", drain_seconds)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), drain_seconds)
        log.info("stopping: no new connections, finishing in-flight turns")
    finally:
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.remove_signal_handler(sig)
        await runner.cleanup()
    log.info("stopped")
