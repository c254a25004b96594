"""The process: web app plus the background parts that run beside it.

Background parts are aiohttp cleanup contexts, so they start after the app is
built, stop in reverse order on shutdown, and a failure to start stops start-up.
"""

from __future__ import annotations

import gc
import os
import socket
import uuid
from collections.abc import Callable
from typing import Any

from aiohttp import web

from bot.web import build_app, build_services
from clients.graph import GraphDirectory
from clients.teams_roster import TeamsRoster
from delivery.dispatcher import build_dispatcher
from infra.settings import Settings
from runtime.leader import Leader
from scheduler.service import GAUGE_HELP, ScheduleService
from services import app_install
from services.context import InstallHook, JobContext
from storage.db import Database


def instance_id() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"


def create_app(settings: Settings) -> web.Application:
    db = Database(settings.database_url)
    services = build_services(settings, db)
    services.instance_id = instance_id()
    app = build_app(settings, db, services=services)
    # Where the tenant grants it (SAMVERKAN_TEAMS_APP_ID set; see services/app_install.py),
    # the app is installed for people the bot cannot reach yet: by the digest job for its
    # managers, and by the dispatcher right before it opens a person's pending chat. The
    # digest also counts subscribers who lead through an Entra group (Graph roles on).
    install = app_install.hook_for(settings, services.graph)
    context = job_context(settings, services.graph, install)
    leader = Leader(settings.database_url, instance_id=services.instance_id)
    schedules = ScheduleService(db, context)
    leader.follow(schedules.start, schedules.stop)  # the scheduler runs only while leader
    services.leader = leader
    services.scheduler = schedules
    services.metrics.add_gauges(schedules.gauges)
    for name, help_text in GAUGE_HELP.items():
        services.metrics.describe(name, help_text)
    app.cleanup_ctx.append(leader.context)
    # The dispatcher's context comes after the leader's, so it stops first.
    dispatcher = build_dispatcher(
        settings,
        db,
        services.metrics,
        should_run=lambda: leader.is_leader,
        install=install,
        lease_seconds=settings.send_lease_seconds,
        send_timeout=min(20.0, settings.send_lease_seconds / 3),
    )
    services.dispatcher = dispatcher
    app.cleanup_ctx.append(dispatcher.context)
    app.on_cleanup.append(_close_db(db))
    app.on_startup.append(settle_heap)
    return app


async def settle_heap(_app: web.Application) -> None:
    """Once started, move everything alive (modules, models, metadata: about 150,000
    objects that live as long as the process) out of the garbage collector's sight.
    Full collections then scan only what turns create; measured in bench/pulse.py,
    the longest pause fell from about 100 ms to under 10 ms."""
    gc.collect()
    gc.freeze()


def job_context(
    settings: Settings,
    graph: GraphDirectory | None = None,
    install_hook: InstallHook | None = None,
    provider_factory: Callable[..., Any] | None = None,
) -> JobContext:
    """What scheduled jobs need from the settings, built once by any process that fires
    them (this one's scheduler, `samverkan run`) and passed to each job."""
    return JobContext(
        secret=settings.server_secret(),
        zone=settings.zone,
        language=settings.language,
        admins=frozenset(a.lower() for a in settings.admins),
        graph=graph,
        install_hook=install_hook,
        own_tenant=settings.own_tenant,
        kolada_base_url=settings.kolada_base_url,
        roster=roster_reader(settings, provider_factory),
    )


def roster_reader(
    settings: Settings, provider_factory: Callable[..., Any] | None = None
) -> TeamsRoster:
    """Reads a channel's roster outside any turn, with the app's credentials."""
    return TeamsRoster(
        sdk_configuration=settings.sdk_configuration(),
        app_id=settings.client_id,
        allowed_hosts=settings.allowed_service_hosts,
        local_mode=settings.anonymous,
        provider_factory=provider_factory,
    )


def _close_db(db: Database):  # type: ignore[no-untyped-def]
    async def close(_app: web.Application) -> None:
        await db.dispose()

    return close
