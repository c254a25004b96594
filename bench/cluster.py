"""Several instances: inbound throughput behind nginx, and a county week of delivery.

    python bench/cluster.py [--requests 200] [--parallel 25] [--staff 10000] [--units 300]
                            [--database-url postgresql://postgres@127.0.0.1:5432/test]
                            [--skip-inbound] [--skip-week]

Both parts run `samverkan serve` instances (bench/launch/cluster.py) on a scratch
PostgreSQL database (created on the server --database-url names, dropped afterwards), in
anonymous local mode (JWT off: nginx talks to them from loopback), behind Debian's nginx.

1. Inbound: the mix of bench/inbound.py (`hjälp` at first contact, `hjälp` again, a card
   submit and an invoke pulse answer, from 300 channel members) through nginx to 1 and to
   3 instances, `--parallel` requests in flight; requests/s and p99 per load. Replies go
   to the fake Bot Connector (bench/inbound.py's, limits off) in its own process.
2. A county week, compressed: `--staff` people in `--units` units. A pulse card 1:1 to
   every person at once (Monday), the units' digests to their channels and managers and
   the units' meeting reminders a little later, and a pulse reminder 1:1 to half of the
   staff once the first burst is out, all queued in the outbox with those due times. Three
   instances: one leads and sends, through the fake Bot Connector enforcing Teams' limits
   (bench/fanout.py's, 50/s per app and tenant, per-conversation windows) in its own
   process. Printed: delivery time as a ratio of the fastest Teams allows (the earliest
   each message could go at 50/s after its due time; goal >= 0.9), for the whole week and
   for the Monday burst; lateness against that earliest time (p50, p99); lost and
   duplicated messages (goal 0 / 0).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import aiohttp  # noqa: E402
from sqlmodel import col, func, select  # noqa: E402

import storage.models  # noqa: E402,F401
from bench.fanout import connector_stats, start_connector  # noqa: E402
from bench.inbound import COORDINATOR, LOADS, loads, prepare_database, wait_file  # noqa: E402
from bench.launch.cluster import Instance, Nginx, find_nginx, leaders, reference  # noqa: E402
from bench.launch.scratch_db import drop_postgres, scratch_postgres  # noqa: E402
from storage.db import Database  # noqa: E402
from storage.models import OutboxMessage  # noqa: E402
from storage.pulse_models import Pulse  # noqa: E402
from storage.types import utcnow  # noqa: E402
from tests.conftest import create_schema  # noqa: E402
from tests.support.outbox import channel_conversations, message  # noqa: E402
from tests.teams import ActivityFactory, Channel, new_channel  # noqa: E402

RATE = 50.0  # Teams: messages per second per app and tenant


class Cluster:
    """n instances on `database_url` behind nginx, started and stopped together."""

    def __init__(self, n: int, workdir: Path, database_url: str, **env: str) -> None:
        binary = find_nginx()
        if binary is None:
            raise SystemExit("nginx is not installed (apt-get install nginx)")
        self.instances = [Instance(f"i{k}", workdir, database_url, **env) for k in range(n)]
        self.nginx = Nginx(workdir, [i.port for i in self.instances], binary)

    async def __aenter__(self) -> Cluster:
        for instance in self.instances:
            instance.start()
        self.nginx.start()
        async with aiohttp.ClientSession() as http:
            await asyncio.gather(*(i.wait_live(http) for i in self.instances))
            deadline = time.monotonic() + 20
            while not await leaders(http, self.instances):
                if time.monotonic() > deadline:
                    raise SystemExit("no leader within 20 s")
                await asyncio.sleep(0.2)
        return self

    async def __aexit__(self, *_exc: object) -> None:
        self.nginx.stop()
        await asyncio.gather(*(asyncio.to_thread(i.stop) for i in self.instances))

    @property
    def url(self) -> str:
        return self.nginx.url + "/api/messages"


# -- 1. inbound -------------------------------------------------------------------------------

Make = Callable[[int], dict[str, Any]]


async def run_load(
    http: aiohttp.ClientSession, url: str, make: Make, n: int, parallel: int
) -> dict[str, float]:
    latencies: list[float] = []
    statuses: Counter[int] = Counter()
    counter = iter(range(n))

    async def worker() -> None:
        for i in counter:
            t0 = time.perf_counter()
            async with http.post(url, json=make(i)) as resp:
                await resp.read()
            latencies.append(time.perf_counter() - t0)
            statuses[resp.status] += 1

    for i in range(min(20, n)):  # warm-up, not measured
        async with http.post(url, json=make(n + i)) as resp:
            await resp.read()
    start = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(parallel)))
    elapsed = time.perf_counter() - start
    latencies.sort()
    ok = statuses[200] + statuses[202]
    return {
        "rps": n / elapsed,
        "p99_ms": latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))] * 1000,
        "not_ok": float(n - ok),
    }


async def open_pulse(
    http: aiohttp.ClientSession, url: str, teams: ActivityFactory, db_url: str
) -> tuple[Channel, str]:
    channel = new_channel("Östersund samverkan")
    for act in (
        teams.install_in_team(channel, COORDINATOR),
        teams.channel_message(channel, COORDINATOR, "setup Östersund"),
        teams.channel_message(channel, COORDINATOR, "puls start"),
    ):
        async with http.post(url, json=act) as resp:
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
                raise SystemExit("no pulse opened; see the instances' logs")
            await asyncio.sleep(0.1)
    finally:
        await db.dispose()


async def inbound(
    args: argparse.Namespace, workdir: Path
) -> dict[tuple[int, str], dict[str, float]]:
    port_file = workdir / "inbound-connector.port"
    member = "|".join(
        (COORDINATOR.channel_id, COORDINATOR.aad_object_id, COORDINATOR.name, COORDINATOR.upn)
    )
    connector = await asyncio.to_thread(
        subprocess.Popen,
        [sys.executable, str(ROOT / "bench" / "inbound.py"), "--serve-connector", str(port_file),
         "--member", member],
        cwd=ROOT,
    )  # fmt: skip
    results: dict[tuple[int, str], dict[str, float]] = {}
    try:
        service_url = f"http://127.0.0.1:{wait_file(port_file, connector, 'the connector')}/"
        teams = ActivityFactory(service_url)
        for n in (1, 3):
            url, name = await scratch_postgres(args.database_url)
            try:
                await prepare_database(url)
                async with (
                    Cluster(n, workdir / f"inbound-{n}", url) as cluster,
                    aiohttp.ClientSession(
                        connector=aiohttp.TCPConnector(limit=args.parallel)
                    ) as http,
                ):
                    channel, ref = await open_pulse(http, cluster.url, teams, url)
                    for load, make in loads(teams, channel, ref).items():
                        results[(n, load)] = await run_load(
                            http, cluster.url, make, args.requests, args.parallel
                        )
                        r = results[(n, load)]
                        print(f"  {n} instance(s) {load:<14} {r['rps']:6.0f}/s p99 "
                              f"{r['p99_ms']:6.0f} ms", flush=True)  # fmt: skip
            finally:
                await drop_postgres(args.database_url, name)
    finally:
        connector.terminate()
        connector.wait()
    return results


# -- 2. a county week ------------------------------------------------------------------------


def earliest(due: list[float], rate: float = RATE) -> list[float]:
    """The earliest time each message (sorted by due time) can go at `rate` per second."""
    out: list[float] = []
    last = float("-inf")
    for d in due:
        last = max(d, last + 1.0 / rate)
        out.append(last)
    return out


async def fill_week(
    url: str, service_url: str, staff: int, units: int, start: datetime
) -> dict[str, datetime]:
    """Queue the week; returns each message's key with its due time."""
    db = Database(url)
    due: dict[str, datetime] = {}
    pulse_burst = staff / RATE  # the Monday burst alone, at the fastest allowed
    try:
        async with db.session() as s:
            people = channel_conversations(service_url, "staff-", staff, reference)
            channels = channel_conversations(service_url, "unit-", units, reference)
            s.add_all(people + channels)
            await s.flush()
            rows: list[OutboxMessage] = []

            def queue(key: str, conversation: Any, at: datetime) -> None:
                row = message(key, conversation)
                row.next_attempt_at = at
                rows.append(row)
                due[key] = at

            for p in people:  # Monday 08:00: the pulse, 1:1 to everyone
                queue(f"pulse:{p.id}", p, start)
            digest_at = start + timedelta(seconds=pulse_burst * 0.3)
            for u, c in enumerate(channels):  # Monday 09:00: digests, channel and manager
                queue(f"digest:{c.id}", c, digest_at)
                queue(f"digest-manager:{u}", people[u * (staff // units)], digest_at)
            meeting_at = start + timedelta(seconds=pulse_burst * 0.6)
            for c in channels:  # Tuesday: meeting reminders in the units' channels
                queue(f"meeting:{c.id}", c, meeting_at)
            reminder_at = start + timedelta(seconds=pulse_burst * 1.3)
            for p in people[::2]:  # Wednesday: the pulse reminder to those yet to answer
                queue(f"reminder:{p.id}", p, reminder_at)
            s.add_all(rows)
    finally:
        await db.dispose()
    return due


async def sent_times(url: str) -> tuple[int, dict[str, datetime]]:
    db = Database(url)
    try:
        async with db.read() as s:
            open_rows = (
                await s.execute(select(func.count()).where(col(OutboxMessage.status) != "sent"))
            ).scalar_one()
            rows = await s.execute(
                select(col(OutboxMessage.idempotency_key), col(OutboxMessage.sent_at)).where(
                    col(OutboxMessage.status) == "sent"
                )
            )
            return int(open_rows), {k: at for k, at in rows.all() if at is not None}
    finally:
        await db.dispose()


async def week(args: argparse.Namespace, workdir: Path) -> dict[str, float]:
    connector, service_url = await asyncio.to_thread(start_connector, RATE, workdir)
    url, name = await scratch_postgres(args.database_url)
    try:
        await asyncio.to_thread(create_schema, url)
        async with Cluster(3, workdir / "week", url):
            start = utcnow() + timedelta(seconds=20)
            due = await fill_week(url, service_url, args.staff, args.units, start)
            print(f"  queued {len(due)} messages; the week starts in "
                  f"{(start - utcnow()).total_seconds():.0f} s", flush=True)  # fmt: skip
            order = sorted(due, key=lambda k: (due[k], k))
            t0 = min(due.values())
            best = earliest([(due[k] - t0).total_seconds() for k in order])
            deadline = time.monotonic() + best[-1] * 2 + 120
            while True:
                open_rows, sent = await sent_times(url)
                if not open_rows or time.monotonic() > deadline:
                    break
                await asyncio.sleep(2)
            stats = await connector_stats(service_url)
    finally:
        connector.terminate()
        connector.wait()
        await drop_postgres(args.database_url, name)
    texts = Counter(str(t) for t in stats["texts"])  # type: ignore[attr-defined]
    lost = sum(1 for k in due if k not in texts)
    duplicated = sum(n - 1 for k, n in texts.items() if k in due and n > 1)
    actual = {k: (sent[k] - t0).total_seconds() for k in sent}
    ideal = dict(zip(order, best, strict=True))
    lateness = sorted(max(0.0, actual[k] - ideal[k]) for k in order if k in actual)
    pulse_keys = [k for k in order if k.startswith("pulse:")]
    pulse_ideal = max(ideal[k] for k in pulse_keys)
    pulse_actual = max(actual.get(k, float("inf")) for k in pulse_keys)
    first_due = (due[order[0]] - t0).total_seconds()
    return {
        "messages": float(len(due)),
        "ideal_s": best[-1] - first_due,
        "actual_s": max(actual.values()) - first_due if actual else float("inf"),
        "ratio": (best[-1] - first_due) / (max(actual.values()) - first_due) if actual else 0,
        "pulse_ratio": pulse_ideal / pulse_actual if pulse_actual else 0.0,
        "late_p50_ms": statistics.median(lateness) * 1000 if lateness else float("nan"),
        "late_p99_ms": lateness[min(len(lateness) - 1, int(len(lateness) * 0.99))] * 1000
        if lateness
        else float("nan"),
        "lost": float(lost + open_rows),
        "duplicated": float(duplicated),
        "throttled": float(stats["throttled"]),  # type: ignore[arg-type]
    }


async def main(args: argparse.Namespace) -> None:
    workdir = Path(tempfile.mkdtemp(prefix="bench-cluster-"))
    load = os.getloadavg()
    print(f"load average at start: {load[0]:.1f} {load[1]:.1f} {load[2]:.1f} "
          f"({os.cpu_count()} cores)", flush=True)  # fmt: skip
    if not args.skip_inbound:
        print("\n1. inbound through nginx (JWT off, loopback)", flush=True)
        results = await inbound(args, workdir)
        print(f"\n{args.requests} requests per load, {args.parallel} in flight")
        print(f"{'load':<16}{'1: req/s':>10}{'p99 ms':>9}{'3: req/s':>10}{'p99 ms':>9}"
              f"{'3 / 1':>7}")  # fmt: skip
        for name in LOADS:
            one, three = results[(1, name)], results[(3, name)]
            print(f"{name:<16}{one['rps']:>10.0f}{one['p99_ms']:>9.0f}{three['rps']:>10.0f}"
                  f"{three['p99_ms']:>9.0f}{three['rps'] / one['rps']:>7.2f}")  # fmt: skip
        failures = sum(r["not_ok"] for r in results.values())
        if failures:
            print(f"{failures:.0f} requests were not answered 200/202")
    if not args.skip_week:
        print(f"\n2. a county week: {args.staff} staff in {args.units} units, 3 instances",
              flush=True)  # fmt: skip
        w = await week(args, workdir)
        print(f"messages {w['messages']:.0f}: fastest allowed {w['ideal_s']:.1f} s, "
              f"took {w['actual_s']:.1f} s")  # fmt: skip
        print(f"delivery time ratio (fastest allowed / actual): week {w['ratio']:.3f}, "
              f"Monday pulse burst {w['pulse_ratio']:.3f} (goal >= 0.9)")  # fmt: skip
        print(f"lateness against the earliest allowed time: p50 {w['late_p50_ms']:.0f} ms, "
              f"p99 {w['late_p99_ms']:.0f} ms")  # fmt: skip
        print(f"lost {w['lost']:.0f}, duplicated {w['duplicated']:.0f}, "
              f"429 answers {w['throttled']:.0f} (goal 0 / 0 / 0)")  # fmt: skip


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--parallel", type=int, default=25)
    parser.add_argument("--staff", type=int, default=10_000)
    parser.add_argument("--units", type=int, default=300)
    parser.add_argument(
        "--database-url",
        default=os.environ.get("SAMVERKAN_TEST_PG", "postgresql://postgres@127.0.0.1:5432/test"),
    )
    parser.add_argument("--skip-inbound", action="store_true")
    parser.add_argument("--skip-week", action="store_true")
    asyncio.run(main(parser.parse_args()))
