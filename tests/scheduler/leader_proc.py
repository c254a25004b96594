"""One bot instance's background half: leader election + scheduler, nothing else.

    python -m tests.scheduler.leader_proc DATABASE_URL

Tests start several of these against one database. Each prints JSON lines on
stdout: {"event": "ready" | "leader" | "demoted" | "stopped", "instance", "at", "fired"}.
SIGTERM stops it cleanly; SIGKILL is how a test simulates a crash.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import sys
import time

from runtime.leader import Leader
from scheduler.service import ScheduleService
from storage.db import Database
from tests.support.jobs import job_context


def say(event: str, leader: Leader, service: ScheduleService) -> None:
    line = {
        "event": event,
        "instance": leader.instance_id,
        "at": time.time(),
        "fired": service.fired,
    }
    print(json.dumps(line), flush=True)


async def main(url: str) -> None:
    db = Database(url)
    service = ScheduleService(db, job_context(), poll_seconds=0.5)
    leader = Leader(url, instance_id=f"proc-{os.getpid()}")

    async def elected() -> None:
        await service.start()
        say("leader", leader, service)

    async def demoted() -> None:
        await service.stop()
        say("demoted", leader, service)

    leader.follow(elected, demoted)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    await leader.start()
    say("ready", leader, service)
    await stop.wait()
    await leader.stop()
    say("stopped", leader, service)
    await db.dispose()


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1]))
