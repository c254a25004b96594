"""What people trying the bot saw in the welcome, the help and the logs — over HTTP."""

from __future__ import annotations

import logging
import re

import pytest

from tests.support.harness import BotHarness, add_units, user
from tests.teams import new_channel

COUNTY = {"Regionens samverkansråd": None, "Östersund": "Regionens samverkansråd"}


def as_teams_shows(card: object) -> str:
    """Teams drops what looks like an HTML tag from card text."""
    return re.sub(r"<[^<>]*>", "", str(card))


async def test_welcome_card_names_the_placeholder_so_it_survives_teams(
    harness: BotHarness,
) -> None:
    await add_units(harness.db, COUNTY)
    channel = new_channel()
    await harness.post(harness.teams.install_in_team(channel, user()))
    welcome = await harness.connector.wait_for(
        lambda p: p.conversation_id == channel.conversation_id and bool(p.cards)
    )
    shown = as_teams_shows(welcome.cards[0])
    assert "@Samverkan setup ‹enhet›" in shown
    assert "setup ." not in shown and "setup **" not in shown


async def test_swedish_help_names_only_commands_that_exist(harness: BotHarness) -> None:
    await add_units(harness.db, COUNTY)
    channel = new_channel()
    await harness.post(harness.teams.install_in_team(channel, user()))
    await harness.post(harness.teams.channel_message(channel, user(), "setup Östersund"))
    await harness.post(harness.teams.channel_message(channel, user(), "hjälp"))
    posted = await harness.connector.wait_for(lambda p: any("kommandon" in str(c) for c in p.cards))
    shown = as_teams_shows(posted.cards[0])
    assert "`visa ‹nr›`" in shown and "ärende-visa" not in shown
    assert "`dagordning godkänn 2`" in shown


async def test_a_turn_in_local_mode_logs_no_sdk_app_id_warning(
    harness: BotHarness, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING)
    channel = new_channel()
    await harness.post(harness.teams.channel_message(channel, user(), "hjälp"))
    await harness.connector.wait_for(lambda p: any("kommandon" in str(c) for c in p.cards))
    warned = [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING]
    assert not [m for m in warned if "App ID" in m], warned
