"""Commands by name, card actions by name.

Each handler module fills its own `HANDLERS = Router()`:

    @HANDLERS.command("help", aliases=("hjälp",), help_key="cmd.help")
    async def help_command(turn: Turn, args: str) -> None: ...

    @HANDLERS.action(SETUP_MOVE)
    async def move(turn: Turn, data: dict[str, Any]) -> None: ...

and bot/handlers/__init__.py merges the modules it lists (`build_router`). There is no
process-wide router: what answers is what that list names.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from bot.turn import Turn
from core.commands import CommandSpec, CommandTable

CommandHandler = Callable[[Turn, str], Awaitable[None]]
ActionHandler = Callable[[Turn, dict[str, Any]], Awaitable[None]]
# A file a person sent in the personal chat (core/files.py InboundFile), by file type.
FileHandler = Callable[[Turn, Any], Awaitable[None]]


@dataclass(frozen=True)
class CommandEntry:
    spec: CommandSpec
    handler: CommandHandler
    help_key: str
    # The word shown in the help card, per language (Swedish alias for sv users).
    words: dict[str, str]


class Router:
    def __init__(self) -> None:
        self.commands: dict[str, CommandEntry] = {}
        self.actions: dict[str, ActionHandler] = {}
        # Actions that never need to know who the person is (pulse answers: anonymous,
        # and the hot path), so the agent does not look them up first.
        self.anonymous_actions: set[str] = set()
        # File type ("csv", "xlsx") -> what reads such a file sent in the personal chat.
        self.files: dict[str, FileHandler] = {}

    def command(
        self,
        name: str,
        *,
        aliases: tuple[str, ...] = (),
        role: str = "staff",
        scopes: tuple[str, ...] = ("channel", "groupChat", "personal"),
        help_key: str | None = None,
        sv: str | None = None,
    ) -> Callable[[CommandHandler], CommandHandler]:
        def register(fn: CommandHandler) -> CommandHandler:
            if name in self.commands:
                raise ValueError(f"command {name!r} registered twice")
            spec = CommandSpec(name=name, aliases=aliases, role=role, scopes=scopes)
            words = {"en": name, "sv": sv or (aliases[0] if aliases else name)}
            self.commands[name] = CommandEntry(spec, fn, help_key or f"cmd.{name}", words)
            return fn

        return register

    def action(
        self, name: str, *, anonymous: bool = False
    ) -> Callable[[ActionHandler], ActionHandler]:
        def register(fn: ActionHandler) -> ActionHandler:
            if name in self.actions:
                raise ValueError(f"action {name!r} registered twice")
            self.actions[name] = fn
            if anonymous:
                self.anonymous_actions.add(name)
            return fn

        return register

    def file(self, *file_types: str) -> Callable[[FileHandler], FileHandler]:
        """Register the reader of files of these types sent in the personal chat."""

        def register(fn: FileHandler) -> FileHandler:
            for kind in file_types:
                if kind in self.files:
                    raise ValueError(f"file type {kind!r} registered twice")
                self.files[kind] = fn
            return fn

        return register

    def include(self, other: Router) -> None:
        """Take every command and action of `other`; a name taken twice is an error."""
        for name, entry in other.commands.items():
            if name in self.commands:
                raise ValueError(f"command {name!r} registered twice")
            self.commands[name] = entry
        for name, handler in other.actions.items():
            if name in self.actions:
                raise ValueError(f"action {name!r} registered twice")
            self.actions[name] = handler
        self.anonymous_actions |= other.anonymous_actions
        for kind, file_handler in other.files.items():
            if kind in self.files:
                raise ValueError(f"file type {kind!r} registered twice")
            self.files[kind] = file_handler

    def table(self) -> CommandTable:
        return CommandTable([entry.spec for entry in self.commands.values()])
