"""Outbox rows, conversations and a dispatcher talking to the fake Bot Connector over HTTP."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest
from aiohttp.test_utils import TestServer
from sqlmodel import col, select

from core.delivery import Backoff
from delivery.dispatcher import Dispatcher, build_dispatcher
from infra.metrics import Metrics
from infra.settings import Settings
from storage import channels_repo, outbox_repo
from storage.db import Database
from storage.models import OutboxMessage, Unit
from tests.fakes.connector import FakeConnector
from tests.teams import BOT_ID, TENANT

CARD = "application/vnd.microsoft.card.adaptive"


@pytest.fixture
async def connector() -> AsyncIterator[tuple[FakeConnector, str]]:
    fake = FakeConnector()
    server = TestServer(fake.app, host="127.0.0.1")
    await server.start_server()
    yield fake, str(server.make_url("/"))
    await server.close()


def reference(service_url: str, conversation_id: str) -> dict[str, Any]:
    """A stored ConversationReference, as the bot keeps it for a channel."""
    return {
        "channelId": "msteams",
        "serviceUrl": service_url,
        "conversation": {"id": conversation_id, "conversationType": "channel", "tenantId": TENANT},
        "bot": {"id": BOT_ID, "name": "Samverkan"},
        "user": {"id": "29:someone"},
    }


async def add_channel(db: Database, service_url: str, name: str) -> tuple[int, int, str]:
    """A unit bound to its own channel: (unit id, conversation pk, conversation id)."""
    cid = f"19:{name}@thread.tacv2"
    async with db.session() as s:
        unit = Unit(name=name, level="team")
        s.add(unit)
        await s.flush()
        conv = await channels_repo.upsert_conversation(
            s,
            channels_repo.ConversationInfo(
                conversation_id=cid,
                kind="channel",
                tenant_id=TENANT,
                team_id=f"team-{name}",
                channel_id=cid,
                name=f"{name} samverkan",
                user_aad_id=None,
                reference=reference(service_url, cid),
            ),
        )
        await channels_repo.bind(s, unit, conv, actor="test")
        assert unit.id is not None and conv.id is not None
        return unit.id, conv.id, cid


def text(body: str) -> dict[str, Any]:
    return {"type": "message", "text": body}


def card(title: str) -> dict[str, Any]:
    content = {
        "type": "AdaptiveCard",
        "version": "1.5",
        "body": [{"type": "TextBlock", "text": title}],
    }
    return {"type": "message", "attachments": [{"contentType": CARD, "content": content}]}


async def enqueue(
    db: Database, conversation_pk: int, key: str, activity: dict[str, Any], **kw: Any
) -> bool:
    async with db.session() as s:
        return await outbox_repo.enqueue(s, key, conversation_pk, activity, **kw)


async def rows(db: Database) -> list[OutboxMessage]:
    async with db.session() as s:
        return list(
            (await s.execute(select(OutboxMessage).order_by(col(OutboxMessage.id)))).scalars().all()
        )


def local_settings(db: Database, tmp_path: Path, **overrides: Any) -> Settings:
    values: dict[str, Any] = {"client_id": None, "database_url": db.url, "data_dir": tmp_path}
    values.update(overrides)
    return Settings(_env_file=None, **values)


MakeDispatcher = Callable[..., Awaitable[Dispatcher]]


@pytest.fixture
async def make_dispatcher(db: Database, tmp_path: Path) -> AsyncIterator[MakeDispatcher]:
    """Start a dispatcher with fast test timings; every one is stopped at the end."""
    started: list[Dispatcher] = []

    async def make(**options: Any) -> Dispatcher:
        settings = local_settings(
            db,
            tmp_path,
            max_send_attempts=options.pop("max_attempts", 5),
            global_rate_per_second=options.pop("global_rate", 50.0),
        )
        options.setdefault("backoff", Backoff(base=0.05, cap=0.2))
        options.setdefault("poll_seconds", 0.2)
        options.setdefault("send_timeout", 2.0)
        dispatcher = build_dispatcher(settings, db, Metrics(), **options)
        await dispatcher.start()
        started.append(dispatcher)
        return dispatcher

    yield make
    for dispatcher in started:
        await dispatcher.stop(grace=1.0)


async def until(
    db: Database, done: Callable[[list[OutboxMessage]], bool], within: float = 10.0
) -> list[OutboxMessage]:
    """Wait until the outbox rows satisfy `done`; return them."""
    deadline = time.monotonic() + within
    while True:
        found = await rows(db)
        if done(found):
            return found
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out: {[(r.id, r.status, r.last_error) for r in found]}")
        await asyncio.sleep(0.05)


async def settled(db: Database, within: float = 10.0) -> list[OutboxMessage]:
    """Wait until every row is sent or dead; return them."""
    return await until(db, lambda found: all(r.status in ("sent", "dead") for r in found), within)
