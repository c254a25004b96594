"""Cards for binding a channel to a unit."""

from __future__ import annotations

from cards.base import Card, card, submit, text, title
from i18n.texts import t

MOVE_VERB = "setup.move"
KEEP_VERB = "setup.keep"


def confirm_move_card(
    lang: str,
    unit: str,
    unit_id: int,
    binding_id: int | None,
    other: str | None,
    *,
    replaces: str | None = None,
    here_binding_id: int | None = None,
) -> Card:
    """Asks before a binding changes: moving the unit's channel here (`binding_id`, bound to
    `other` now) and/or taking this channel from the unit it serves (`replaces`). The
    binding ids make a stale press detectable."""
    data: dict[str, int] = {"unit_id": unit_id}
    body = []
    if binding_id is not None:
        data["binding_id"] = binding_id
        body.append(title(t(lang, "setup.move_title", unit=unit)))
        body.append(text(t(lang, "setup.move_body", unit=unit, other=other or "")))
    else:
        body.append(title(t(lang, "setup.replace_title", unit=unit)))
    if replaces is not None:
        body.append(text(t(lang, "setup.replace_body", unit=unit, old=replaces)))
    if here_binding_id is not None:
        data["here_binding_id"] = here_binding_id
    yes = t(lang, "setup.move_yes") if replaces is None else t(lang, "setup.replace_yes", unit=unit)
    return card(
        body,
        [
            submit(yes, {"action": MOVE_VERB, **data}, style="positive"),
            submit(t(lang, "setup.move_no"), {"action": KEEP_VERB, **data}),
        ],
    )


def result_card(lang: str, message: str) -> Card:
    return card([text(message)])
