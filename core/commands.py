"""Turn what a person typed into a command name and its argument text.

Teams delivers channel messages as `<at>Samverkan</at> setup Östersund`, often
with HTML around it and non-breaking spaces; people type `/Setup`, `setup` or
the Swedish `hjälp`. This module is pure: it knows the command vocabulary and
nothing else.
"""

from __future__ import annotations

import difflib
import html
import re
import unicodedata
from dataclasses import dataclass

_MENTION = re.compile(r"<at\b[^>]*>.*?</at>", re.IGNORECASE | re.DOTALL)
_TAG = re.compile(r"<[^>]+>")
_SPACE = re.compile(r"\s+")


@dataclass(frozen=True)
class CommandSpec:
    """A command: its canonical English name, Swedish aliases, and who may use it."""

    name: str
    aliases: tuple[str, ...] = ()
    # The lowest role needed: "staff" (anyone in the channel), "coordinator", "admin".
    role: str = "staff"
    # Where it makes sense: "channel", "personal", "groupChat".
    scopes: tuple[str, ...] = ("channel", "groupChat", "personal")


@dataclass(frozen=True)
class ParsedCommand:
    name: str  # canonical name, or the unknown word as typed (lower case)
    args: str
    known: bool
    suggestions: tuple[str, ...] = ()


def clean_text(text: str | None, bot_names: tuple[str, ...] = ()) -> str:
    """Strip @mentions, HTML and odd whitespace from a Teams message text."""
    if not text:
        return ""
    text = _MENTION.sub(" ", text)
    text = _TAG.sub(" ", text)
    text = html.unescape(text)
    text = unicodedata.normalize("NFC", text).replace("\u00a0", " ")
    text = _SPACE.sub(" ", text).strip()
    for name in bot_names:
        # A mention that lost its <at> tag (copy-paste, some clients) still starts with @Name.
        for prefix in (f"@{name}", name):
            if text.lower().startswith(prefix.lower() + " ") or text.lower() == prefix.lower():
                text = text[len(prefix) :].strip()
    return text


class CommandTable:
    """The vocabulary: canonical names and aliases, case-insensitive."""

    def __init__(self, specs: list[CommandSpec]) -> None:
        self.specs = {spec.name: spec for spec in specs}
        self._lookup: dict[str, str] = {}
        for spec in specs:
            for word in (spec.name, *spec.aliases):
                key = _fold(word)
                if key in self._lookup and self._lookup[key] != spec.name:
                    raise ValueError(f"alias {word!r} used by two commands")
                self._lookup[key] = spec.name

    def parse(self, text: str) -> ParsedCommand | None:
        """None for an empty message; otherwise the command, known or not."""
        text = text.strip()
        if text.startswith("/"):
            text = text[1:].lstrip()
        if not text:
            return None
        word, _, rest = text.partition(" ")
        key = _fold(word)
        name = self._lookup.get(key)
        if name is not None:
            return ParsedCommand(name=name, args=rest.strip(), known=True)
        return ParsedCommand(
            name=word.lower(), args=rest.strip(), known=False, suggestions=self.suggest(word)
        )

    def suggest(self, word: str, limit: int = 3) -> tuple[str, ...]:
        matches = difflib.get_close_matches(
            _fold(word), list(self._lookup), n=limit * 2, cutoff=0.6
        )
        names: list[str] = []
        for match in matches:
            name = self._lookup[match]
            if name not in names:
                names.append(name)
        return tuple(names[:limit])


def _fold(word: str) -> str:
    return unicodedata.normalize("NFC", word).casefold()
