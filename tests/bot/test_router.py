"""The handler list: every listed module's commands answer, and no name is taken twice."""

from __future__ import annotations

import pytest

from bot.handlers import HANDLER_MODULES, build_router
from bot.router import Router
from bot.turn import Turn


async def _noop(turn: Turn, args: str) -> None:
    return None


def test_the_router_is_the_union_of_the_listed_modules() -> None:
    router = build_router()
    for module in HANDLER_MODULES:
        assert set(module.HANDLERS.commands) <= set(router.commands)
        assert set(module.HANDLERS.actions) <= set(router.actions)
    assert "help" in router.commands and "setup.move" in router.actions


def test_a_command_in_two_modules_is_an_error_at_start_up() -> None:
    first, second = Router(), Router()
    first.command("help")(_noop)
    second.command("help")(_noop)
    merged = Router()
    merged.include(first)
    with pytest.raises(ValueError, match="registered twice"):
        merged.include(second)
