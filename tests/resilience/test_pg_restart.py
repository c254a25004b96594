"""PostgreSQL stopped and restarted under load: clean failures, self-recovery, no lost row.

The bot is the real app (`runtime.process.create_app`) in a subprocess on PostgreSQL. While
a steady stream of channel commands and outbox enqueues runs, the server is (1) stopped,
held down for a few seconds and started again, then (2) restarted with `restart`.
While it is down every request still gets 200/202 (the agent catches the handler's
database error and says so in the chat) and /healthz answers 503; after it is back the
bot answers commands and /healthz 200 by itself within seconds; every outbox row whose
enqueue committed ends `sent` and reached the fake Bot Connector.

Marked `pg_restart`: it stops the server every other test uses, so it runs alone.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import aiohttp
import pytest
from sqlmodel import col, select

from i18n.texts import TEXTS
from storage import outbox_repo
from storage.db import Database
from storage.models import Conversation, OutboxMessage
from tests.delivery.conftest import reference
from tests.fakes.connector import FakeConnector
from tests.support.processes import (
    BotProcess,
    ensure_running,
    pg_ctl,
    require_pg_control,
    wait_accepting,
)
from tests.teams import ActivityFactory, TeamsUser, new_channel

pytestmark = pytest.mark.pg_restart

CONVERSATIONS = 20
DOWN_SECONDS = 4.0
RECOVERY_LIMIT = 15.0  # seconds from "server accepts connections" to a working bot
ERROR_TEXT = TEXTS["error.generic"]["sv"]


@dataclass
class Record:
    statuses: list[tuple[float, int]] = field(default_factory=list)  # (monotonic, status)
    health: list[tuple[float, int]] = field(default_factory=list)
    sent_commands: dict[str, float] = field(default_factory=dict)  # reply conversation -> t
    committed: list[str] = field(default_factory=list)  # outbox keys whose enqueue committed
    enqueue_failures: int = 0


async def _seed(db: Database, service_url: str) -> list[int]:
    async with db.session() as s:
        convs = [
            Conversation(
                conversation_id=f"19:pgr{i}@thread.tacv2",
                kind="channel",
                reference=reference(service_url, f"19:pgr{i}@thread.tacv2"),
            )
            for i in range(CONVERSATIONS)
        ]
        s.add_all(convs)
        await s.flush()
        return [c.id for c in convs if c.id is not None]


async def _commands(
    http: aiohttp.ClientSession,
    bot: BotProcess,
    teams: ActivityFactory,
    rec: Record,
    stop: asyncio.Event,
) -> None:
    channel = new_channel("PG restart")
    users = [TeamsUser(name=f"Person {i}", upn=f"p{i}@example.se") for i in range(40)]
    n = 0
    while not stop.is_set():
        act = teams.channel_message(channel, users[n % len(users)], "hjälp")
        n += 1
        rec.sent_commands[act["conversation"]["id"]] = time.monotonic()
        async with http.post(bot.url + "/api/messages", json=act) as resp:
            await resp.read()
            rec.statuses.append((time.monotonic(), resp.status))
        await asyncio.sleep(0.05)


async def _health(
    http: aiohttp.ClientSession, bot: BotProcess, rec: Record, stop: asyncio.Event
) -> None:
    while not stop.is_set():
        async with http.get(bot.url + "/healthz") as resp:
            await resp.read()
            rec.health.append((time.monotonic(), resp.status))
        await asyncio.sleep(0.1)


async def _enqueue(
    db: Database, conversations: list[int], rec: Record, stop: asyncio.Event
) -> None:
    # The loads stop at the event, not by cancelling: a cancel that lands inside the driver
    # can come back as an ordinary database error, which this loop counts and goes on from
    # (a CI run once waited for ever on it).
    n = 0
    while not stop.is_set():
        key = f"pgr:{n}"
        try:
            async with db.session() as s:
                await outbox_repo.enqueue(
                    s, key, conversations[n % len(conversations)], {"type": "message", "text": key}
                )
            rec.committed.append(key)
        except Exception:
            rec.enqueue_failures += 1  # the producer knows: not enqueued (or, at worst, a dup key)
        n += 1
        await asyncio.sleep(0.05)


async def _stop(load: list[asyncio.Task[None]], stop: asyncio.Event) -> None:
    """End the load: each loop at its next turn (an HTTP call ends within its timeout)."""
    stop.set()
    await asyncio.wait_for(asyncio.gather(*load, return_exceptions=True), 60)


async def _until(check: object, within: float, what: str) -> float:
    start = time.monotonic()
    while time.monotonic() - start < within:
        if await check():  # type: ignore[operator]
            return time.monotonic() - start
        await asyncio.sleep(0.1)
    raise AssertionError(f"timed out after {within} s waiting for {what}")


def _answered_ok_after(fake: FakeConnector, rec: Record, t: float) -> bool:
    """A command sent after `t` got the help card (not the error text)."""
    later = {cid for cid, sent in rec.sent_commands.items() if sent > t}
    return any(p.conversation_id in later and ERROR_TEXT not in p.text for p in fake.posted)


async def test_postgres_restart_under_load(
    pg_url: str, connector: tuple[FakeConnector, str], tmp_path: Path
) -> None:
    version = require_pg_control()
    dsn = pg_url.replace("+asyncpg", "")
    fake, service_url = connector
    fake.enforce_limits = False  # the database is on test here, not Teams' rate limits
    from tests.conftest import _truncate_pg

    await asyncio.to_thread(_truncate_pg, pg_url)
    db = Database(pg_url)
    conversations = await _seed(db, service_url)
    bot = BotProcess(
        pg_url,
        tmp_path / "data",
        tmp_path / "bot.log",
        "--command-rate",
        "10000",
        "--command-burst",
        "10000",
    )
    rec = Record()
    stop = asyncio.Event()
    load: list[asyncio.Task[None]] = []
    try:
        await bot.start()
        async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=30)) as http:

            async def healthy_leader() -> bool:
                async with http.get(bot.url + "/healthz") as resp:
                    return resp.status == 200 and bool((await resp.json())["leader"])

            await _until(healthy_leader, 20, "the bot to be healthy and leader")
            teams = ActivityFactory(service_url)
            load = [
                asyncio.create_task(_commands(http, bot, teams, rec, stop)),
                asyncio.create_task(_health(http, bot, rec, stop)),
                asyncio.create_task(_enqueue(db, conversations, rec, stop)),
            ]
            await asyncio.sleep(2)

            # 1. stop, hold down, start.
            stopped = await asyncio.to_thread(pg_ctl, version, "stop")
            assert stopped.returncode == 0, stopped.stderr
            t_down = time.monotonic()
            await asyncio.sleep(DOWN_SECONDS)
            t_start = time.monotonic()
            started = await asyncio.to_thread(pg_ctl, version, "start")
            assert started.returncode == 0, started.stderr
            await wait_accepting(dsn)
            t_up = time.monotonic()

            async def health_ok() -> bool:
                return any(t > t_up and s == 200 for t, s in rec.health)

            async def command_ok() -> bool:
                return _answered_ok_after(fake, rec, t_up)

            health_after = await _until(health_ok, RECOVERY_LIMIT, "/healthz 200 after the start")
            command_after = await _until(command_ok, RECOVERY_LIMIT, "a command to work again")
            await _until(healthy_leader, RECOVERY_LIMIT, "leadership (the dispatcher) back")

            # 2. a plain restart under the same load.
            restarted = await asyncio.to_thread(pg_ctl, version, "restart")
            assert restarted.returncode == 0, restarted.stderr
            await wait_accepting(dsn)
            t_up2 = time.monotonic()

            async def command_ok2() -> bool:
                return _answered_ok_after(fake, rec, t_up2)

            command_after2 = await _until(command_ok2, RECOVERY_LIMIT, "commands after restart")
            await asyncio.sleep(2)
            await _stop(load, stop)
            load = []

            # Every committed row is sent, once: a send whose "sent" mark ran into the
            # outage is recorded when the database is back (delivery/dispatcher.py _record).
            async def all_sent() -> bool:
                with contextlib.suppress(Exception):
                    async with db.session() as s:
                        rows = (await s.execute(select(OutboxMessage))).scalars().all()
                    return all(r.status == "sent" for r in rows)
                return False

            drained = await _until(all_sent, 90, "every outbox row sent")
    finally:
        await _stop(load, stop)
        await ensure_running(version, dsn)
        bot.stop()

    down_window = [(t, s) for t, s in rec.statuses if t_down <= t <= t_start]
    statuses = {s for _, s in rec.statuses}
    print(
        f"\n{len(rec.statuses)} commands ({len(down_window)} while down), statuses {sorted(statuses)};"
        f" {len(rec.committed)} rows enqueued, {rec.enqueue_failures} enqueues refused;"
        f" healthz 200 {health_after:.1f} s and commands {command_after:.1f} s after the start,"
        f" commands {command_after2:.1f} s after the restart; outbox drained {drained:.1f} s later"
    )
    assert statuses <= {200, 202}, "a request failed uncleanly"
    assert down_window, "no command was sent while the server was down"
    assert any(t_down < t < t_start and s == 503 for t, s in rec.health), "healthz never said 503"
    # While down, people were told something went wrong (the agent caught the failure).
    down_cids = {cid for cid, t in rec.sent_commands.items() if t_down + 0.5 < t < t_start}
    assert any(p.conversation_id in down_cids and ERROR_TEXT in p.text for p in fake.posted)

    async with db.session() as s:
        rows = (
            (await s.execute(select(OutboxMessage).order_by(col(OutboxMessage.id)))).scalars().all()
        )
    await db.dispose()
    by_key = {r.idempotency_key: r for r in rows}
    posted = {p.text for p in fake.posted}
    assert rec.enqueue_failures > 0, "no enqueue ran into the outage"
    missing = [k for k in rec.committed if k not in by_key or k not in posted]
    assert not missing, f"outbox rows lost: {missing[:10]}"
    times_posted = Counter(p.text for p in fake.posted)
    twice = [k for k in rec.committed if times_posted[k] > 1]
    assert not twice, f"outbox rows posted twice: {twice[:10]}"
    assert all(r.status == "sent" for r in rows)
