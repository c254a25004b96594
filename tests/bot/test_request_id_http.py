"""A request id per turn: answered in X-Request-Id, stored on the outbox row the turn
queues, on the dispatcher's send line; JSON log lines on request (SAMVERKAN_LOG_FORMAT)."""

from __future__ import annotations

import io
import json
import logging
import re
from pathlib import Path

import pytest
from sqlalchemy import select

from core import request_id
from infra.logs import JsonFormatter, RequestIdFilter
from storage.models import OutboxMessage
from tests.support.harness import BotHarness, add_units, local_settings
from tests.support.items import deliver
from tests.teams import TeamsUser, new_channel

COORDINATOR = TeamsUser(name="Karin Samordnare", upn="karin@example.se")


async def _post(h: BotHarness, activity: dict[str, object], rid: str | None) -> str:
    headers = {"X-Request-Id": rid} if rid is not None else {}
    async with h.http.post(h.url + "/api/messages", json=activity, headers=headers) as resp:
        assert resp.status in (200, 202)
        return resp.headers["X-Request-Id"]


async def test_the_request_id_follows_the_turn_into_its_outbox_row_and_the_send_line(
    harness: BotHarness, caplog: pytest.LogCaptureFixture
) -> None:
    h = harness
    await add_units(h.db, {"Jämtland": None, "Östersund": "Jämtland"})
    channel = new_channel("Östersund samverkan")
    await h.post(h.teams.install_in_team(channel, COORDINATOR))
    await h.post(h.teams.channel_message(channel, COORDINATOR, "setup Östersund"))
    await h.connector.wait_for(lambda p: "Klart" in p.text)

    rid = "4f0c2a9d1b7e4e3f9a8b6c5d4e3f2a1b"  # as nginx's $request_id looks
    assert await _post(h, h.teams.channel_message(channel, COORDINATOR, "puls start"), rid) == rid
    async with h.db.read() as s:
        rows = (await s.execute(select(OutboxMessage))).scalars().all()
    assert rows and {r.request_id for r in rows} == {rid}

    with caplog.at_level(logging.INFO, logger="delivery.dispatcher"):
        await deliver(h)
    sent = [r for r in caplog.records if "sent" in r.getMessage() and rid in r.getMessage()]
    assert sent, [r.getMessage() for r in caplog.records]


@pytest.mark.parametrize("given", [None, "short", "x" * 65, "bad id with spaces", "a\u00e5" * 8])
async def test_an_implausible_or_missing_request_id_is_replaced(
    harness: BotHarness, given: str | None
) -> None:
    act = harness.teams.channel_message(new_channel(), COORDINATOR, "hjälp")
    rid = await _post(harness, act, given)
    assert re.fullmatch(r"[0-9a-f]{32}", rid) and rid != given


def test_json_log_lines_carry_the_request_id() -> None:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.addFilter(RequestIdFilter())
    handler.setFormatter(JsonFormatter())
    logger = logging.getLogger("tests.json_logs")
    logger.addHandler(handler)
    logger.propagate = False
    try:
        token = request_id.bind("req-0123456789")
        try:
            logger.warning("outbox row %s dead: %s", 7, "403")
        finally:
            request_id.reset(token)
        logger.warning("no turn")
    finally:
        logger.removeHandler(handler)
    first, second = (json.loads(line) for line in stream.getvalue().splitlines())
    assert first["msg"] == "outbox row 7 dead: 403" and first["level"] == "warning"
    assert first["request_id"] == "req-0123456789" and first["logger"] == "tests.json_logs"
    assert second["request_id"] is None and "ts" in second and "instance" in second


@pytest.mark.parametrize(("level", "shown"), [(logging.INFO, False), (logging.DEBUG, True)])
def test_the_sdks_connection_dump_is_left_out_at_info(
    level: int, shown: bool, capfd: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    from bot.web import build_adapter
    from infra.logs import configure

    root = logging.getLogger()
    handlers, root_level = list(root.handlers), root.level
    try:
        configure("text", level)
        build_adapter(local_settings("sqlite+aiosqlite://", tmp_path))  # logs its connections
        for handler in root.handlers:
            handler.flush()
    finally:
        for handler in list(root.handlers):
            root.removeHandler(handler)
        for handler in handlers:
            root.addHandler(handler)
        root.setLevel(root_level)
    assert ("Connections Map" in capfd.readouterr().err) is shown
