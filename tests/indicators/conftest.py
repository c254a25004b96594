"""The bot harness (real app over HTTP, fake connector) for the indicator tests."""

from tests.bot.conftest import connector, harness, secured

__all__ = ["connector", "harness", "secured"]
