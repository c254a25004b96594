"""Cards for binding a channel to a unit."""

from __future__ import annotations

from cards.base import Card, card, submit, text, title
from cards.texts import t


def confirm_move_card(lang: str, unit: str, unit_id: int, binding_id: int, other: str) -> Card:
    """Asks before moving a unit's channel. The binding id makes a stale press detectable."""
    data = {"unit_id": unit_id, "binding_id": binding_id}
    return card(
        [
            title(t(lang, "setup.move_title", unit=unit)),
            text(t(lang, "setup.move_body", unit=unit, other=other)),
        ],
        [
            submit(t(lang, "setup.move_yes"), {"action": "setup.move", **data}, style="positive"),
            submit(t(lang, "setup.move_no"), {"action": "setup.keep", **data}),
        ],
    )


def result_card(lang: str, message: str) -> Card:
    return card([text(message)])
