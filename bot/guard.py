"""Free text a person sends is refused, with one explanation, when it holds a personnummer.

Every handler path that stores text calls `refused(turn, *texts)` before it writes.
Storage checks again (core.personnummer.refuse_identity_numbers raises
IdentityNumberRefused), and a refusal from there is told the same way
(`tell_refused`), so a path a handler forgot still stores nothing and explains why.
"""

from __future__ import annotations

from bot.turn import Turn
from core.personnummer import IdentityNumberRefused, contains_identity_number

__all__ = ["REFUSAL_KEY", "IdentityNumberRefused", "refusal_text", "refused", "tell_refused"]

REFUSAL_KEY = "error.personnummer"


def refusal_text(turn: Turn) -> str:
    return turn.text(REFUSAL_KEY)


async def tell_refused(turn: Turn) -> None:
    turn.services.metrics.inc("samverkan_personnummer_refused_total")
    await turn.send_text(refusal_text(turn))


async def refused(turn: Turn, *texts: str | None) -> bool:
    """True (and the person told why) when any of the texts holds a personnummer."""
    if not contains_identity_number(*texts):
        return False
    await tell_refused(turn)
    return True
