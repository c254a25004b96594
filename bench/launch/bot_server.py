"""Run a bot over HTTP in its own process, for benchmarks and crash/restart tests.

    python bench/launch/bot_server.py --database-url URL [--port 0] [--data-dir DIR]
        [--jwks-url URL --app-id ID --tenant ID]   # JWT on, validated against a local issuer
        [--service-url-host HOST[:PORT]]            # with JWT on: the fake connector's host
        [--echo]                                    # a minimal Agents SDK echo bot instead
        [--shared-sessions]                         # one aiohttp session for in-turn replies

It prints one JSON line {"event": "ready", "port": N, "pid": P} on stdout once it
serves, and runs until SIGTERM (clean stop) or SIGKILL (the crash tests). The real
bot is `runtime.process.create_app` (web app, leader, scheduler, outbox dispatcher).

With JWT on, the two hooks a test process would install are installed here: the SDK's
JWKS lookups point at the local issuer (tests/fakes/issuer.py), and outgoing tokens
come from tests/fakes/tokens.py instead of MSAL, so nothing ever calls Entra ID.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import os
import signal
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from aiohttp import web  # noqa: E402
from microsoft_agents.hosting.aiohttp import CloudAdapter  # noqa: E402
from microsoft_agents.hosting.core import (  # noqa: E402
    Agent,
    ClaimsIdentity,
    ConnectionManager,
    TurnContext,
)
from microsoft_agents.hosting.core.connector.client import UserTokenClient  # noqa: E402

from bot import web as web_module  # noqa: E402
from clients import teams_roster as teams_roster_module  # noqa: E402
from delivery import dispatcher as dispatcher_module  # noqa: E402
from delivery.dispatcher import SharedSessionClientFactory, _SharedUserTokenClient  # noqa: E402
from infra.settings import Settings  # noqa: E402


class InboundSharedFactory(SharedSessionClientFactory):
    """SharedSessionClientFactory, also sharing the user-token client of incoming turns.

    The SDK opens two ClientSessions per incoming turn (connector, user token); the
    dispatcher's factory shares the connector one and, for authenticated turns, keeps the
    SDK's per-turn user-token client. Here both are shared, to measure the whole saving.
    """

    async def create_user_token_client(
        self, context: TurnContext, claims_identity: ClaimsIdentity, use_anonymous: bool = False
    ) -> UserTokenClient:
        if use_anonymous:
            return await super().create_user_token_client(context, claims_identity, True)
        provider = self._connection_manager.get_token_provider(
            claims_identity, self._token_service_endpoint
        )
        token = await provider.get_access_token(
            self._token_service_audience, claims_identity.get_token_scope()
        )
        endpoint = self._token_service_endpoint
        return _SharedUserTokenClient(
            endpoint,
            token or "",
            app_id=claims_identity.get_app_id(),
            session=self._session(endpoint),
        )


def settings_from(args: argparse.Namespace) -> Settings:
    values: dict[str, Any] = {
        "database_url": args.database_url,
        "data_dir": Path(args.data_dir),
        "secret": args.secret,
        "admins": [],
        "allowed_tenants": [],
        "command_rate_per_minute": args.command_rate,
        "command_burst": args.command_burst,
        "client_id": None,
    }
    if args.jwks_url:
        values.update(
            client_id=args.app_id,
            client_secret="not-used",
            tenant_id=args.tenant,
            # The fake connector stands in for the Teams hosts (tokens name it as serviceurl).
            service_url_hosts=[args.service_url_host],
        )
    return Settings(_env_file=None, **values)


def install_jwt_hooks(args: argparse.Namespace) -> Any:
    """JWKS from the local issuer; outgoing tokens from the fake provider. Returns it."""
    from tests.fakes.issuer import install_jwks_hook
    from tests.fakes.tokens import FakeTokenProvider

    install_jwks_hook(args.jwks_url, args.tenant)
    web_module.MsalAuth = FakeTokenProvider  # type: ignore[misc,assignment]
    dispatcher_module.MsalAuth = FakeTokenProvider  # type: ignore[misc,assignment]
    teams_roster_module.MsalAuth = FakeTokenProvider  # type: ignore[misc,assignment]
    return FakeTokenProvider


def share_sessions(adapter: CloudAdapter) -> None:
    manager: ConnectionManager = adapter._channel_service_client_factory._connection_manager  # type: ignore[attr-defined]
    adapter._channel_service_client_factory = InboundSharedFactory(manager, timeout=20.0)


class EchoAgent(Agent):
    """The smallest useful Agents SDK bot: echo messages, answer invokes with 200."""

    async def on_turn(self, context: TurnContext) -> None:
        activity = context.activity
        if activity.type == "message":
            await context.send_activity(f"echo: {activity.text or ''}")
        elif activity.type == "invoke":
            from microsoft_agents.activity import Activity, InvokeResponse

            await context.send_activity(
                Activity(type="invokeResponse", value=InvokeResponse(status=200, body={}))
            )


def echo_app(settings: Settings, shared: bool) -> web.Application:
    """CloudAdapter + EchoAgent behind the SDK's own JWT middleware-equivalent check.

    The adapter is the SDK's as it comes (not bot.web.build_adapter, whose tuning such as
    bot/sdk_user_agent.py is Samverkan's own), with the same credentials.
    """
    from microsoft_agents.hosting.core.authorization.jwt import _authorize_request

    manager = ConnectionManager(
        provider_factory=web_module.MsalAuth, **settings.sdk_configuration()
    )
    adapter = CloudAdapter(connection_manager=manager)
    if shared:
        share_sessions(adapter)
    auth_config = adapter._channel_service_client_factory._connection_manager.get_default_connection_configuration()  # type: ignore[attr-defined]
    agent = EchoAgent()

    async def messages(request: web.Request) -> web.StreamResponse:
        claims = await _authorize_request(request.headers.get("Authorization"), auth_config)
        if hasattr(claims, "status_code"):
            return web.Response(status=401)
        request["claims_identity"] = claims
        response = await adapter.process(request, agent)
        return response or web.Response(status=202)

    app = web.Application()
    app.router.add_post("/api/messages", messages)
    return app


def real_app(settings: Settings, shared: bool) -> web.Application:
    from bot.web import ADAPTER_KEY
    from runtime.process import create_app

    app = create_app(settings)
    if shared:
        share_sessions(app[ADAPTER_KEY])
    return app


async def serve(args: argparse.Namespace) -> None:
    if args.jwks_url:
        install_jwt_hooks(args)
    settings = settings_from(args)
    app = (
        echo_app(settings, args.shared_sessions)
        if args.echo
        else real_app(settings, args.shared_sessions)
    )
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", args.port)
    await site.start()
    server = site._server
    port = server.sockets[0].getsockname()[1] if server is not None else args.port  # type: ignore[attr-defined]
    print(json.dumps({"event": "ready", "port": port, "pid": os.getpid()}), flush=True)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    await stop.wait()
    await runner.cleanup()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--data-dir", default="var")
    parser.add_argument("--secret", default="s" * 40)
    parser.add_argument("--jwks-url")
    parser.add_argument("--app-id", default="6f1c2a3b-1111-4222-8333-444455556666")
    parser.add_argument("--tenant", default="72f988bf-0000-4000-8000-00000000abcd")
    parser.add_argument(
        "--service-url-host",
        default="127.0.0.1",
        help="allowed Bot Connector host[:port] with JWT on (default: loopback, any port)",
    )
    parser.add_argument("--echo", action="store_true")
    parser.add_argument("--shared-sessions", action="store_true")
    parser.add_argument("--command-rate", type=float, default=20.0)
    parser.add_argument("--command-burst", type=int, default=10)
    parser.add_argument("--log-level", default="ERROR")
    args = parser.parse_args()
    logging.basicConfig(level=args.log_level, stream=sys.stderr)
    asyncio.run(serve(args))


if __name__ == "__main__":
    main()
