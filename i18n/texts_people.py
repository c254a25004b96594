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
    # The nudge card (cards/nudges.py).
    "nudge.title": {"sv": "Det här väntar på dig", "en": "Waiting for you"},
    "nudge.urgent_title": {"sv": "Brådskande", "en": "Urgent"},
    "nudge.summary": {"sv": "{n} saker väntar på dig", "en": "{n} things wait for you"},
    "nudge.urgent_summary": {"sv": "Brådskande från Samverkan", "en": "Urgent from Samverkan"},
    "nudge.footer": {
        "sv": "Ändra hur ofta: `påminnelser daglig|veckovis|brådskande`. "
        "Pausa: `påminn mig om 3 dagar`. Allt som väntar: `mitt`.",
        "en": "Change how often: `nudges daily|weekly|urgent`. "
        "Pause: `snooze 3 days`. Everything waiting: `mine`.",
    },
    "nudge.done": {"sv": "Klar", "en": "Done"},
    "nudge.open": {"sv": "Öppna", "en": "Open"},
    "nudge.snooze": {"sv": "Påminn om {days} dagar", "en": "Remind me in {days} days"},
    "nudge.row.action_overdue": {
        "sv": "**Åtgärd {id}** är försenad ({days} arbetsdagar, {unit}): {title}",
        "en": "**Action {id}** is overdue ({days} working days, {unit}): {title}",
    },
    "nudge.row.action_overdue_other": {
        "sv": "**Åtgärd {id}** i {unit} är försenad {days} arbetsdagar: {title}",
        "en": "**Action {id}** in {unit} is {days} working days overdue: {title}",
    },
    "nudge.row.action_today": {
        "sv": "**Åtgärd {id}** ska vara klar i dag ({unit}): {title}",
        "en": "**Action {id}** is due today ({unit}): {title}",
    },
    "nudge.row.action_soon": {
        "sv": "**Åtgärd {id}** ska vara klar {due} ({unit}): {title}",
        "en": "**Action {id}** is due {due} ({unit}): {title}",
    },
    "nudge.row.item_waiting": {
        "sv": "**Ärende #{id}** väntar på {unit}: {title}",
        "en": "**Item #{id}** waits at {unit}: {title}",
    },
    "nudge.row.item_assigned": {
        "sv": "**Ärende #{id}** är ditt ({unit}): {title}",
        "en": "**Item #{id}** is yours ({unit}): {title}",
    },
    "nudge.row.item_answered": {
        "sv": "**Ärende #{id}** som du tog upp har fått svar: {title}",
        "en": "**Item #{id}** you raised has an answer: {title}",
    },
    "nudge.row.pulse_closing": {
        "sv": "**Pulsen i {unit}** stänger {due} och du har inte svarat. Svara på kortet "
        "i enhetens kanal.",
        "en": "**The pulse in {unit}** closes {due} and you have not answered. Answer on "
        "the card in the unit's channel.",
    },
}
