"""Texts for cards that are longer than one message can hold (sv + en).

Merged into i18n.texts.TEXTS at import, so `t(lang, ...)` works everywhere.
"""

from __future__ import annotations

BOUNDS_TEXTS: dict[str, dict[str, str]] = {
    # The last check (cards/bounds.py), when a card is still too big for Teams.
    "card.more": {"sv": "… och {count} till", "en": "… and {count} more"},
    "card.cut": {
        "sv": "… och {count} delar till, som inte får plats i ett meddelande.",
        "en": "… and {count} more parts that do not fit in one message.",
    },
    "card.too_big": {
        "sv": "Det här kortet blev för stort för Teams. Be om en mindre del, t.ex. en sida i taget.",
        "en": "This card grew too big for Teams. Ask for a smaller part, e.g. one page at a time.",
    },
    # Pages of long lists (the agenda, action items).
    "page.show_all": {"sv": "Visa alla ({count})", "en": "Show all ({count})"},
    "page.next": {"sv": "Nästa sida", "en": "Next page"},
    "page.previous": {"sv": "Föregående sida", "en": "Previous page"},
    "page.first": {"sv": "Till början", "en": "Back to the start"},
    "page.range": {
        "sv": "Visar {first}–{last} av {count}.",
        "en": "Showing {first}–{last} of {count}.",
    },
    "page.more": {
        "sv": "… och {count} till. Tryck på **Visa alla** för att bläddra bland dem.",
        "en": "… and {count} more. Press **Show all** to page through them.",
    },
    "list.more_items": {
        "sv": "… och {count} ärenden till. Visa färre med `ärenden mina`, `ärenden försenade` eller `ärenden lyfta`.",
        "en": "… and {count} more items. Show fewer with `items mine`, `items overdue` or `items escalated`.",
    },
    "list.more_texts": {
        "sv": "… och {count} svar till, som inte får plats här.",
        "en": "… and {count} more answers that do not fit here.",
    },
    "list.more_series": {
        "sv": "… och {count} mötesserier till.",
        "en": "… and {count} more meeting series.",
    },
    "list.more_minutes": {
        "sv": "… och {count} till. Hela protokollet finns i exporten (`samverkan export minutes`).",
        "en": "… and {count} more. The whole minutes are in the export (`samverkan export minutes`).",
    },
}
