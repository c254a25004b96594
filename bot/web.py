"""The aiohttp application: /api/messages behind our checks, /healthz, /metrics.

Order of checks on /api/messages, each answering before any work is done:
size (413) -> token (401) -> JSON and activity shape (400) -> tenant (403).
Nothing a caller sends can make it answer 500.
"""

from __future__ import annotations

import asyncio
import hmac
import json
import logging
import socket
from collections.abc import AsyncIterator, Callable
from typing import Any

from aiohttp import web
from microsoft_agents.activity import Activity
from microsoft_agents.authentication.msal import MsalAuth
from microsoft_agents.hosting.aiohttp import CloudAdapter
from microsoft_agents.hosting.core import (
    AccessTokenProviderBase,
    AgentAuthConfiguration,
    ClaimsIdentity,
    ConnectionManager,
    TurnContext,
)
from microsoft_agents.hosting.core.authorization.jwt import _authorize_request
from pydantic import ValidationError

import bot.handlers  # noqa: F401  (registers the handlers)
from bot.agent import SamverkanAgent
from bot.metrics import Metrics
from bot.router import Router, router
from bot.settings import Settings
from bot.token_cache import ValidatedTokens
from bot.turn import Services
from core.inbound import too_deep
from storage.db import Database

log = logging.getLogger(__name__)

TokenProviderFactory = Callable[[AgentAuthConfiguration], AccessTokenProviderBase]

SERVICES_KEY = web.AppKey("services", Services)
ADAPTER_KEY = web.AppKey("adapter", CloudAdapter)
AGENT_KEY = web.AppKey("agent", SamverkanAgent)
AUTH_CONFIG_KEY = web.AppKey("auth_config", AgentAuthConfiguration)
TOKENS_KEY = web.AppKey("validated_tokens", ValidatedTokens)


METRIC_HELP = {
    "samverkan_activities_total": "Activities received, by type",
    "samverkan_http_rejected_total": "Requests to /api/messages refused, by status",
    "samverkan_handler_errors_total": "Turns whose handler failed (the person got an apology)",
    "samverkan_commands_total": "Commands received, by command",
    "samverkan_card_actions_total": "Card actions received, by action",
    "samverkan_ratelimited_total": "Commands and card actions refused by the per-person limit",
    "samverkan_pulse_answers_total": "Pulse answers stored (changes included)",
    "samverkan_pulse_refused_total": "Pulse answers refused, by reason",
    "samverkan_database_up": "Whether the database answered this scrape (1) or not (0)",
    "samverkan_gauge_errors": "Gauge sources that could not be read for this scrape",
}


def build_services(settings: Settings, db: Database, reg: Router = router) -> Services:
    metrics = Metrics()
    for name, help_text in METRIC_HELP.items():
        metrics.describe(name, help_text)
    services = Services(settings=settings, db=db, metrics=metrics, commands=reg.table())
    services.extras["router"] = reg
    if settings.graph_roles and settings.client_id and settings.client_secret:
        from bot.graph import GraphDirectory

        services.extras["graph"] = GraphDirectory(
            client_id=settings.client_id,
            client_secret=settings.client_secret,
            tenant_id=settings.tenant_id or "",
            ttl=settings.graph_ttl_seconds,
        )
    return services


def build_adapter(
    settings: Settings, provider_factory: TokenProviderFactory | None = None
) -> CloudAdapter:
    manager = ConnectionManager(
        provider_factory=provider_factory or MsalAuth, **settings.sdk_configuration()
    )
    adapter = CloudAdapter(connection_manager=manager)

    async def on_turn_error(context: TurnContext, error: Exception) -> None:
        # The SDK's default echoes the exception text to the user; never do that.
        log.error("unhandled turn error: %s", type(error).__name__)

    adapter.on_turn_error = on_turn_error
    return adapter


def build_app(
    settings: Settings,
    db: Database | None = None,
    *,
    provider_factory: TokenProviderFactory | None = None,
    services: Services | None = None,
) -> web.Application:
    database = db or Database(settings.database_url)
    services = services or build_services(settings, database)
    adapter = build_adapter(settings, provider_factory)
    auth_config = adapter._channel_service_client_factory._connection_manager.get_default_connection_configuration()  # type: ignore[attr-defined]
    app = web.Application(client_max_size=settings.max_body_bytes)
    app[SERVICES_KEY] = services
    app[ADAPTER_KEY] = adapter
    app[AGENT_KEY] = SamverkanAgent(services.extras["router"], services)
    app[AUTH_CONFIG_KEY] = auth_config
    app[TOKENS_KEY] = ValidatedTokens()
    app.router.add_post("/api/messages", messages)
    if settings.ops_port is None:
        add_ops_routes(app)
    else:  # /healthz and /metrics only on their own port, never on the public one
        app.cleanup_ctx.append(_ops_server(settings, services))
    if db is None:
        app.on_cleanup.append(_dispose(database))
    return app


def _dispose(database: Database) -> Callable[[web.Application], Any]:
    async def cleanup(_app: web.Application) -> None:
        await database.dispose()

    return cleanup


def _reject(app: web.Application, status: int, message: str) -> web.Response:
    app[SERVICES_KEY].metrics.inc("samverkan_http_rejected_total", status=str(status))
    return web.json_response({"error": message}, status=status)


async def messages(request: web.Request) -> web.StreamResponse:
    app = request.app
    services = app[SERVICES_KEY]
    limit = services.settings.max_body_bytes
    if request.content_length is not None and request.content_length > limit:
        return _reject(app, 413, f"body larger than {limit} bytes")

    claims = await _authenticate(request)
    if isinstance(claims, web.Response):
        return claims

    try:
        raw = await request.read()
    except web.HTTPRequestEntityTooLarge:
        return _reject(app, 413, f"body larger than {limit} bytes")
    try:
        body = json.loads(raw)
    except (ValueError, UnicodeDecodeError):
        return _reject(app, 400, "body is not JSON")
    except RecursionError:  # e.g. 100,000 `[`: the parser's own recursion gives out
        return _reject(app, 400, "body is nested too deeply")
    if too_deep(body):  # anything that walks it later (pydantic, the SDK) must not either
        return _reject(app, 400, "body is nested too deeply")
    problem = _activity_problem(body)
    if problem:
        return _reject(app, 400, problem)

    if not _tenant_allowed(services.settings, body):
        return _reject(app, 403, "tenant not allowed")

    request["claims_identity"] = claims
    try:
        response = await app[ADAPTER_KEY].process(request, app[AGENT_KEY])
    except Exception:
        # The agent answers every failure itself; this is the last guard so the
        # Bot Connector never sees a 500 (it would retry and post twice).
        log.exception("adapter failed")
        return web.json_response({}, status=200)
    return response or web.Response(status=202)


async def _authenticate(request: web.Request) -> Any:
    app = request.app
    header = request.headers.get("Authorization")
    if header is not None:
        parts = header.split()
        if len(parts) != 2 or parts[0].lower() != "bearer":
            return _reject(app, 401, "malformed Authorization header")
        token = parts[1]
        known = app[TOKENS_KEY].get(token)
        if known is not None:
            return known
        header = f"Bearer {token}"
    try:
        result = await _authorize_request(header, app[AUTH_CONFIG_KEY])
    except Exception as exc:
        # A token the SDK cannot even parse (no kid, bad JWKS answer) is still just unauthorized.
        log.warning("token rejected: %s", type(exc).__name__)
        return _reject(app, 401, "invalid token")
    if hasattr(result, "status_code"):
        status = 401 if result.status_code in (401, 403) else result.status_code
        return _reject(app, status, "invalid or missing token")
    if header is not None and isinstance(result, ClaimsIdentity):
        app[TOKENS_KEY].put(header.split(" ", 1)[1], result)
    return result


def _activity_problem(body: Any) -> str | None:
    """Why a body is not an activity we can answer, or None."""
    if not isinstance(body, dict):
        return "body must be a JSON object"
    try:
        activity = Activity.model_validate(body)
    except (ValidationError, ValueError, TypeError):
        return "body is not a valid activity"
    if not activity.type:
        return "activity.type is required"
    if not activity.conversation or not activity.conversation.id:
        return "activity.conversation.id is required"
    if not activity.service_url:
        return "activity.serviceUrl is required"
    if not activity.recipient or not activity.recipient.id:
        return "activity.recipient is required"
    if activity.from_property is None or not activity.from_property.id:
        return "activity.from is required"
    return None


def _tenant_allowed(settings: Settings, body: dict[str, Any]) -> bool:
    if settings.anonymous:
        return True
    allowed = {t.lower() for t in (settings.allowed_tenants or [settings.tenant_id or ""]) if t}
    channel_data = body.get("channelData") if isinstance(body.get("channelData"), dict) else {}
    tenant = (channel_data or {}).get("tenant")
    tenant_id = tenant.get("id") if isinstance(tenant, dict) else None
    if not tenant_id:
        conv = body.get("conversation") if isinstance(body.get("conversation"), dict) else {}
        tenant_id = (conv or {}).get("tenantId")
    return isinstance(tenant_id, str) and tenant_id.lower() in allowed


# -- operations: /healthz, /healthz/live, /metrics ----------------------------------------


def add_ops_routes(app: web.Application) -> None:
    app.router.add_get("/healthz", healthz)
    app.router.add_get("/healthz/live", live)
    app.router.add_get("/metrics", metrics)


def _ops_server(settings: Settings, services: Services) -> Callable[[web.Application], Any]:
    """Serve the operations routes on SAMVERKAN_OPS_PORT while the app runs."""

    async def context(_app: web.Application) -> AsyncIterator[None]:
        ops = web.Application()
        ops[SERVICES_KEY] = services
        add_ops_routes(ops)
        runner = web.AppRunner(ops, access_log=None)
        await runner.setup()
        site = web.TCPSite(runner, settings.host, settings.ops_port)
        await site.start()
        yield
        await runner.cleanup()

    return context


def _ops_refusal(request: web.Request) -> web.Response | None:
    """401 unless SAMVERKAN_OPS_TOKEN is unset or the request carries it as a bearer."""
    token = request.app[SERVICES_KEY].settings.ops_token
    if token is None:
        return None
    scheme, _, given = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() == "bearer" and hmac.compare_digest(given.strip().encode(), token.encode()):
        return None
    return web.json_response(
        {"error": "a bearer token is required"},
        status=401,
        headers={"WWW-Authenticate": 'Bearer realm="samverkan-ops"'},
    )


async def live(request: web.Request) -> web.Response:
    """Liveness: the process answers. Says nothing else, so it needs no token."""
    return web.json_response({"status": "ok"})


async def healthz(request: web.Request) -> web.Response:
    """Readiness: the database answers a read and takes a write (its heartbeat row)."""
    refused = _ops_refusal(request)
    if refused is not None:
        return refused
    services = request.app[SERVICES_KEY]
    instance = services.extras.get("instance_id")
    database = await services.db.health(_HOST, instance)
    leader = services.extras.get("leader")
    body = {
        "status": "ok" if database == "ok" else "degraded",
        "database": database,  # ok | unreachable | outdated | unwritable
        "leader": bool(leader.is_leader) if leader is not None else False,
        "instance": instance,
    }
    return web.json_response(body, status=200 if database == "ok" else 503)


async def metrics(request: web.Request) -> web.Response:
    """Prometheus text. Never a 500: with the database away, the counters and
    `samverkan_database_up 0` (the gauges that read the database are left out)."""
    refused = _ops_refusal(request)
    if refused is not None:
        return refused
    services = request.app[SERVICES_KEY]
    try:
        async with asyncio.timeout(3.0):
            up = await services.db.ping()
    except TimeoutError:
        up = False
    text = await services.metrics.render(
        gauges=up, extra={"samverkan_database_up": 1.0 if up else 0.0}
    )
    return web.Response(text=text, content_type="text/plain", charset="utf-8")


_HOST = socket.gethostname()[:200]
