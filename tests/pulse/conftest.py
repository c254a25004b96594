"""The bot's HTTP fixtures, shared with tests/bot."""

from tests.bot.conftest import connector, harness, secured  # noqa: F401
