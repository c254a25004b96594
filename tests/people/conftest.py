"""The bot harness (real app over HTTP, fake connector) for the people tests; `secured`
has JWT on and real roles."""

from tests.bot.conftest import connector, harness, secured

__all__ = ["connector", "harness", "secured"]
