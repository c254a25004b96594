"""The aiohttp application: /api/messages behind our checks, /healthz, /metrics.

Order of checks on /api/messages, each answering before any work is done:
local mode: peer on this computer (403) -> size (413) -> token (401) -> JSON and
activity shape (400) -> serviceUrl (401; local mode 403) -> tenant (403).
Nothing a caller sends can make it answer 500, and a refused request stores
nothing and calls nobody.

Who may call (see SECURITY.md, token threat model): only the Bot Connector. Its
tokens are issued by `https://api.botframework.com` for our app id and carry the
`serviceurl` the activity came through; that URL must be the activity's own and
a Teams host on the allow-list, since replies, the roster (UPNs) and our outgoing
token go there.
"""

from __future__ import annotations

import asyncio
import hmac
import json
import logging
import socket
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
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

from bot.agent import SamverkanAgent
from bot.handlers import build_router
from bot.router import Router
from bot.sdk_user_agent import compute_once as compute_user_agent_once
from bot.token_cache import ValidatedTokens
from bot.turn import Services
from core import request_id, service_url, tenancy
from core.inbound import too_deep
from infra.metrics import Metrics
from infra.settings import BOT_FRAMEWORK_ISSUER, Settings
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
    "samverkan_tenant_refused_total": "Shared-channel turns refused: the writer's tenant is not allowed",
    "samverkan_database_up": "Whether the database answered this scrape (1) or not (0)",
    "samverkan_gauge_errors": "Gauge sources that could not be read for this scrape",
}


def build_services(settings: Settings, db: Database, reg: Router | None = None) -> Services:
    """The process's long-lived parts; `reg` is the router built from the handler list
    (bot/handlers/__init__.py) unless a caller passes its own."""
    reg = reg or build_router()
    metrics = Metrics()
    for name, help_text in METRIC_HELP.items():
        metrics.describe(name, help_text)
    services = Services(settings=settings, db=db, metrics=metrics, commands=reg.table(), router=reg)
    if settings.graph_roles and settings.client_id and settings.client_secret:
        from clients.graph import GraphDirectory

        services.graph = GraphDirectory(
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
    compute_user_agent_once()

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
    app[AGENT_KEY] = SamverkanAgent(services.router, services)
    app[AUTH_CONFIG_KEY] = auth_config
    app[TOKENS_KEY] = ValidatedTokens()
    app.router.add_post("/api/messages", messages)
    if settings.ops_port is None:
        add_ops_routes(app)
    else:  # /healthz and /metrics only on their own port, never on the public one
        app.cleanup_ctx.append(_ops_server(settings, services))
    # Before the database closes: held pulse answers are written (storage/answer_writer.py).
    app.on_cleanup.append(_stop_answers(services))
    if db is None:
        app.on_cleanup.append(_dispose(database))
    return app


def _stop_answers(services: Services) -> Callable[[web.Application], Any]:
    async def cleanup(_app: web.Application) -> None:
        await services.answers.stop()

    return cleanup


def _dispose(database: Database) -> Callable[[web.Application], Any]:
    async def cleanup(_app: web.Application) -> None:
        await database.dispose()

    return cleanup


def _reject(app: web.Application, status: int, message: str) -> web.Response:
    app[SERVICES_KEY].metrics.inc("samverkan_http_rejected_total", status=str(status))
    return web.json_response({"error": message}, status=status)


async def messages(request: web.Request) -> web.StreamResponse:
    """One turn, under its request id (core/request_id.py): the proxy's X-Request-Id
    when plausible, else a new one; answered in X-Request-Id, on every log line of the
    turn and on each outbox row it queues."""
    rid = request_id.accept(request.headers.get("X-Request-Id"))
    token = request_id.bind(rid)
    try:
        response = await _messages(request)
    finally:
        request_id.reset(token)
    if not response.prepared:
        response.headers["X-Request-Id"] = rid
    return response


async def _messages(request: web.Request) -> web.StreamResponse:
    app = request.app
    services = app[SERVICES_KEY]
    settings = services.settings
    if settings.anonymous and not service_url.is_loopback_host(request.remote or ""):
        # Local mode has no token check: only this computer may talk to it.
        return _reject(app, 403, "anonymous local mode answers only loopback clients")
    limit = settings.max_body_bytes
    if request.content_length is not None and request.content_length > limit:
        return _reject(app, 413, f"body larger than {limit} bytes")

    caller = await _authenticate(request)
    if isinstance(caller, web.Response):
        return caller

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

    problem = _service_url_problem(settings, caller.claims, body.get("serviceUrl"))
    if problem:
        return _reject(app, 403 if settings.anonymous else 401, problem)

    problem = _tenant_problem(settings, body)
    if problem:
        return _reject(app, 403, problem)

    if caller.token is not None and not caller.remembered:
        # Only now: a token is remembered only once a request with it passed every check.
        app[TOKENS_KEY].put(caller.token, caller.claims)
    request["claims_identity"] = caller.claims
    try:
        response = await app[ADAPTER_KEY].process(request, app[AGENT_KEY])
    except Exception:
        # The agent answers every failure itself; this is the last guard so the
        # Bot Connector never sees a 500 (it would retry and post twice).
        log.exception("adapter failed")
        return web.json_response({}, status=200)
    return response or web.Response(status=202)


@dataclass(frozen=True)
class _Caller:
    claims: ClaimsIdentity
    token: str | None = None  # None in anonymous local mode
    remembered: bool = False


async def _authenticate(request: web.Request) -> _Caller | web.Response:
    app = request.app
    settings = app[SERVICES_KEY].settings
    header = request.headers.get("Authorization")
    token: str | None = None
    if header is not None:
        parts = header.split()
        if len(parts) != 2 or parts[0].lower() != "bearer":
            return _reject(app, 401, "malformed Authorization header")
        token = parts[1]
        known = app[TOKENS_KEY].get(token)
        if known is not None and _token_problem(settings, known) is None:
            return _Caller(known, token, remembered=True)
        header = f"Bearer {token}"
    try:
        result = await _authorize_request(header, app[AUTH_CONFIG_KEY])
    except Exception as exc:
        # A token the SDK cannot even parse (no kid, bad JWKS answer) is still just unauthorized.
        log.warning("token rejected: %s", type(exc).__name__)
        return _reject(app, 401, "invalid token")
    if not isinstance(result, ClaimsIdentity):
        status = getattr(result, "status_code", 401)
        status = 401 if status in (401, 403) else status
        return _reject(app, status, "invalid or missing token")
    if token is None:
        return _Caller(result)  # anonymous local mode: the SDK let it in without a token
    problem = _token_problem(settings, result)
    if problem:
        log.warning("token refused: %s", problem)
        return _reject(app, 401, "invalid token")
    return _Caller(result, token)


def _token_problem(settings: Settings, identity: ClaimsIdentity) -> str | None:
    """Our own checks on a token the SDK accepted. The SDK's issuer list always adds
    Microsoft's first-party tenants (and, unless configured, our own tenant's Entra
    issuers, which any app registration in the tenant can get tokens from), so the
    issuer is checked here too: this must not depend on what an SDK upgrade trusts."""
    claims = identity.claims
    if claims.get("iss") != BOT_FRAMEWORK_ISSUER:
        return "issuer is not the Bot Framework"
    audience = claims.get("aud")
    if not isinstance(audience, str) or audience.lower() != (settings.client_id or "").lower():
        return "audience is not this bot"
    if "serviceurl" not in claims:
        return "token has no serviceurl claim"
    return service_url.problem(
        claims["serviceurl"], hosts=settings.allowed_service_hosts, loopback_only=False
    )


def _service_url_problem(settings: Settings, identity: ClaimsIdentity, url: Any) -> str | None:
    """The activity's serviceUrl must be the one the token was issued for (and so a
    Teams host on the allow-list); in local mode, a loopback address."""
    if settings.anonymous:
        return service_url.problem(url, hosts=frozenset(), loopback_only=True)
    if not service_url.same(url, identity.claims.get("serviceurl")):
        return "serviceUrl differs from the token's serviceurl claim"
    return service_url.problem(url, hosts=settings.allowed_service_hosts, loopback_only=False)


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


def _tenant_problem(settings: Settings, body: dict[str, Any]) -> str | None:
    """The hosting tenant, and the writer's own where the activity names it, must be the
    bot's own or on SAMVERKAN_ALLOWED_TENANTS (core/tenancy.py)."""
    if settings.anonymous:
        return None
    return tenancy.refused_tenant(body, settings.tenants)


# -- operations: /readyz (/healthz), /livez (/healthz/live), /metrics ---------------------


def add_ops_routes(app: web.Application) -> None:
    """Liveness (/livez, and /healthz/live as before) says the process answers: restart
    it if not. Readiness (/readyz, and /healthz as before) says send requests here: the
    database takes writes and the process is not draining (runtime/serving.py)."""
    app.router.add_get("/healthz", healthz)
    app.router.add_get("/readyz", healthz)
    app.router.add_get("/healthz/live", live)
    app.router.add_get("/livez", live)
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
    """Readiness: not draining, and the database answers a read and takes a write (its
    heartbeat row)."""
    refused = _ops_refusal(request)
    if refused is not None:
        return refused
    services = request.app[SERVICES_KEY]
    instance = services.instance_id
    leader = services.leader
    if services.draining:  # stopping: no database work, and no new requests please
        body: dict[str, Any] = {"status": "draining", "draining": True, "instance": instance}
        return web.json_response(body, status=503)
    database = await services.db.health(_HOST, instance)
    body = {
        "status": "ok" if database == "ok" else "degraded",
        "database": database,  # ok | unreachable | outdated | unwritable
        "leader": bool(leader.is_leader) if leader is not None else False,
        "draining": False,
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
