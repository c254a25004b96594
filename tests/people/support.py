"""What the people tests share: running the real dispatcher until the outbox is drained,
where some rows may end dead (an unreachable person)."""

from __future__ import annotations

import asyncio
import tempfile
from pathlib import Path

from sqlmodel import col, select

from delivery.dispatcher import InstallApp, build_dispatcher
from storage import outbox_repo
from storage.models import OutboxMessage
from tests.fakes.tokens import FakeTokenProvider
from tests.support.harness import BotHarness, local_settings


async def drain(h: BotHarness, install: InstallApp | None = None) -> list[str]:
    """Run the real dispatcher until nothing is open; the keys of the dead rows.
    `install`: the app installation before a pending chat is opened (runtime/process.py)."""
    settings = h.settings or local_settings(h.db.url, Path(tempfile.gettempdir()))
    provider = FakeTokenProvider if settings.client_id else None
    dispatcher = build_dispatcher(
        settings, h.db, poll_seconds=0.05, provider_factory=provider, install=install
    )
    await dispatcher.start()
    try:
        for _ in range(200):
            dispatcher.notify()
            async with h.db.session() as s:
                counts = await outbox_repo.counts(s)
            if not any(counts.get(k, 0) for k in outbox_repo.OPEN):
                break
            await asyncio.sleep(0.05)
        else:
            raise AssertionError(f"outbox not drained: {counts}")
    finally:
        await dispatcher.stop()
    async with h.db.session() as s:
        rows = await s.execute(
            select(col(OutboxMessage.idempotency_key)).where(col(OutboxMessage.status) == "dead")
        )
        return list(rows.scalars().all())
