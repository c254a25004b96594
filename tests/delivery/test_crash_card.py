"""SIGKILL after the Bot Connector accepted a card but before its activity id was stored:
after the lease the card is posted again and that id is stored, so later updates of the
card reach a card people see. SQLite and PostgreSQL, a dispatcher in its own process."""

from __future__ import annotations

import asyncio
import os
import signal

from storage.db import Database
from tests.delivery.conftest import MakeDispatcher, add_channel, card, enqueue, rows, until
from tests.delivery.test_crash import start_dispatcher
from tests.fakes.connector import FakeConnector, Posted


async def test_a_card_posted_but_not_recorded_is_recorded_on_retry_and_updates(
    db: Database, connector: tuple[FakeConnector, str]
) -> None:
    fake, url = connector
    _, conv_pk, conv_id = await add_channel(db, url, "Krokom")
    await enqueue(db, conv_pk, "pulse:x:card", card("Pulsen är öppen"))

    proc = await start_dispatcher(db.url)
    killed = asyncio.Event()

    async def kill_before_answering(posted: Posted) -> None:
        # The connector has the card; the sender never hears its id.
        if not killed.is_set():
            os.kill(proc.pid, signal.SIGKILL)
            killed.set()

    fake.on_send = kill_before_answering
    await asyncio.wait_for(killed.wait(), 30)
    await proc.wait()
    [lost] = fake.posted
    [row] = await rows(db)
    assert row.status == "sending" and row.activity_id is None

    fake.on_send = None
    proc = await start_dispatcher(db.url)
    try:
        [row] = await until(db, lambda found: found[0].status == "sent", within=30)
        assert row.activity_id is not None and row.activity_id != lost.id
        assert fake.by_id[row.activity_id].conversation_id == conv_id  # a card people see

        # The close replaces that card, found by the send's key.
        await enqueue(
            db,
            conv_pk,
            "pulse:x:closed",
            card("Pulsen är stängd"),
            operation="update",
            updates_key="pulse:x:card",
        )
        await until(db, lambda found: all(r.status == "sent" for r in found), within=30)
    finally:
        proc.send_signal(signal.SIGKILL)
        await proc.wait()
    shown = fake.by_id[row.activity_id]
    assert shown.updates == 1 and "Pulsen är stängd" in str(shown.cards)
    assert "Pulsen är öppen" in str(lost.cards)  # the first copy stays as it was (at least once)


async def test_a_send_answered_after_its_lease_does_not_replace_the_card_updates_went_to(
    db: Database, connector: tuple[FakeConnector, str], make_dispatcher: MakeDispatcher
) -> None:
    """Teams answers the first post late (after the lease): a second dispatcher has posted
    the card again, recorded it, and applied an update to it. The late answer must not
    make the row name the first card, which never got that update."""
    fake, url = connector
    _, conv_pk, _ = await add_channel(db, url, "Krokom")
    await enqueue(db, conv_pk, "pulse:y:card", card("Pulsen är öppen"))
    answered = asyncio.Event()

    async def answer_the_first_late(posted: Posted) -> None:
        if posted is fake.posted[0]:
            await answered.wait()

    fake.on_send = answer_the_first_late
    slow = await make_dispatcher(lease_seconds=1.0, send_timeout=30.0)
    await until(db, lambda found: found[0].attempts == 1 and len(fake.posted) == 1)
    other = await make_dispatcher(lease_seconds=1.0)
    [row] = await until(db, lambda found: found[0].status == "sent", within=15)
    assert row.activity_id == fake.posted[1].id
    await enqueue(
        db,
        conv_pk,
        "pulse:y:closed",
        card("Pulsen är stängd"),
        operation="update",
        updates_key="pulse:y:card",
    )
    await until(db, lambda found: all(r.status == "sent" for r in found), within=15)
    await other.stop(grace=1.0)

    answered.set()  # now the first post's answer reaches the slow dispatcher
    await slow.stop(grace=5.0)
    [row, _] = await rows(db)
    shown = fake.by_id[row.activity_id or ""]
    assert shown.updates == 1 and "Pulsen är stängd" in str(shown.cards)
