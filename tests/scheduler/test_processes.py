"""Several bot processes on one database: one leader, each occurrence once, fast handover."""

from __future__ import annotations

import asyncio
import json
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from storage import schedules_repo
from storage.db import Database
from storage.models import ScheduleRun
from tests.support.scheduler import outbox_keys, runs, unit_with_channel

ROOT = Path(__file__).resolve().parents[2]
HANDOVER_LIMIT = 10.0


class Instance:
    """A `tests.scheduler.leader_proc` subprocess and the events it printed."""

    def __init__(self, url: str, log: Path) -> None:
        self.log = log.open("w")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "tests.scheduler.leader_proc", url],
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=self.log,
            text=True,
        )
        self.events: list[dict[str, Any]] = []
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            self.events.append(json.loads(line))

    def saw(self, event: str) -> list[dict[str, Any]]:
        return [e for e in list(self.events) if e["event"] == event]

    def terminate(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)

    def wait(self) -> None:
        self.proc.wait(timeout=15)
        self._reader.join(timeout=5)
        self.log.close()

    def kill(self) -> None:
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(timeout=5)
        self._reader.join(timeout=5)
        self.log.close()


@pytest.fixture
def instances(tmp_path: Path) -> Iterator[Callable[[str, int], list[Instance]]]:
    started: list[Instance] = []

    def start(url: str, count: int) -> list[Instance]:
        for i in range(count):
            started.append(Instance(url, tmp_path / f"instance-{len(started) + i}.log"))
        return started[-count:]

    yield start
    for inst in started:
        if inst.proc.poll() is None:
            inst.proc.kill()
            inst.proc.wait(timeout=5)


def wait_until(check: Callable[[], Any], timeout: float, what: str) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(0.05)
    raise AssertionError(f"timed out after {timeout} s waiting for {what}")


def leaders(group: list[Instance]) -> list[Instance]:
    return [i for i in group if i.saw("leader")]


def every_second_schedule(url: str) -> int:
    """A ping schedule due every second, for a unit with a channel; returns its id."""

    async def run() -> int:
        db = Database(url)
        async with db.session() as s:
            unit = await unit_with_channel(s)
            row = await schedules_repo.upsert_schedule(
                s, "ping:every-second", "ping", unit.id, {"second": "*"}, grace_seconds=60
            )
        await db.dispose()
        assert row.id is not None
        return row.id

    return asyncio.run(run())


def recorded(url: str) -> tuple[list[ScheduleRun], list[str]]:
    async def run() -> tuple[list[ScheduleRun], list[str]]:
        db = Database(url)
        try:
            return await runs(db), await outbox_keys(db)
        finally:
            await db.dispose()

    return asyncio.run(run())


def assert_each_second_once(rows: list[ScheduleRun], keys: list[str], schedule_id: int) -> None:
    per_occurrence = Counter(r.occurrence_at for r in rows)
    assert set(per_occurrence.values()) == {1}
    first, last = min(per_occurrence), max(per_occurrence)
    expected = int((last - first).total_seconds()) + 1
    assert len(per_occurrence) == expected, "an occurrence got no row (neither fired nor missed)"
    fired = [r.occurrence_at for r in rows if r.status == "fired"]
    assert Counter(keys) == Counter(f"ping:{schedule_id}:{when.isoformat()}" for when in fired)


@pytest.mark.postgres
def test_three_instances_on_postgresql_fire_each_occurrence_once(
    pg_url: str, instances: Callable[[str, int], list[Instance]]
) -> None:
    from tests.conftest import _truncate_pg

    _truncate_pg(pg_url)
    schedule_id = every_second_schedule(pg_url)
    group = instances(pg_url, 3)
    wait_until(lambda: leaders(group), 20, "a leader")
    time.sleep(3)
    # Followers first, so nobody takes over while the leader shuts down.
    (leader,) = leaders(group)
    for inst in group:
        if inst is not leader:
            inst.terminate()
    for inst in [*(i for i in group if i is not leader), leader]:
        inst.terminate()
        inst.wait()

    assert sum(len(i.saw("leader")) for i in group) == 1
    fired_by = {i.proc.pid: i.saw("stopped")[0]["fired"] for i in group}
    assert [pid for pid, n in fired_by.items() if n] == [leader.proc.pid]
    rows, keys = recorded(pg_url)
    assert_each_second_once(rows, keys, schedule_id)
    fired = [r for r in rows if r.status == "fired"]
    assert len(fired) >= 3 and fired_by[leader.proc.pid] == len(fired)


def test_killing_the_leader_hands_over_within_10_s(
    db_url: str, instances: Callable[[str, int], list[Instance]]
) -> None:
    schedule_id = every_second_schedule(db_url)
    group = instances(db_url, 2)
    (first,) = wait_until(lambda: leaders(group), 20, "a leader")
    time.sleep(1.5)
    first.kill()
    killed_at = time.time()
    survivors = [i for i in group if i is not first]
    (second,) = wait_until(lambda: leaders(survivors), HANDOVER_LIMIT + 5, "a new leader")
    handover = second.saw("leader")[0]["at"] - killed_at
    print(f"handover after SIGKILL: {handover:.2f} s ({db_url.split(':')[0]})")
    assert handover < HANDOVER_LIMIT
    time.sleep(2)
    for inst in survivors:
        inst.terminate()
    for inst in survivors:
        inst.wait()

    rows, keys = recorded(db_url)
    assert_each_second_once(rows, keys, schedule_id)
    after = [r for r in rows if r.status == "fired" and r.recorded_at.timestamp() > killed_at]
    assert len(after) >= 2, "the new leader fires"
