"""Free text a person sends is refused, with one explanation, when it holds a personnummer.

Every handler path that stores text calls `check(*texts)` before it writes: it raises
`IdentityNumberRefused`, a `Refused` that bot/agent.py tells the person (and counts).
Storage checks again (core.personnummer.refuse_identity_numbers raises the same error),
so a path a handler forgot still stores nothing and explains why, the same way.
"""

from __future__ import annotations

from core.personnummer import IdentityNumberRefused, refuse_identity_numbers

__all__ = ["REFUSAL_KEY", "IdentityNumberRefused", "check"]

REFUSAL_KEY = IdentityNumberRefused.KEY


def check(*texts: str | None) -> None:
    """Raise IdentityNumberRefused when any of the texts holds a personnummer."""
    refuse_identity_numbers(*texts)
