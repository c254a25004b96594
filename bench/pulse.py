"""Pulse benchmark: 2,000 different people answer one open pulse at once.

Each answer is what Teams posts when someone presses the pulse card's "Skicka svar"
(Action.Execute): an `invoke` `adaptiveCard/action` activity, verb `pulse.answer`,
to `POST /api/messages`, with a Bot Framework bearer token. JWT validation is on:
the tokens come from a local issuer (tests/fakes/issuer.py) whose JWKS the SDK's
validator is pointed at, so validation runs the SDK's real code path.

The app under test is the real one (`bot.web.build_app`, with credentials and the
tenant allow-list) in its own process on a loopback port, over a SQLite file (or a
scratch PostgreSQL database with --database-url). The pulse is opened beforehand
through `storage.pulse_repo`. A fake Bot Connector takes any outgoing call.

The baseline is the same load, same concurrency and same JWT validation, against a
minimal Agents SDK bot in its own process: CloudAdapter, the SDK's aiohttp JWT
middleware and an Agent that answers each invoke with a small card (InvokeResponse
200). The baseline runs first, then the bot; each gets a warm-up (the bot's warm-up
uses `pulse.refresh` from other people, which stores nothing).

    python bench/pulse.py [--users 2000] [--concurrency 50] [--database-url URL]
                          [--profile]   # cProfile the bot process, print the top costs

Goals: answers/s >= 0.7 of the baseline, p99 < 150 ms, exactly 2,000 answers stored.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import json
import logging
import os
import pstats
import resource
import signal
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import aiohttp  # noqa: E402
from aiohttp import web  # noqa: E402
from sqlmodel import SQLModel  # noqa: E402

import storage.models  # noqa: E402
import storage.pulse_models  # noqa: E402,F401
from bot.settings import Settings  # noqa: E402
from core.pulse import BUILT_IN  # noqa: E402
from storage import pulse_repo  # noqa: E402
from storage.db import Database, is_sqlite, normalise_url  # noqa: E402
from storage.models import Conversation, Unit  # noqa: E402
from tests.fakes.connector import FakeConnector  # noqa: E402
from tests.fakes.issuer import LocalIssuer  # noqa: E402
from tests.teams import TENANT, ActivityFactory, Channel, TeamsUser, new_channel  # noqa: E402

APP_ID = "6f1c2a3b-1111-4222-8333-444455556666"
SECRET = "bench-" + "s" * 40
WARMUP = 100
MAX_SECONDS = 120.0

# -- the servers, each in a child process ------------------------------------------------------


def bench_settings(database_url: str, data_dir: Path) -> Settings:
    return Settings(  # type: ignore[call-arg]
        _env_file=None,
        client_id=APP_ID,
        client_secret="not-used-by-the-fake",
        tenant_id=TENANT,
        secret=SECRET,
        database_url=database_url,
        data_dir=data_dir,
        admins=[],
        allowed_tenants=[],
    )


def echo_app(settings: Settings) -> web.Application:
    """The baseline: a minimal Agents SDK bot answering every invoke with a small card."""
    from microsoft_agents.activity import Activity, InvokeResponse
    from microsoft_agents.hosting.aiohttp import CloudAdapter, jwt_authorization_middleware
    from microsoft_agents.hosting.core import ConnectionManager, TurnContext

    from tests.fakes.tokens import FakeTokenProvider

    manager = ConnectionManager(provider_factory=FakeTokenProvider, **settings.sdk_configuration())
    adapter = CloudAdapter(connection_manager=manager)

    class EchoAgent:
        async def on_turn(self, context: TurnContext) -> None:
            if context.activity.type == "invoke":
                card = {
                    "type": "AdaptiveCard",
                    "version": "1.5",
                    "body": [{"type": "TextBlock", "text": "Tack!"}],
                }
                body = {
                    "statusCode": 200,
                    "type": "application/vnd.microsoft.card.adaptive",
                    "value": card,
                }
                await context.send_activity(
                    Activity(type="invokeResponse", value=InvokeResponse(status=200, body=body))
                )

    agent = EchoAgent()

    async def messages(request: web.Request) -> web.StreamResponse:
        response = await adapter.process(request, agent)  # type: ignore[arg-type]
        return response or web.Response(status=202)

    app = web.Application(middlewares=[jwt_authorization_middleware])
    app["agent_configuration"] = manager.get_default_connection_configuration()  # type: ignore[no-untyped-call]
    app.router.add_post("/api/messages", messages)
    return app


def serve(kind: str, config_file: str) -> None:
    """Child process: run the bot or the baseline until SIGTERM."""
    from bot.web import build_app
    from tests.fakes.issuer import install_jwks_hook
    from tests.fakes.tokens import FakeTokenProvider

    logging.basicConfig(level=logging.WARNING)
    logging.getLogger("microsoft_agents").setLevel(logging.ERROR)
    config = json.loads(Path(config_file).read_text())
    install_jwks_hook(config["jwks_url"], TENANT)
    settings = bench_settings(config["database_url"], Path(config["data_dir"]))
    profiler = cProfile.Profile(time.thread_time) if config.get("profile") else None

    async def run() -> None:
        db: Database | None = None
        if kind == "bot":
            pool = config.get("pool_size")
            extra = {"pool_size": pool, "max_overflow": 0} if pool else {}
            db = Database(settings.database_url, **extra)
            app = build_app(settings, db, provider_factory=FakeTokenProvider)
        else:
            app = echo_app(settings)
        runner = web.AppRunner(app, access_log=None)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0, backlog=1024)
        await site.start()
        port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        stop = asyncio.Event()
        asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, stop.set)
        started = resource.getrusage(resource.RUSAGE_SELF)
        await asyncio.to_thread(Path(config["port_file"]).write_text, str(port))
        if profiler:
            profiler.enable()
        await stop.wait()
        if profiler:
            profiler.disable()
        usage = resource.getrusage(resource.RUSAGE_SELF)
        cpu = usage.ru_utime + usage.ru_stime - started.ru_utime - started.ru_stime
        await asyncio.to_thread(Path(config["port_file"] + ".cpu").write_text, str(cpu))
        await runner.cleanup()
        if db is not None:
            await db.dispose()

    asyncio.run(run())
    if profiler:
        profiler.dump_stats(config["profile_file"])


@dataclass
class Server:
    proc: asyncio.subprocess.Process
    url: str
    cpu_file: Path

    def cpu_seconds(self) -> float | None:
        """The server process's CPU time (all threads) while it served; after stop()."""
        try:
            return float(self.cpu_file.read_text())
        except (OSError, ValueError):
            return None

    async def stop(self) -> None:
        if self.proc.returncode is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                await asyncio.wait_for(self.proc.wait(), 30)
            except TimeoutError:
                self.proc.kill()
                await self.proc.wait()


async def start_server(kind: str, config: dict[str, Any], workdir: Path) -> Server:
    port_file = workdir / f"{kind}.port"
    config_file = workdir / f"{kind}.json"
    config = {**config, "port_file": str(port_file)}
    config_file.write_text(json.dumps(config))
    proc = await asyncio.create_subprocess_exec(
        sys.executable, __file__, "--serve", kind, str(config_file), cwd=ROOT
    )
    deadline = time.monotonic() + 30
    while not port_file.exists() or not port_file.read_text():
        if proc.returncode is not None or time.monotonic() > deadline:
            proc.kill()
            raise SystemExit(f"the {kind} server did not start")
        await asyncio.sleep(0.05)
    url = f"http://127.0.0.1:{port_file.read_text()}/api/messages"
    return Server(proc, url, Path(str(port_file) + ".cpu"))


async def start_site(app: web.Application) -> tuple[web.AppRunner, str]:
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    return runner, f"http://127.0.0.1:{port}/"


# -- the database ------------------------------------------------------------------------------


async def scratch_postgres(url: str) -> tuple[str, str]:
    import asyncpg

    base = normalise_url(url).replace("+asyncpg", "")
    name = f"samverkan_bench_{uuid.uuid4().hex[:8]}"
    conn = await asyncpg.connect(base)
    try:
        await conn.execute(f'CREATE DATABASE "{name}"')
    finally:
        await conn.close()
    return base.rsplit("/", 1)[0] + "/" + name, name


async def drop_postgres(url: str, name: str) -> None:
    import asyncpg

    conn = await asyncpg.connect(normalise_url(url).replace("+asyncpg", ""))
    try:
        await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await conn.close()


async def open_pulse(db: Database, settings: Settings, channel: Channel) -> tuple[str, int]:
    """A unit, its channel and an open Samverkanspuls: (pulse ref, pulse id)."""
    async with db.engine.begin() as conn:
        await conn.run_sync(SQLModel.metadata.create_all)
    async with db.session() as s:
        unit = Unit(name="Östersund", level="cluster", defaults={})
        conv = Conversation(
            conversation_id=channel.conversation_id,
            kind="channel",
            tenant_id=TENANT,
            team_id=channel.team_id,
            channel_id=channel.channel_id,
            reference={},
        )
        s.add_all([unit, conv])
        await s.flush()
        assert conv.id is not None
        pulse = await pulse_repo.open_pulse(
            s, unit, conv.id, BUILT_IN["samverkanspuls"], secret=SECRET, zone=settings.zone
        )
        assert pulse.id is not None
        return pulse.ref, pulse.id


async def stored_answers(db: Database, pulse_id: int) -> int:
    async with db.session() as s:
        return await pulse_repo.answer_count(s, pulse_id)


# -- the load ----------------------------------------------------------------------------------


@dataclass
class Run:
    name: str
    seconds: float
    latencies: list[float]
    failures: int
    first_failure: str | None
    cpu_seconds: float | None = None

    @property
    def rate(self) -> float:
        return len(self.latencies) / self.seconds

    def pct(self, p: float) -> float:
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, int(p * len(ordered)))] * 1000


async def load(
    http: aiohttp.ClientSession,
    url: str,
    token: str,
    bodies: list[bytes],
    concurrency: int,
    expect: bytes,
) -> tuple[float, list[float], int, str | None]:
    """Post every body, `concurrency` at a time: (seconds, latencies of the good ones, failures)."""
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    queue = iter(bodies)
    latencies: list[float] = []
    failures = 0
    first_failure: str | None = None

    async def worker() -> None:
        nonlocal failures, first_failure
        for body in queue:
            began = time.perf_counter()
            async with http.post(url, data=body, headers=headers) as resp:
                raw = await resp.read()
            took = time.perf_counter() - began
            if resp.status == 200 and expect in raw:
                latencies.append(took)
            else:
                failures += 1
                first_failure = first_failure or f"{resp.status} {raw[:200]!r}"

    began = time.perf_counter()
    await asyncio.wait_for(
        asyncio.gather(*(worker() for _ in range(concurrency))), timeout=MAX_SECONDS
    )
    return time.perf_counter() - began, latencies, failures, first_failure


def invokes(
    teams: ActivityFactory, channel: Channel, verb: str, data: dict[str, Any], n: int, tag: str
) -> list[bytes]:
    people = [TeamsUser(name=f"{tag} {i}", upn=f"{tag.lower()}{i}@example.se") for i in range(n)]
    return [json.dumps(teams.invoke_action(channel, p, verb, data)).encode() for p in people]


async def measure(
    name: str,
    server: Server,
    http: aiohttp.ClientSession,
    token: str,
    warmup: list[bytes],
    bodies: list[bytes],
    args: argparse.Namespace,
    expect: bytes,
) -> Run:
    _, _, bad, why = await load(http, server.url, token, warmup, args.concurrency, b"")
    if bad:
        raise SystemExit(f"{name}: warm-up failed: {why}")
    seconds, latencies, failures, first = await load(
        http, server.url, token, bodies, args.concurrency, expect
    )
    return Run(name, seconds, latencies, failures, first)


def report(run: Run) -> None:
    print(
        f"{run.name:<9} {len(run.latencies):>5} ok {run.failures:>3} failed  "
        f"{run.rate:7.1f} answers/s  p50 {run.pct(0.50):6.1f} ms  p99 {run.pct(0.99):6.1f} ms"
        f"  ({run.seconds:.2f} s)"
    )
    if run.cpu_seconds is not None:
        served = len(run.latencies) + run.failures + WARMUP
        print(
            f"          server CPU {run.cpu_seconds:.1f} s = {run.cpu_seconds / served * 1000:.1f} ms"
            f" per request (warm-up included), {run.cpu_seconds / run.seconds:.0%} of one core"
        )
    if run.first_failure:
        print(f"          first failure: {run.first_failure}")


def _owner(filename: str) -> str:
    """Who a profiled function belongs to: a site-package, our package, or the stdlib."""
    if "site-packages/" in filename:
        return filename.split("site-packages/", 1)[1].split("/", 1)[0].removesuffix(".py")
    if filename.startswith(str(ROOT)):
        return "samverkan:" + filename[len(str(ROOT)) + 1 :].split("/", 1)[0]
    if filename.startswith(("~", "<")):
        return "builtins"
    return "stdlib:" + Path(filename).stem


def print_profile(path: Path, top: int = 20) -> None:
    """The bot process's main-thread CPU (cProfile on thread time): own time per
    package, then the top functions. Cumulative times mean little for coroutines."""
    stats = pstats.Stats(str(path))
    raw: dict[tuple[str, int, str], tuple[int, int, float, float, Any]] = stats.stats  # type: ignore[attr-defined]
    per_owner: dict[str, float] = {}
    for (filename, _, _), (_, _, tottime, _, _) in raw.items():
        owner = _owner(filename)
        per_owner[owner] = per_owner.get(owner, 0.0) + tottime
    total = sum(per_owner.values()) or 1.0
    print(f"\n-- bot process, main-thread CPU by package (cProfile, {total:.1f} s) --")
    for owner, seconds in sorted(per_owner.items(), key=lambda kv: -kv[1])[:top]:
        print(f"{seconds:7.2f} s {seconds / total:6.1%}  {owner}")
    print(f"-- top {top} functions by own time --")
    stats.sort_stats("tottime").print_stats(top)


async def bench(args: argparse.Namespace, workdir: Path) -> int:
    scratch: str | None = None
    admin_url = url = args.database_url or f"sqlite+aiosqlite:///{workdir / 'bench.db'}"
    if not is_sqlite(url):
        url, scratch = await scratch_postgres(admin_url)
    settings = bench_settings(url, workdir)

    issuer = LocalIssuer()
    connector = FakeConnector()
    issuer_runner, issuer_url = await start_site(issuer.app)
    connector_runner, connector_url = await start_site(connector.app)
    teams = ActivityFactory(connector_url)
    channel = new_channel()
    token = issuer.token(APP_ID)
    db = Database(url)
    servers: list[Server] = []
    try:
        ref, pulse_id = await open_pulse(db, settings, channel)
        answer = {"action": "pulse.answer", "pulse": ref, "q_collab": "4", "q_contact": "yes"}
        refresh = {"action": "pulse.refresh", "pulse": ref}
        bodies = invokes(teams, channel, "pulse.answer", answer, args.users, "Person")
        warm_bot = invokes(teams, channel, "pulse.refresh", refresh, WARMUP, "Warm")
        config = {
            "jwks_url": issuer_url + "keys",
            "database_url": url,
            "data_dir": str(workdir),
            "profile": args.profile,
            "pool_size": args.pool_size,
            "profile_file": str(workdir / "bot.prof"),
        }
        connector_limit = aiohttp.TCPConnector(limit=args.concurrency)
        async with aiohttp.ClientSession(connector=connector_limit) as http:
            echo = await start_server("echo", config, workdir)
            servers.append(echo)
            baseline = await measure(
                "baseline", echo, http, token, warm_bot, bodies, args, b"Tack!"
            )
            await echo.stop()
            baseline.cpu_seconds = echo.cpu_seconds()
            bot = await start_server("bot", config, workdir)
            servers.append(bot)
            ours = await measure(
                "samverkan", bot, http, token, warm_bot, bodies, args, b"Du svarade 4"
            )
            await bot.stop()
            ours.cpu_seconds = bot.cpu_seconds()
        stored = await stored_answers(db, pulse_id)
    finally:
        for server in servers:
            await server.stop()
        await db.dispose()
        await connector_runner.cleanup()
        await issuer_runner.cleanup()
        if scratch:
            await drop_postgres(admin_url, scratch)

    backend = "postgresql" if scratch else "sqlite (file)"
    print(
        f"{args.users} people answer one pulse through /api/messages (invoke adaptiveCard/action),"
        f" concurrency {args.concurrency}, JWT validation on (RS256, local issuer); {backend}"
    )
    report(baseline)
    report(ours)
    ratio = ours.rate / baseline.rate
    print(f"stored answers: {stored} (expected {args.users})")
    print(f"outgoing connector calls during the run: {len(connector.requests)}")
    print(f"ratio to baseline: {ratio:.2f} (goal >= 0.7); p99 {ours.pct(0.99):.1f} ms (goal < 150)")
    if args.profile:
        print_profile(workdir / "bot.prof")
    ok = stored == args.users and not ours.failures and not baseline.failures
    ok = ok and ratio >= 0.7 and ours.pct(0.99) < 150
    print("goal met" if ok else "GOAL NOT MET")
    return 0 if ok else 1


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    parser.add_argument("--users", type=int, default=2000)
    parser.add_argument("--concurrency", type=int, default=50)
    parser.add_argument("--database-url", default=os.environ.get("BENCH_DATABASE_URL"))
    parser.add_argument("--profile", action="store_true")
    parser.add_argument(
        "--pool-size",
        type=int,
        help="experiment: the bot's engine pool size (default: the app's own engine settings)",
    )
    parser.add_argument("--serve", nargs=2, metavar=("KIND", "CONFIG"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        serve(*args.serve)
        return 0
    logging.getLogger("microsoft_agents").setLevel(logging.ERROR)
    with tempfile.TemporaryDirectory() as tmp:
        return asyncio.run(bench(args, Path(tmp)))


if __name__ == "__main__":
    raise SystemExit(main())
