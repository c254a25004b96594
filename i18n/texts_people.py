"""Texts for mentions and personal messages (people, not rooms); merged into
i18n.texts.TEXTS."""

from __future__ import annotations

PEOPLE_TEXTS: dict[str, dict[str, str]] = {
    # Mention lines on channel cards that ask someone to act.
    "mention.coordinators": {"sv": "Samordnare:", "en": "Coordinators:"},
    "mention.assignee": {"sv": "Ansvarig:", "en": "Assigned to:"},
    "mention.owner": {"sv": "Ägare:", "en": "Owner:"},
    "mention.proposal_waits": {
        "sv": "Väntar på godkännande av",
        "en": "Waiting for acceptance by",
    },
    # Personal messages (1:1 chat).
    "personal.item_arrived": {
        "sv": "Ärende #{id} **{title}** har kommit till **{unit}**, som du samordnar.",
        "en": "Item #{id} **{title}** has arrived at **{unit}**, which you coordinate.",
    },
    "personal.item_answered": {
        "sv": "Ärende #{id} **{title}** har fått svar från **{unit}**.",
        "en": "Item #{id} **{title}** was answered by **{unit}**.",
    },
    "personal.unreachable": {
        "sv": "Jag kan inte nå {who} i en personlig chatt (appen är inte installerad för "
        "dem). Be dem öppna Samverkan i Teams.",
        "en": "I cannot reach {who} in a personal chat (the app is not installed for them). "
        "Ask them to open Samverkan in Teams.",
    },
    "personal.left": {
        "sv": "{who} finns inte längre i organisationen i Teams; jag skickar inga fler "
        "personliga meddelanden till dem.",
        "en": "{who} is no longer in the organisation in Teams; I will send them no more "
        "personal messages.",
    },
}
