"""The help card: the commands this user may use here, in their language."""

from __future__ import annotations

from cards.base import Card, bullets, card, heading, text, title
from i18n.texts import role_name, t


def help_card(
    lang: str,
    commands: list[tuple[str, str]],
    *,
    unit: str | None,
    roles: list[str],
    lead: list[str] | None = None,
) -> Card:
    """`commands` is (usage word in the user's language, description) pairs."""
    body = [title(t(lang, "help.title"))]
    for line in lead or []:
        body.append(text(line))
    body.append(text(t(lang, "help.intro"), subtle=True))
    if unit:
        body.append(text(t(lang, "help.unit", unit=unit)))
    elif unit is None:
        body.append(text(t(lang, "help.unbound"), subtle=True))
    if roles:
        body.append(text(t(lang, "help.roles", roles=", ".join(role_name(lang, r) for r in roles))))
    body.append(heading(t(lang, "help.title").split("–")[-1].strip().capitalize()))
    body.append(bullets([f"**{word}** – {desc}" for word, desc in commands]))
    return card(body)
