"""Inbound benchmark: requests/s, p50/p99 and server RSS for three kinds of activity, JWT on.

    python bench/inbound.py [--requests 600] [--rounds 6] [--parallel 25]

Each server runs in its own process (bench/launch/bot_server.py) on loopback with JWT
validation on against a local issuer (tests/fakes/issuer.py; its JWKS served here) and
outgoing tokens from tests/fakes/tokens.py. Replies go to the fake Bot Connector in a
third process, with Teams' rate limits off (this measures the bot, not the limits).

Servers: Samverkan (`runtime.process.create_app` on a SQLite file: web app, leader,
scheduler, outbox dispatcher) and a minimal Agents SDK echo bot (CloudAdapter + a
trivial Agent, same JWT configuration); each with the SDK's per-turn ClientSessions and
with one shared session (`--shared-sessions`, bench/launch/bot_server.py
InboundSharedFactory).

Loads, from 1,000 channel members: `hjälp` in a channel (a card reply) from people who
never wrote before ("first contact": the bot asks the roster for each one's UPN and
remembers it), `hjälp` again from the same people ("command"), an Action.Submit pulse
answer (a message with `value.action`, a text reply), and an `adaptiveCard/action`
invoke pulse answer (the card comes back in the HTTP answer). Bounded: requests x loads
x servers, then stop.

The four servers run side by side, and each load is sent in rounds: in every round the bot
and the echo bot get the same slice of requests, one after the other, the bot first in even
rounds. A ratio is then taken over the same minutes of the machine's life, so drift (another
process, CPU frequency) weighs on both sides alike; the rounds' own ratios show the spread.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import aiohttp  # noqa: E402
from aiohttp import web  # noqa: E402
from sqlmodel import SQLModel, select  # noqa: E402

import storage.models  # noqa: E402,F401
from storage.db import Database  # noqa: E402
from storage.models import RoleAssignment, Unit  # noqa: E402
from storage.pulse_models import Pulse  # noqa: E402
from tests.fakes.issuer import LocalIssuer  # noqa: E402
from tests.teams import TENANT, ActivityFactory, Channel, TeamsUser, new_channel  # noqa: E402

APP_ID = "6f1c2a3b-1111-4222-8333-444455556666"
LAUNCHER = ROOT / "bench" / "launch" / "bot_server.py"
COORDINATOR = TeamsUser(name="Karin Samordnare", upn="karin@example.se")
# The people sending the loads: channel members (the fake connector's roster knows them),
# with ids fixed so that the connector's process and this one agree.
PEOPLE = [
    TeamsUser(
        name=f"Person {i}",
        aad_object_id=str(uuid.uuid5(uuid.NAMESPACE_URL, f"samverkan-bench/p{i}")),
        upn=f"p{i}@example.se",
    )
    for i in range(1000)
]
WARM_UP = 20  # the last people, never first contacts in the measured rounds
MODES = ("", " +shared")  # per-turn ClientSessions, one shared session


# -- the fake connector, in a child process ---------------------------------------------------


def serve_connector(port_file: str, member: str) -> None:
    from tests.fakes.connector import FakeConnector

    fake = FakeConnector(enforce_limits=False)
    user_id, aad, name, upn = member.split("|")
    fake.add_member(user_id, aad_object_id=aad, name=name, upn=upn)
    for person in PEOPLE:
        fake.add_member(
            person.channel_id, aad_object_id=person.aad_object_id, name=person.name, upn=person.upn
        )

    async def run() -> None:
        runner = web.AppRunner(fake.app, access_log=None)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        await asyncio.to_thread(Path(port_file).write_text, str(port))
        while True:  # the posted list would grow for ever; keep the process small
            await asyncio.sleep(1)
            fake.posted.clear()
            fake.by_id.clear()
            fake.requests.clear()
            fake.auth_headers.clear()
            fake.user_agents.clear()

    asyncio.run(run())


def wait_file(path: Path, proc: subprocess.Popen[bytes], what: str) -> str:
    deadline = time.monotonic() + 30
    while not path.exists() or not path.read_text():
        if time.monotonic() > deadline or proc.poll() is not None:
            proc.kill()
            raise SystemExit(f"{what} did not start")
        time.sleep(0.05)
    return path.read_text()


# -- servers ----------------------------------------------------------------------------------


class Server:
    def __init__(self, label: str, args: list[str], log: Path) -> None:
        self.label = label
        self._log = log.open("w")
        self.proc = subprocess.Popen(
            [sys.executable, str(LAUNCHER), *args],
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=self._log,
            text=True,
        )
        assert self.proc.stdout is not None
        line = self.proc.stdout.readline()
        if not line:
            raise SystemExit(f"{label} did not start; see {log}")
        self.port = int(json.loads(line)["port"])
        self.url = f"http://127.0.0.1:{self.port}/api/messages"

    def cpu_seconds(self) -> float:
        """User + system CPU time the server process has used so far."""
        fields = Path(f"/proc/{self.proc.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def rss_mb(self) -> tuple[float, float]:
        """(current, peak) resident set size in MB."""
        values: dict[str, float] = {}
        for line in Path(f"/proc/{self.proc.pid}/status").read_text().splitlines():
            key, _, rest = line.partition(":")
            if key in ("VmRSS", "VmHWM"):
                values[key] = int(rest.split()[0]) / 1024
        return values["VmRSS"], values["VmHWM"]

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        self._log.close()


# -- load ----------------------------------------------------------------------------------------

Make = Callable[[int], dict[str, Any]]


class Tally:
    """One server's measurements under one load, summed over the rounds."""

    def __init__(self) -> None:
        self.latencies: list[float] = []
        self.elapsed = 0.0
        self.sent = 0
        self.not_ok = 0
        self.round_rps: list[float] = []
        self.cpu = 0.0  # the server's CPU seconds during the tally's rounds

    def summary(self) -> dict[str, float]:
        lat = sorted(self.latencies)
        return {
            "rps": self.sent / self.elapsed,
            "p50_ms": statistics.median(lat) * 1000,
            "p99_ms": lat[min(len(lat) - 1, int(len(lat) * 0.99))] * 1000,
            "not_ok": float(self.not_ok),
            "cpu_ms": self.cpu / self.sent * 1000,
        }


async def run_chunk(
    http: aiohttp.ClientSession,
    url: str,
    token: str,
    make: Make,
    indices: range,
    parallel: int,
    tally: Tally,
) -> None:
    """Send `make(i)` for each index, `parallel` in flight; add what was seen to the tally."""
    counter = iter(indices)
    headers = {"Authorization": f"Bearer {token}"}

    async def worker() -> None:
        for i in counter:
            body = make(i)
            t0 = time.perf_counter()
            async with http.post(url, json=body, headers=headers) as resp:
                await resp.read()
            tally.latencies.append(time.perf_counter() - t0)
            if resp.status not in (200, 202):
                tally.not_ok += 1

    start = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(parallel)))
    elapsed = time.perf_counter() - start
    tally.elapsed += elapsed
    tally.sent += len(indices)
    tally.round_rps.append(len(indices) / elapsed)


def loads(teams: ActivityFactory, channel: Channel, ref: str) -> dict[str, Make]:
    people = PEOPLE

    def command(i: int) -> dict[str, Any]:
        return teams.channel_message(channel, people[i % len(people)], "hjälp")

    def answer(i: int) -> dict[str, Any]:
        return {
            "action": "pulse.answer",
            "pulse": ref,
            "q_collab": str(i % 5 + 1),
            "q_contact": "yes",
        }

    def submit(i: int) -> dict[str, Any]:
        return teams.card_submit(channel, people[i % len(people)], answer(i))

    def invoke(i: int) -> dict[str, Any]:
        return teams.invoke_action(channel, people[i % len(people)], "pulse.answer", answer(i))

    # "first contact": nobody has written before, so each command also asks the roster
    # for the person's UPN and remembers it; "command": the same people again.
    return {"first contact": command, "command": command, "card submit": submit, "invoke": invoke}


# First contact must come first: "command" is the same people again.
LOADS = ("first contact", "command", "card submit", "invoke")


# -- setup ---------------------------------------------------------------------------------------


async def prepare_database(url: str) -> None:
    db = Database(url)
    async with db.engine.begin() as conn:
        await conn.run_sync(SQLModel.metadata.create_all)
    async with db.session() as s:
        county = Unit(name="Jämtland", level="macro", defaults={})
        s.add(county)
        await s.flush()
        unit = Unit(name="Östersund", level="cluster", parent_id=county.id, defaults={})
        s.add(unit)
        await s.flush()
        assert unit.id is not None
        s.add(RoleAssignment(unit_id=unit.id, person=COORDINATOR.upn, role="coordinator"))
    await db.dispose()


async def open_pulse(
    http: aiohttp.ClientSession,
    url: str,
    token: str | None,
    teams: ActivityFactory,
    db_url: str,
) -> tuple[Channel, str]:
    """Set up a channel and open a pulse through the bot (without a token: JWT off)."""
    channel = new_channel("Östersund samverkan")
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    for act in (
        teams.install_in_team(channel, COORDINATOR),
        teams.channel_message(channel, COORDINATOR, "setup Östersund"),
        teams.channel_message(channel, COORDINATOR, "puls start"),
    ):
        async with http.post(url, json=act, headers=headers) as resp:
            await resp.read()
            assert resp.status in (200, 202), resp.status
    db = Database(db_url)
    try:
        deadline = time.monotonic() + 20
        while True:
            async with db.session() as s:
                pulse = (await s.execute(select(Pulse))).scalars().first()
            if pulse is not None:
                return channel, pulse.ref
            if time.monotonic() > deadline:
                raise SystemExit("no pulse opened; see the server logs")
            await asyncio.sleep(0.1)
    finally:
        await db.dispose()


async def start_server(
    label: str, kind: str, shared: bool, workdir: Path, jwt_args: list[str]
) -> tuple[Server, str]:
    db_url = f"sqlite+aiosqlite:///{workdir / (label.replace(' +', '-') + '.db')}"
    await prepare_database(db_url)
    server_args = [
        "--database-url", db_url,
        "--data-dir", str(workdir / "data"),
        "--command-rate", "10000",
        "--command-burst", "10000",
        *jwt_args,
    ]  # fmt: skip
    if kind == "echo":
        server_args.append("--echo")
    if shared:
        server_args.append("--shared-sessions")
    server = await asyncio.to_thread(Server, label, server_args, workdir / f"{label}.log")
    return server, db_url


async def main(args: argparse.Namespace) -> None:
    if args.requests > len(PEOPLE) - WARM_UP:
        raise SystemExit(
            f"--requests at most {len(PEOPLE) - WARM_UP}: first contact needs new people"
        )
    workdir = Path(tempfile.mkdtemp(prefix="bench-inbound-"))
    port_file = workdir / "connector.port"
    member = "|".join(
        (COORDINATOR.channel_id, COORDINATOR.aad_object_id, COORDINATOR.name, COORDINATOR.upn)
    )
    connector = await asyncio.to_thread(
        subprocess.Popen,
        [sys.executable, __file__, "--serve-connector", str(port_file), "--member", member],
        cwd=ROOT,
    )
    issuer = LocalIssuer()
    runner = web.AppRunner(issuer.app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    jwks = f"http://127.0.0.1:{site._server.sockets[0].getsockname()[1]}/keys"  # type: ignore[union-attr]
    jwt_args = ["--jwks-url", jwks, "--app-id", APP_ID, "--tenant", TENANT]
    tallies: dict[tuple[str, str], Tally] = {}
    rss: dict[str, tuple[float, float, float]] = {}
    servers: dict[str, Server] = {}
    try:
        service_url = f"http://127.0.0.1:{wait_file(port_file, connector, 'the connector')}/"
        teams = ActivityFactory(service_url)
        # As the Bot Connector's tokens do, this one names the connector it came through.
        token = issuer.token(APP_ID, service_url=teams.service_url)
        async with aiohttp.ClientSession(
            connector=aiohttp.TCPConnector(limit=args.parallel)
        ) as http:
            # All four servers run side by side, so the bot and the echo bot can take turns.
            makes: dict[str, dict[str, Make]] = {}
            for mode in MODES:
                for kind in ("samverkan", "echo"):
                    label = f"{kind}{mode}"
                    server, db_url = await start_server(label, kind, bool(mode), workdir, jwt_args)
                    servers[label] = server
                    if kind == "samverkan":
                        channel, ref = await open_pulse(http, server.url, token, teams, db_url)
                    else:
                        channel, ref = new_channel(), "p-echo"
                    makes[label] = loads(teams, channel, ref)
                    # Warm-up, not measured: people the measured first contacts never use.
                    warm = range(len(PEOPLE) - WARM_UP, len(PEOPLE))
                    for load in LOADS[1:]:
                        await run_chunk(
                            http, server.url, token, makes[label][load], warm, 4, Tally()
                        )
            for label, server in servers.items():
                rss[label] = (server.rss_mb()[0], 0.0, 0.0)
            # Each load in rounds; in each round the bot and the echo bot each get a slice of
            # the same requests, in alternating order (bot first in even rounds), so a machine
            # that speeds up or slows down during the run weighs on both alike.
            chunk = args.requests // args.rounds
            for load in args.loads:
                for mode in MODES:
                    pair = [f"samverkan{mode}", f"echo{mode}"]
                    for r in range(args.rounds):
                        indices = range(r * chunk, (r + 1) * chunk)
                        for label in pair if r % 2 == 0 else reversed(pair):
                            tally = tallies.setdefault((label, load), Tally())
                            cpu = servers[label].cpu_seconds()
                            await run_chunk(
                                http, servers[label].url, token, makes[label][load],
                                indices, args.parallel, tally,
                            )  # fmt: skip
                            tally.cpu += servers[label].cpu_seconds() - cpu
            for label, server in servers.items():
                now, peak = server.rss_mb()
                rss[label] = (rss[label][0], now, peak)
    finally:
        for server in servers.values():
            server.stop()
        await runner.cleanup()
        connector.terminate()
        connector.wait()
    report(args, tallies, rss)


def report(
    args: argparse.Namespace,
    tallies: dict[tuple[str, str], Tally],
    rss: dict[str, tuple[float, float, float]],
) -> None:
    results = {key: t.summary() for key, t in tallies.items()}
    chunk = args.requests // args.rounds
    print(
        f"\n{chunk * args.rounds} requests per load and server in {args.rounds} alternating"
        f" rounds, {args.parallel} in flight, JWT on, loopback"
    )
    print(
        f"{'server':<20}{'load':<15}{'req/s':>8}{'p50 ms':>9}{'p99 ms':>9}{'not 2xx':>9}"
        f"{'CPU ms/req':>11}"
    )
    for (label, load), r in results.items():
        print(
            f"{label:<20}{load:<15}{r['rps']:>8.0f}{r['p50_ms']:>9.1f}{r['p99_ms']:>9.1f}"
            f"{r['not_ok']:>9.0f}{r['cpu_ms']:>11.2f}"
        )
    print(f"\n{'server':<20}{'RSS start MB':>13}{'RSS end MB':>12}{'peak MB':>9}")
    for label, (start, now, peak) in rss.items():
        print(f"{label:<20}{start:>13.1f}{now:>12.1f}{peak:>9.1f}")
    print(
        "\nratios, samverkan / echo in the same session mode: req/s over all rounds;"
        " the rounds' own req/s ratios (median, min-max); p50; p99; and echo / samverkan"
        " server CPU per request (what the req/s ratio tends to when the server is the"
        " bottleneck, whatever else the machine runs)"
    )
    for load in args.loads:
        for mode in MODES:
            s, e = tallies[(f"samverkan{mode}", load)], tallies[(f"echo{mode}", load)]
            rs, re_ = results[(f"samverkan{mode}", load)], results[(f"echo{mode}", load)]
            rounds = [a / b for a, b in zip(s.round_rps, e.round_rps, strict=True)]
            print(
                f"  {load:<14}{mode or ' per-turn':<9} {rs['rps'] / re_['rps']:6.2f}"
                f"   {statistics.median(rounds):5.2f} ({min(rounds):.2f}-{max(rounds):.2f})"
                f" {rs['p50_ms'] / re_['p50_ms']:6.2f} {rs['p99_ms'] / re_['p99_ms']:6.2f}"
                f" {re_['cpu_ms'] / rs['cpu_ms']:6.2f}"
            )
    print("\nshared session vs per-turn sessions (req/s ratio):")
    for kind in ("samverkan", "echo"):
        for load in args.loads:
            a, b = results[(f"{kind} +shared", load)], results[(kind, load)]
            print(f"  {kind:<10}{load:<14} {a['rps'] / b['rps']:6.2f}")
    failures = sum(r["not_ok"] for r in results.values())
    if failures:
        raise SystemExit(f"{failures:.0f} requests were not answered 200/202")


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=600, help="per load and server")
    parser.add_argument("--rounds", type=int, default=6, help="alternating bot/echo slices")
    parser.add_argument("--parallel", type=int, default=25, help="requests in flight")
    parser.add_argument(
        "--loads", nargs="+", choices=LOADS, default=list(LOADS), help="a subset, to profile one"
    )
    parser.add_argument("--serve-connector", help=argparse.SUPPRESS)
    parser.add_argument("--member", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve_connector:
        serve_connector(args.serve_connector, args.member)
    else:
        os.environ.setdefault("SAMVERKAN_LOG", "error")
        asyncio.run(main(args))
