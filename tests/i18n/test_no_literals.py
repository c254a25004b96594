"""No user-visible literal outside the catalogue: whatever the bot says goes through
`i18n.texts` (sv and en), so a Swedish user never meets an English sentence and back.

The check reads the source (no import, no network): every call that puts text in front of a
person -- a reply (`send_text`, `set_invoke_message`), a card element (`text`, `title`,
`heading`, `bullets`) or a button label (`submit`, `execute`) -- must not be given a string
literal with words in it. Punctuation, numbers and formatting around catalogue texts pass.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
ROOMS = ("bot", "cards", "services")
SHOWN = {"send_text", "set_invoke_message", "text", "title", "heading", "submit", "execute"}
WORDS = re.compile(r"[A-Za-zÅÄÖåäöÉé]{2,}")


def _literal_words(node: ast.expr) -> str | None:
    """The words of a literal string (or the literal parts of an f-string), if any."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value if WORDS.search(node.value) else None
    if isinstance(node, ast.JoinedStr):
        parts = "".join(
            v.value for v in node.values if isinstance(v, ast.Constant) and isinstance(v.value, str)
        )
        return parts if WORDS.search(parts) else None
    return None


def _name(call: ast.Call) -> str | None:
    if isinstance(call.func, ast.Attribute):
        return call.func.attr
    if isinstance(call.func, ast.Name):
        return call.func.id
    return None


def _shown_literals(path: Path) -> list[str]:
    found = []
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if not isinstance(node, ast.Call) or _name(node) not in SHOWN or not node.args:
            continue
        if _name(node) == "text" and isinstance(node.func, ast.Attribute):
            continue  # turn.text(key): a catalogue look-up, not the card element
        words = _literal_words(node.args[0])
        if words is not None:
            found.append(f"{path.relative_to(ROOT)}:{node.lineno}: {words!r}")
    return found


def test_no_user_visible_literal_outside_the_catalogue() -> None:
    found = [
        hit
        for room in ROOMS
        for path in sorted((ROOT / room).rglob("*.py"))
        for hit in _shown_literals(path)
    ]
    assert not found, "\n".join(found)


def test_the_check_finds_a_literal_reply(tmp_path: Path) -> None:
    """The control: a handler that answers in a literal is caught."""
    sample = ROOT / "tests" / "i18n" / "_sample_handler.py"
    sample.write_text(
        'async def h(turn):\n    await turn.send_text(f"Klart, {turn.x} är sparad")\n'
    )
    try:
        assert _shown_literals(sample) == ["tests/i18n/_sample_handler.py:2: 'Klart,  är sparad'"]
    finally:
        sample.unlink()
