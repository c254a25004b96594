"""What people type and what they put in cards never reaches the logs at INFO level."""

from __future__ import annotations

import logging

import pytest

from tests.support.harness import BotHarness, add_units, user
from tests.teams import new_channel

MARKER = "Hemligt-innehåll-7f3a"


async def test_message_text_and_card_inputs_stay_out_of_info_logs(
    harness: BotHarness, caplog: pytest.LogCaptureFixture
) -> None:
    await add_units(
        harness.db, {"Regionens samverkansråd": None, "Östersund": "Regionens samverkansråd"}
    )
    channel = new_channel()
    caplog.set_level(logging.INFO)
    await harness.post(harness.teams.install_in_team(channel, user()))
    await harness.post(harness.teams.channel_message(channel, user(), f"setup Östersund {MARKER}"))
    await harness.post(harness.teams.channel_message(channel, user(), f"ärende {MARKER} fråga"))
    await harness.post(
        harness.teams.card_submit(channel, user(), {"action": "setup.move", "note": MARKER})
    )
    await harness.post(
        harness.teams.invoke_action(channel, user(), "pulse.answer", {"q_example": MARKER})
    )
    await harness.connector.wait_for(lambda p: MARKER in str(p.activity))  # the bot did see it
    logged = "\n".join(
        r.getMessage() + str(r.args or "") for r in caplog.records if r.levelno >= logging.INFO
    )
    assert caplog.records, "expected some INFO logging to inspect"
    assert MARKER not in logged
