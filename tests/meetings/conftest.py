"""The bot harness (real app over HTTP, fake connector, JWT on) for the meeting tests."""

from tests.bot.conftest import connector, harness, secured

__all__ = ["connector", "harness", "secured"]
