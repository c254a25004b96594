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

The load runs at several concurrencies (requests in flight at once; 10, 25 and 50 by
default), each with its own pulse, channel and 2,000 people. Latency at a given
concurrency is bounded below by Little's law (in flight / throughput): on a machine
where one core serves about 350 requests/s, 50 in flight means about 140 ms each for
any bot on the SDK, so the p99 goal is judged at the concurrencies where the baseline
itself meets it; the ratio and the stored count are judged at every concurrency.

    python bench/pulse.py [--users 2000] [--concurrency 10,25,50] [--database-url URL]
                          [--profile]   # cProfile both server processes, print the top costs

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
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import aiohttp  # noqa: E402
from aiohttp import web  # noqa: E402
from sqlmodel import SQLModel  # noqa: E402

import storage.models  # noqa: E402
import storage.pulse_models  # noqa: E402,F401
from bench.launch.scratch_db import drop_postgres, scratch_postgres  # noqa: E402
from core.pulse_templates import BUILT_IN  # noqa: E402
from infra.settings import Settings  # noqa: E402
from storage import pulse_answers_repo, pulse_repo  # noqa: E402
from storage.db import Database, is_sqlite  # noqa: E402
from storage.models import Conversation, Unit  # noqa: E402
from tests.fakes.connector import FakeConnector  # noqa: E402
from tests.fakes.issuer import LocalIssuer  # noqa: E402
from tests.teams import TENANT, ActivityFactory, Channel, TeamsUser, new_channel  # noqa: E402

APP_ID = "6f1c2a3b-1111-4222-8333-444455556666"
SECRET = "bench-" + "s" * 40
WARMUP = 100
MAX_SECONDS = 120.0
GOAL_RATIO = 0.7
GOAL_P99_MS = 150.0

# -- the servers, each in a child process ------------------------------------------------------


def bench_settings(database_url: str, data_dir: Path) -> Settings:
    return Settings(
        _env_file=None,
        client_id=APP_ID,
        client_secret="not-used-by-the-fake",
        tenant_id=TENANT,
        secret=SECRET,
        database_url=database_url,
        data_dir=data_dir,
        admins=[],
        allowed_tenants=[],
        service_url_hosts=["127.0.0.1"],  # the fake connector, on loopback
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
        response = await adapter.process(request, agent)
        return response or web.Response(status=202)

    app = web.Application(middlewares=[jwt_authorization_middleware])
    app["agent_configuration"] = manager.get_default_connection_configuration()
    app.router.add_post("/api/messages", messages)
    return app


def serve(kind: str, config_file: str) -> None:
    """Child process: run the bot or the baseline until SIGTERM."""
    from bot.web import build_app
    from runtime.process import settle_heap
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
            app.on_startup.append(settle_heap)  # as runtime.process.create_app does
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
        profiler.dump_stats(str(Path(config["data_dir"]) / f"{kind}.prof"))


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


async def open_pulse(
    db: Database, settings: Settings, channel: Channel, unit_name: str
) -> tuple[str, int]:
    """A unit, its channel and an open Samverkanspuls: (pulse ref, pulse id)."""
    async with db.session() as s:
        unit = Unit(name=unit_name, level="cluster", defaults={})
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
            s, unit, conv.id, BUILT_IN["samverkanspuls"], zone=settings.zone
        )
        assert pulse.id is not None
        return pulse.ref, pulse.id


async def stored_answers(db: Database, pulse_id: int) -> int:
    """Answers whose content is stored, once the bot has stopped: the last `threshold` of
    each pulse are held in memory (storage/answer_writer.py) and written at the stop."""
    async with db.session() as s:
        return await pulse_answers_repo.stored_count(s, pulse_id)


# -- the load ----------------------------------------------------------------------------------


@dataclass
class Run:
    name: str
    seconds: float
    latencies: list[float]
    failures: int
    first_failure: str | None

    @property
    def rate(self) -> float:
        return len(self.latencies) / self.seconds

    def pct(self, p: float) -> float:
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, int(p * len(ordered)))] * 1000

    def line(self) -> str:
        return f"{self.rate:7.1f}/s  p50 {self.pct(0.50):6.1f}  p99 {self.pct(0.99):6.1f} ms" + (
            f"  {self.failures} FAILED" if self.failures else ""
        )


@dataclass
class Level:
    """One concurrency: its own pulse, channel and people."""

    concurrency: int
    pulse_id: int
    bodies: list[bytes]
    warmup: list[bytes]
    runs: dict[str, Run] = field(default_factory=dict)
    stored: int = 0

    def ratio(self) -> float:
        return self.runs["samverkan"].rate / self.runs["baseline"].rate

    def verdict(self, users: int) -> tuple[bool, bool]:
        """(ratio and stored count met, p99 met)."""
        ours, base = self.runs["samverkan"], self.runs["baseline"]
        counted = self.stored == users and not ours.failures and not base.failures
        return counted and self.ratio() >= GOAL_RATIO, ours.pct(0.99) < GOAL_P99_MS


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
    levels: list[Level],
    expect: bytes,
) -> None:
    """Run every level against one server: warm-up, then the 2,000 answers."""
    for level in levels:
        _, _, bad, why = await load(http, server.url, token, level.warmup, level.concurrency, b"")
        if bad:
            raise SystemExit(f"{name}: warm-up failed: {why}")
        seconds, latencies, failures, first = await load(
            http, server.url, token, level.bodies, level.concurrency, expect
        )
        level.runs[name] = Run(name, seconds, latencies, failures, first)


def report(levels: list[Level], users: int, cpu: dict[str, float | None]) -> bool:
    print(f"{'in flight':>9}  {'baseline (SDK echo bot)':<40}{'samverkan':<40}ratio  stored")
    for lv in levels:
        base, ours = lv.runs["baseline"], lv.runs["samverkan"]
        print(
            f"{lv.concurrency:>9}  {base.line():<40}{ours.line():<40}{lv.ratio():5.2f}  {lv.stored}"
        )
        for run in (base, ours):
            if run.first_failure:
                print(f"          {run.name} first failure: {run.first_failure}")
    served = len(levels) * (users + WARMUP)
    for name, seconds in cpu.items():
        if seconds is not None:
            print(
                f"{name} server CPU: {seconds / served * 1000:.1f} ms per request (warm-up included)"
            )
    verdicts = [lv.verdict(users) for lv in levels]
    judged = [lv for lv in levels if lv.runs["baseline"].pct(0.99) < GOAL_P99_MS]
    ratio_ok = all(counted for counted, _ in verdicts)
    p99_ok = bool(judged) and all(lv.verdict(users)[1] for lv in judged)
    met = [str(lv.concurrency) for lv in levels if all(lv.verdict(users))]
    print(
        f"ratio >= {GOAL_RATIO} with {users} stored at every concurrency: "
        f"{'yes' if ratio_ok else 'NO'}"
    )
    print(
        f"p99 < {GOAL_P99_MS:.0f} ms at the concurrencies where the baseline's own p99 is: "
        f"{'yes' if p99_ok else 'NO'} (judged at {', '.join(str(lv.concurrency) for lv in judged) or 'none'};"
        f" every goal met at {', '.join(met) or 'none'})"
    )
    return ratio_ok and p99_ok


def _owner(filename: str) -> str:
    """Who a profiled function belongs to: a site-package, our package, or the stdlib."""
    if "site-packages/" in filename:
        return filename.split("site-packages/", 1)[1].split("/", 1)[0].removesuffix(".py")
    if filename.startswith(str(ROOT)):
        return "samverkan:" + filename[len(str(ROOT)) + 1 :].split("/", 1)[0]
    if filename.startswith(("~", "<")):
        return "builtins"
    return "stdlib:" + Path(filename).stem


def print_profile(path: Path, name: str, top: int = 20) -> None:
    """The bot process's main-thread CPU (cProfile on thread time): own time per
    package, then the top functions. Cumulative times mean little for coroutines."""
    stats = pstats.Stats(str(path))
    raw: dict[tuple[str, int, str], tuple[int, int, float, float, Any]] = stats.stats  # type: ignore[attr-defined]
    per_owner: dict[str, float] = {}
    for (filename, _, _), (_, _, tottime, _, _) in raw.items():
        owner = _owner(filename)
        per_owner[owner] = per_owner.get(owner, 0.0) + tottime
    total = sum(per_owner.values()) or 1.0
    print(f"\n-- {name} process, main-thread CPU by package (cProfile, {total:.1f} s) --")
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
    token = issuer.token(APP_ID, service_url=teams.service_url)
    db = Database(url)
    servers: list[Server] = []
    cpu: dict[str, float | None] = {}
    try:
        async with db.engine.begin() as conn:
            await conn.run_sync(SQLModel.metadata.create_all)
        levels: list[Level] = []
        for concurrency in args.concurrency:
            channel = new_channel()
            ref, pulse_id = await open_pulse(db, settings, channel, f"Enhet {concurrency}")
            answer = {"action": "pulse.answer", "pulse": ref, "q_collab": "4", "q_contact": "yes"}
            refresh = {"action": "pulse.refresh", "pulse": ref}
            tag = f"P{concurrency}x"
            levels.append(
                Level(
                    concurrency,
                    pulse_id,
                    invokes(teams, channel, "pulse.answer", answer, args.users, tag),
                    invokes(teams, channel, "pulse.refresh", refresh, WARMUP, "Warm" + tag),
                )
            )
        config = {
            "jwks_url": issuer_url + "keys",
            "database_url": url,
            "data_dir": str(workdir),
            "profile": args.profile,
            "pool_size": args.pool_size,
        }
        connector_limit = aiohttp.TCPConnector(limit=max(args.concurrency))
        async with aiohttp.ClientSession(connector=connector_limit) as http:
            for name, kind, expect in (
                ("baseline", "echo", b"Tack!"),
                ("samverkan", "bot", b"Du svarade 4"),
            ):
                server = await start_server(kind, config, workdir)
                servers.append(server)
                await measure(name, server, http, token, levels, expect)
                await server.stop()
                cpu[name] = server.cpu_seconds()
        for level in levels:
            level.stored = await stored_answers(db, level.pulse_id)
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
        f"{args.users} people per row answer one pulse through /api/messages (invoke"
        f" adaptiveCard/action), JWT validation on (RS256, local issuer); {backend}"
    )
    ok = report(levels, args.users, cpu)
    print(f"outgoing connector calls during the run: {len(connector.requests)}")
    if args.profile:
        print_profile(workdir / "echo.prof", "baseline", top=12)
        print_profile(workdir / "bot.prof", "bot")
    print("goal met" if ok else "GOAL NOT MET")
    return 0 if ok else 1


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    parser.add_argument("--users", type=int, default=2000)
    parser.add_argument(
        "--concurrency",
        type=lambda v: [int(x) for x in v.split(",")],
        default=[10, 25, 50],
        help="comma-separated requests in flight, one run each (default 10,25,50)",
    )
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
