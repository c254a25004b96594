"""The dispatcher against the fake Bot Connector, on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
import logging
import time
from pathlib import Path

import pytest
from aiohttp.test_utils import TestServer
from sqlmodel import SQLModel, select

from delivery.dispatcher import Dispatcher, build_dispatcher
from infra.metrics import Metrics
from storage import outbox_repo
from storage.db import Database
from storage.models import ChannelBinding, Conversation
from tests.conftest import PG_ADMIN_URL
from tests.delivery.conftest import (
    MakeDispatcher,
    add_channel,
    card,
    enqueue,
    local_settings,
    rows,
    settled,
    text,
    until,
)
from tests.fakes.connector import FakeConnector, Posted

Connector = tuple[FakeConnector, str]


async def test_enqueueing_a_key_twice_stores_one_row(db: Database, connector: Connector) -> None:
    _, url = connector
    unit_id, conv_pk, _ = await add_channel(db, url, "Östersund")
    assert await enqueue(db, conv_pk, "reminder:1:2026-01-05T08:00", text("first"))
    assert not await enqueue(db, conv_pk, "reminder:1:2026-01-05T08:00", text("again"))
    async with db.session() as s:
        assert (
            await outbox_repo.enqueue_to_unit(s, unit_id, "reminder:1:2026-01-05T08:00", text("x"))
            is False
        )
        assert await outbox_repo.enqueue_to_unit(s, unit_id + 999, "other", text("x")) is None
    found = await rows(db)
    assert [(r.idempotency_key, r.payload["text"], r.status) for r in found] == [
        ("reminder:1:2026-01-05T08:00", "first", "pending")
    ]


async def test_a_card_is_posted_as_a_new_message_and_then_updated(
    db: Database, connector: Connector, make_dispatcher: MakeDispatcher
) -> None:
    fake, url = connector
    _, conv_pk, cid = await add_channel(db, url, "Kalmar")
    # The send fails once, so the update (queued right behind it) has to wait for it.
    fake.inject(500, count=1, conversation_id=cid)
    await enqueue(db, conv_pk, "pulse:1:card", card("Puls vecka 2"))
    await enqueue(
        db,
        conv_pk,
        "pulse:1:closed",
        card("Puls vecka 2: stängd"),
        operation="update",
        updates_key="pulse:1:card",
    )
    await make_dispatcher()
    send, update = await settled(db)
    assert (send.status, update.status) == ("sent", "sent")
    [posted] = fake.in_conversation(cid)
    assert posted.reply_to is None  # a new top-level post, not a reply to anything
    assert posted.updates == 1
    assert posted.cards[0]["body"][0]["text"] == "Puls vecka 2: stängd"
    assert send.activity_id == update.activity_id == posted.id
    assert send.attempts == 2 and "HTTP 500" in (send.last_error or "")


async def test_an_update_of_a_dead_send_is_dead_too(
    db: Database, connector: Connector, make_dispatcher: MakeDispatcher
) -> None:
    fake, url = connector
    _, conv_pk, cid = await add_channel(db, url, "Växjö")
    fake.inject(400, count=1, conversation_id=cid)
    await enqueue(db, conv_pk, "a", card("v1"))
    await enqueue(db, conv_pk, "b", card("v2"), operation="update", updates_key="a")
    await make_dispatcher()
    send, update = await settled(db)
    assert send.status == update.status == "dead"
    assert "never delivered" in (update.last_error or "")
    assert fake.in_conversation(cid) == []


# Each conversation gets one fault; all run side by side.
TRANSIENT: dict[str, tuple[dict[str, float], int]] = {
    "429-retry-after": ({"status": 429, "count": 1, "retry_after": 0.4}, 2),
    "500-twice": ({"status": 500, "count": 2}, 3),
    "503": ({"status": 503, "count": 1}, 2),
    "412": ({"status": 412, "count": 1}, 2),
    "timeout": ({"status": 200, "count": 1, "delay": 1.5}, 2),  # slower than send_timeout
}


async def test_transient_faults_end_delivered(
    db: Database, connector: Connector, make_dispatcher: MakeDispatcher
) -> None:
    fake, url = connector
    convs = {name: await add_channel(db, url, name) for name in TRANSIENT}
    for name, (fault, _) in TRANSIENT.items():
        fake.inject(conversation_id=convs[name][2], **fault)  # type: ignore[arg-type]
        await enqueue(db, convs[name][1], name, text(name))
    began = time.monotonic()
    dispatcher = await make_dispatcher(send_timeout=0.5)
    found = {r.idempotency_key: r for r in await settled(db)}
    for name, (_, attempts) in TRANSIENT.items():
        row = found[name]
        assert (row.status, row.attempts) == ("sent", attempts), name
        assert any(p.text == name for p in fake.in_conversation(convs[name][2])), name
    assert "timeout" in (found["timeout"].last_error or "")
    assert dispatcher.metrics.value("samverkan_outbox_throttled_total") == 1
    assert dispatcher.metrics.value("samverkan_outbox_retried_total") == 6
    assert found["429-retry-after"].sent_at is not None
    assert time.monotonic() - began >= 0.4  # Retry-After was waited out


async def test_a_failure_that_never_clears_ends_dead_with_its_reason(
    db: Database, connector: Connector, make_dispatcher: MakeDispatcher
) -> None:
    fake, url = connector
    _, conv_pk, cid = await add_channel(db, url, "Malmö")
    fake.inject(502, count=100, conversation_id=cid)
    await enqueue(db, conv_pk, "k", text("hej"))
    dispatcher = await make_dispatcher(max_attempts=3)
    [row] = await settled(db)
    assert row.status == "dead" and row.attempts == 3
    assert "HTTP 502" in (row.last_error or "") and "gave up after 3 attempts" in (
        row.last_error or ""
    )
    assert row.dead_at is not None
    assert dispatcher.metrics.value("samverkan_outbox_dead_total", reason="dead") == 1


async def test_a_conversation_the_bot_left_is_deactivated_and_dead_lettered_at_once(
    db: Database, connector: Connector, make_dispatcher: MakeDispatcher
) -> None:
    fake, url = connector
    cases = {
        "roster": (await add_channel(db, url, "Lund"), "BotNotInConversationRoster"),
        "blocked": (await add_channel(db, url, "Lomma"), "ConversationBlockedByUser"),
        "gone": (await add_channel(db, url, "Höör"), "HTTP 404"),
    }
    fake.forbid(cases["roster"][0][2])
    fake.forbid(cases["blocked"][0][2], code="ConversationBlockedByUser")
    fake.inject(404, count=1, conversation_id=cases["gone"][0][2], code="ConversationNotFound")
    for (_, conv_pk, _), _ in cases.values():
        for i in range(3):
            await enqueue(db, conv_pk, f"{conv_pk}:{i}", text(f"m{i}"))
    await make_dispatcher()
    found = await settled(db)
    assert all(r.status == "dead" for r in found)
    assert (
        len([r for r in fake.requests if r[0] == "POST"]) == 3
    )  # one each; the rest never went out
    async with db.session() as s:
        for (unit_id, conv_pk, _), error in cases.values():
            first, *rest = [r for r in found if r.conversation_pk == conv_pk]
            assert first.attempts == 1 and error in (first.last_error or "")
            assert all("inactive" in (r.last_error or "") for r in rest)
            conv = await s.get(Conversation, conv_pk)
            binding = (
                await s.execute(select(ChannelBinding).where(ChannelBinding.unit_id == unit_id))
            ).scalar_one()
            assert conv is not None and not conv.active
            assert not binding.active and binding.deactivated_at is not None
            assert await outbox_repo.enqueue_to_unit(s, unit_id, "later", text("x")) is None


async def test_a_card_too_large_is_dead_and_logged_as_a_bug(
    db: Database,
    connector: Connector,
    make_dispatcher: MakeDispatcher,
    caplog: pytest.LogCaptureFixture,
) -> None:
    fake, url = connector
    _, conv_pk, cid = await add_channel(db, url, "Ystad")
    fake.inject(413, count=1, conversation_id=cid, code="MessageSizeTooBig")
    await enqueue(db, conv_pk, "big", card("x" * 100))
    with caplog.at_level(logging.ERROR, logger="delivery.dispatcher"):
        await make_dispatcher()
        [row] = await settled(db)
    assert row.status == "dead" and "too large" in (row.last_error or "")
    assert any("BUG" in r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR)
    async with db.session() as s:
        conv = await s.get(Conversation, conv_pk)
        assert conv is not None and conv.active  # our bug, not the channel's


async def test_a_dead_row_can_be_sent_again(
    db: Database, connector: Connector, make_dispatcher: MakeDispatcher
) -> None:
    fake, url = connector
    _, conv_pk, cid = await add_channel(db, url, "Eksjö")
    fake.inject(500, count=2, conversation_id=cid)
    await enqueue(db, conv_pk, "k", text("hej igen"))
    dispatcher = await make_dispatcher(max_attempts=2)
    [row] = await settled(db)
    assert row.status == "dead"
    async with db.session() as s:
        assert await outbox_repo.requeue_dead(s, [row.id or 0]) == 1
    dispatcher.notify()
    [row] = await settled(db)
    assert row.status == "sent" and row.dead_at is None
    assert [p.text for p in fake.in_conversation(cid)] == ["hej igen"]


async def test_each_conversation_gets_its_rows_in_order_despite_failures(
    db: Database, connector: Connector, make_dispatcher: MakeDispatcher
) -> None:
    fake, url = connector
    chans = [await add_channel(db, url, f"Ort{i}") for i in range(3)]
    fake.inject(500, count=1, conversation_id=chans[0][2])
    fake.inject(429, count=1, conversation_id=chans[1][2], retry_after=0.2)
    for n in range(8):
        for _, conv_pk, _ in chans:
            await enqueue(db, conv_pk, f"{conv_pk}:{n}", text(f"{n}"))
    await make_dispatcher()
    await settled(db)
    for _, _, cid in chans:
        assert [p.text for p in fake.in_conversation(cid)] == [str(n) for n in range(8)]


async def test_it_keeps_under_teams_limits_by_itself(
    db: Database, connector: Connector, make_dispatcher: MakeDispatcher
) -> None:
    """A burst to one conversation and a fan-out over many: no 429 from the enforcing fake."""
    fake, url = connector
    fake.global_rate = 20
    _, busy_pk, _ = await add_channel(db, url, "Busy")
    many = [await add_channel(db, url, f"C{i}") for i in range(30)]
    for n in range(12):
        await enqueue(db, busy_pk, f"busy:{n}", text(f"b{n}"))
    for _, conv_pk, _ in many:
        await enqueue(db, conv_pk, f"one:{conv_pk}", text("hej"))
    began = time.monotonic()
    dispatcher = await make_dispatcher(global_rate=20)
    found = await settled(db, within=20)
    elapsed = time.monotonic() - began
    assert all(r.status == "sent" for r in found)
    assert fake.throttled == 0
    assert dispatcher.metrics.value("samverkan_outbox_throttled_total") == 0
    assert len(fake.posted) == 42
    # 12 to one conversation need > 2 s (7/1 s, 8/2 s); 42 at 20/s need > 2 s.
    assert 2.0 <= elapsed < 8.0


async def test_metrics_show_the_queue(
    db: Database, connector: Connector, make_dispatcher: MakeDispatcher
) -> None:
    fake, url = connector
    _, conv_pk, cid = await add_channel(db, url, "Gävle")
    fake.inject(500, count=100, conversation_id=cid)
    await enqueue(db, conv_pk, "stuck", text("x"))
    _, other_pk, _ = await add_channel(db, url, "Umeå")
    await enqueue(db, other_pk, "fine", text("y"))
    dispatcher = await make_dispatcher(max_attempts=100)
    await until(db, lambda found: any(r.status == "sent" for r in found))
    text_out = await dispatcher.metrics.render()
    assert "samverkan_outbox_sent_total 1" in text_out
    assert "samverkan_outbox_queue_depth 1" in text_out
    assert "samverkan_outbox_oldest_due_age_seconds" in text_out
    assert "samverkan_outbox_retried_total" in text_out
    assert "samverkan_outbox_throttled_total 0" in text_out


async def test_a_send_whose_outcome_cannot_be_recorded_is_not_sent_twice(
    pg_url: str, connector: Connector, tmp_path: Path
) -> None:
    """PostgreSQL goes away right after Teams accepted a message, before the dispatcher
    could mark it sent. When the database is back the row is marked sent; it is not
    sent again when its lease ends."""
    import asyncpg

    fake, url = connector
    name = pg_url.rsplit("/", 1)[1]
    outage = asyncio.Event()

    async def admin(sql: str, dsn: str = PG_ADMIN_URL) -> None:
        conn = await asyncpg.connect(dsn.replace("+asyncpg", ""))
        try:
            await conn.execute(sql)
        finally:
            await conn.close()

    tables = ", ".join(f'"{t.name}"' for t in reversed(SQLModel.metadata.sorted_tables))
    await admin(f"TRUNCATE {tables} RESTART IDENTITY CASCADE", pg_url)
    db = Database(pg_url)

    async def database_away(posted: Posted) -> None:
        if posted.text != "first" or outage.is_set():
            return
        outage.set()
        await admin(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS false')
        await admin(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
            f" WHERE datname = '{name}' AND pid <> pg_backend_pid()"
        )

    dispatcher: Dispatcher | None = None
    try:
        _, conv_pk, cid = await add_channel(db, url, "Krokom")
        await enqueue(db, conv_pk, "first", text("first"))
        await enqueue(db, conv_pk, "second", text("second"))
        fake.on_send = database_away
        settings = local_settings(db, tmp_path)
        # A short lease: without the retried record, the row would go out again at once.
        dispatcher = build_dispatcher(
            settings, db, Metrics(), poll_seconds=0.2, send_timeout=2.0, lease_seconds=1.0
        )
        await dispatcher.start()
        await asyncio.wait_for(outage.wait(), 10)
        await asyncio.sleep(3)  # the database stays away for three lease lengths
        await admin(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS true')
        found = await settled(db, within=30)
        await asyncio.sleep(1.5)  # a lease more: a stray second send would show now
    finally:
        await admin(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS true')
        if dispatcher is not None:
            await dispatcher.stop(grace=1.0)
        await db.dispose()
    assert [(r.idempotency_key, r.status) for r in found] == [("first", "sent"), ("second", "sent")]
    assert [p.text for p in fake.in_conversation(cid)] == ["first", "second"]


async def test_two_dispatchers_at_once_send_every_row_once_and_in_order(
    db: Database, make_dispatcher: MakeDispatcher
) -> None:
    """During a leadership handover the old and the new leader may both dispatch for a
    moment: the claims in the database keep every message single and in order."""
    fake = FakeConnector(enforce_limits=False)  # two limiters together may exceed Teams'
    server = TestServer(fake.app, host="127.0.0.1")
    await server.start_server()
    try:
        url = str(server.make_url("/"))
        chans = [await add_channel(db, url, f"Ort{i}") for i in range(12)]
        for n in range(10):
            for _, conv_pk, _ in chans:
                await enqueue(db, conv_pk, f"{conv_pk}:{n}", text(f"{n}"))
        first = await make_dispatcher(global_rate=500.0)
        second = await make_dispatcher(global_rate=500.0)
        found = await settled(db, within=60)
    finally:
        await server.close()
    assert len(found) == 120 and all(r.status == "sent" for r in found)
    for _, _, cid in chans:
        assert [p.text for p in fake.in_conversation(cid)] == [str(n) for n in range(10)]
    # Each send was counted by the dispatcher that made it (in trials the two shared the
    # work, e.g. 96 and 24); together they sent each row once.
    sent = [d.metrics.value("samverkan_outbox_sent_total") for d in (first, second)]
    assert sum(sent) == 120


async def test_a_new_leader_counts_what_the_old_one_just_sent(
    db: Database, connector: Connector, make_dispatcher: MakeDispatcher
) -> None:
    """Teams' windows count every send of the app, whichever instance made it: the
    instance that takes over dispatching (or a restarted one) must not start from zero."""
    fake, url = connector
    _, conv_pk, cid = await add_channel(db, url, "Östersund")
    for n in range(7):  # as many as one second allows
        await enqueue(db, conv_pk, f"old:{n}", text(f"old {n}"))
    old = await make_dispatcher()
    await settled(db)
    await old.stop(grace=1.0)
    for n in range(7):
        await enqueue(db, conv_pk, f"new:{n}", text(f"new {n}"))
    new = await make_dispatcher()
    found = await settled(db, within=20)
    assert all(r.status == "sent" for r in found)
    assert fake.throttled == 0
    assert new.metrics.value("samverkan_outbox_throttled_total") == 0
    assert [p.text for p in fake.in_conversation(cid)] == [f"old {n}" for n in range(7)] + [
        f"new {n}" for n in range(7)
    ]
