"""The card posted when the bot is added to a team, channel or chat."""

from __future__ import annotations

from cards.base import Card, bullets, card, heading, text, title
from i18n.texts import t

MAX_LISTED = 25  # keep the card short; the rest is summarised


def welcome_card(lang: str, unbound_units: list[str], total_units: int) -> Card:
    body = [title(t(lang, "welcome.title")), text(t(lang, "welcome.body"))]
    body.append(text(t(lang, "welcome.how")))
    if total_units == 0:
        body.append(text(t(lang, "welcome.no_units"), subtle=True))
    elif not unbound_units:
        body.append(text(t(lang, "welcome.all_bound"), subtle=True))
    else:
        body.append(heading(t(lang, "welcome.unbound", count=len(unbound_units))))
        shown = unbound_units[:MAX_LISTED]
        body.append(bullets(shown))
        if len(unbound_units) > MAX_LISTED:
            body.append(
                text(t(lang, "welcome.more", count=len(unbound_units) - MAX_LISTED), subtle=True)
            )
    return card(body)


def personal_welcome_card(lang: str) -> Card:
    return card([title(t(lang, "welcome.title")), text(t(lang, "welcome.personal"))])
