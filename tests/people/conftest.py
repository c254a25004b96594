"""The bot harness (real app over HTTP, fake connector) for the people tests; `secured`
has JWT on and real roles."""

from tests.support.harness import connector, harness, secured

__all__ = ["connector", "harness", "secured"]
