"""The bot harness (real app over HTTP, fake connector) for the card tests."""

from tests.support.harness import connector, harness

__all__ = ["connector", "harness"]
