"""Refused meeting input: `MeetingError` and the guard every stored meeting text passes
(whitespace folded, not empty, within its limit, no personal identity number)."""

from __future__ import annotations

from core.personnummer import IdentityNumberRefused, contains_identity_number
from core.refusal import Refused

MAX_TEXT = 500


class MeetingError(Refused, ValueError):
    """Refused input; `code` picks the message (`mtg.err.<code>`), `values` fill it."""

    def __init__(self, code: str, **values: object) -> None:
        super().__init__(f"mtg.err.{code}", **values)
        self.code = code


def guard(text: str, limit: int = MAX_TEXT) -> str:
    text = " ".join(text.split())
    if not text:
        raise MeetingError("empty")
    if len(text) > limit:
        raise MeetingError("too_long", length=len(text), limit=limit)
    if contains_identity_number(text):
        raise IdentityNumberRefused
    return text
