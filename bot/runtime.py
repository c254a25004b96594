"""The process: web app plus the background parts that run beside it.

Background parts are aiohttp cleanup contexts, so they start after the app is
built, stop in reverse order on shutdown, and a failure to start stops start-up.
"""

from __future__ import annotations

import os
import socket
import uuid

from aiohttp import web

from bot.leader import Leader
from bot.settings import Settings
from bot.web import build_app, build_services
from scheduler.service import ScheduleService
from storage.db import Database


def instance_id() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"


def create_app(settings: Settings) -> web.Application:
    db = Database(settings.database_url)
    services = build_services(settings, db)
    services.extras["instance_id"] = instance_id()
    app = build_app(settings, db, services=services)
    # Background parts (delivery dispatcher, scheduler leader) register here.
    leader = Leader(settings.database_url, instance_id=services.extras["instance_id"])
    schedules = ScheduleService(db)
    leader.follow(schedules.start, schedules.stop)  # the scheduler runs only while leader
    services.extras["leader"] = leader
    services.extras["scheduler"] = schedules
    services.metrics.add_gauges(schedules.gauges)
    app.cleanup_ctx.append(leader.context)
    # Delivery dispatcher: append its cleanup_ctx after the leader's (it stops first),
    # with should_run=lambda: leader.is_leader.
    app.on_cleanup.append(_close_db(db))
    return app


def _close_db(db: Database):  # type: ignore[no-untyped-def]
    async def close(_app: web.Application) -> None:
        await db.dispose()

    return close
