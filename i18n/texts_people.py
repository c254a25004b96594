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
    "personal.elsewhere": {
        "sv": "{who} hör till en annan organisation: jag når dem bara här i kanalen, med "
        "@-omnämnande, inte i en personlig chatt.",
        "en": "{who} belongs to another organisation: I reach them only here in the channel, "
        "with an @mention, not in a personal chat.",
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
    "nudge.row.indicator_alert": {
        "sv": "**Indikatorlarm i {unit}:** {title}",
        "en": "**Indicator alert in {unit}:** {title}",
    },
    "nudge.row.action_later": {
        "sv": "**Åtgärd {id}** ska vara klar {due} ({unit}): {title}",
        "en": "**Action {id}** is due {due} ({unit}): {title}",
    },
    # `mitt` / `mine` and the personal chat's settings.
    "cmd.mine": {
        "sv": "Visa allt som väntar på dig: `mitt`",
        "en": "Show everything waiting for you: `mine`",
    },
    "cmd.nudges": {
        "sv": "Hur ofta jag påminner dig: `påminnelser daglig|veckovis|brådskande`",
        "en": "How often I remind you: `nudges daily|weekly|urgent`",
    },
    "cmd.snooze": {
        "sv": "Pausa påminnelserna: `påminn mig om 3 dagar`",
        "en": "Pause the reminders: `snooze 3 days`",
    },
    "mine.title": {"sv": "Mitt", "en": "Mine"},
    "mine.nothing": {
        "sv": "Inget väntar på dig just nu.",
        "en": "Nothing is waiting for you right now.",
    },
    "mine.meetings": {"sv": "Nästa möten", "en": "Next meetings"},
    "mine.meeting": {"sv": "{unit}: {name}, {when}", "en": "{unit}: {name}, {when}"},
    "nudges.set.daily": {
        "sv": "Klart: du får en samlad påminnelse varje arbetsdag.",
        "en": "Done: you get one gathered reminder every working day.",
    },
    "nudges.set.weekly": {
        "sv": "Klart: du får en samlad påminnelse på måndagar (eller veckans första arbetsdag).",
        "en": "Done: you get one gathered reminder on Mondays (or the week's first working day).",
    },
    "nudges.set.urgent": {
        "sv": "Klart: du får bara det som är brådskande.",
        "en": "Done: you only get what is urgent.",
    },
    "nudges.usage": {
        "sv": "Skriv `påminnelser daglig`, `påminnelser veckovis` eller `påminnelser "
        "brådskande`. Nu: {current}.",
        "en": "Type `nudges daily`, `nudges weekly` or `nudges urgent`. Now: {current}.",
    },
    "nudges.personal_only": {
        "sv": "Det här gör du i din personliga chatt med mig.",
        "en": "You do this in your personal chat with me.",
    },
    "snooze.usage": {
        "sv": "Skriv till exempel `påminn mig om 3 dagar` (högst {max} dagar).",
        "en": "Type for example `snooze 3 days` (at most {max} days).",
    },
    "snooze.too_long": {
        "sv": "Du kan pausa högst {max} dagar.",
        "en": "You can pause for at most {max} days.",
    },
    "snooze.done": {
        "sv": "Klart: jag påminner dig igen {day}.",
        "en": "Done: I will remind you again {day}.",
    },
    "choose.unit": {
        "sv": "Du hör till flera enheter. Vilken menar du?",
        "en": "You belong to several units. Which one do you mean?",
    },
    "choose.none": {
        "sv": "Du hör inte till någon enhet än. Skriv kommandot i enhetens kanal.",
        "en": "You do not belong to a unit yet. Type the command in the unit's channel.",
    },
    "pulse.channel_only": {
        "sv": "Det gör du i enhetens kanal. Här: `puls status`.",
        "en": "You do that in the unit's channel. Here: `pulse status`.",
    },
    "choose.not_yours": {
        "sv": "Du hör inte till {unit} (ingen roll där, och jag har inte sett dig i dess kanal).",
        "en": "You do not belong to {unit} (no role there, and I have not seen you in its "
        "channel).",
    },
    # The command words the choice card's buttons type (in the person's language).
    "cmd.word.items": {"sv": "ärenden", "en": "items"},
    "cmd.word.pulse": {"sv": "puls", "en": "pulse"},
}
