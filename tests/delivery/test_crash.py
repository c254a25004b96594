"""SIGKILL mid fan-out: after a restart every message is delivered; only in-flight ones twice."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
import time
from collections import Counter
from pathlib import Path

from sqlalchemy import func
from sqlmodel import col, select

from storage.db import Database
from storage.models import OutboxMessage
from tests.delivery.conftest import reference, rows, settled
from tests.fakes.connector import FakeConnector
from tests.support.outbox import channel_conversations, message

ROOT = Path(__file__).resolve().parents[2]
CONVERSATIONS, PER_CONVERSATION = 100, 3


async def start_dispatcher(db_url: str) -> asyncio.subprocess.Process:
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "tests.delivery.dispatcher_proc",
        db_url,
        "--rate",
        "100",
        "--lease",
        "1",
        cwd=ROOT,
        stdout=asyncio.subprocess.PIPE,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    assert proc.stdout is not None
    line = await asyncio.wait_for(proc.stdout.readline(), 30)
    assert line.strip() == b"ready"
    return proc


async def fill(db: Database, service_url: str) -> None:
    async with db.session() as s:
        convs = channel_conversations(service_url, "crash", CONVERSATIONS, reference)
        s.add_all(convs)
        await s.flush()
        # Interleaved, as a digest fan-out enqueues them.
        s.add_all(message(f"m:{n}:{c.id}", c) for n in range(PER_CONVERSATION) for c in convs)


async def test_a_killed_dispatcher_loses_nothing_and_repeats_only_its_in_flight_sends(
    db: Database, connector: tuple[FakeConnector, str]
) -> None:
    fake, url = connector
    fake.global_rate = 100  # as fast as the fake allows: the crash, not the limit, is on test
    await fill(db, url)
    total = CONVERSATIONS * PER_CONVERSATION

    proc = await start_dispatcher(db.url)
    try:
        deadline = time.monotonic() + 30
        while len(fake.posted) < total // 3:
            assert time.monotonic() < deadline, "the dispatcher did not get going"
            await asyncio.sleep(0.005)
    finally:
        proc.send_signal(signal.SIGKILL)
        await proc.wait()
    seen_at_kill = len(fake.posted)
    async with db.session() as s:
        in_flight = (
            await s.execute(select(func.count()).where(col(OutboxMessage.status) == "sending"))
        ).scalar_one()
    assert seen_at_kill < total, "killed too late to prove anything"

    proc = await start_dispatcher(db.url)
    try:
        found = await settled(db, within=60)
    finally:
        proc.send_signal(signal.SIGKILL)
        await proc.wait()

    assert all(r.status == "sent" for r in found)
    copies = Counter(p.text for p in fake.posted)
    expected = {r.payload["text"] for r in await rows(db)}
    assert set(copies) == expected  # none lost, nothing foreign
    duplicated = sum(n - 1 for n in copies.values())
    assert duplicated <= in_flight <= 32
    assert fake.throttled == 0
    print(f"kill at {seen_at_kill}/{total}: {in_flight} in flight, {duplicated} duplicated")
    # Each conversation still got its messages in order.
    for conv_id in {p.conversation_id for p in fake.posted}:
        texts = [p.text for p in fake.in_conversation(conv_id)]
        first_seen = list(dict.fromkeys(texts))
        assert first_seen == sorted(first_seen, key=lambda t: int(t.split(":")[1]))
