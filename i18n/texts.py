"""Everything the bot says, in Swedish and English.

One table keyed by message id; `t(lang, key, **args)` formats. Swedish is the
default; a missing English text falls back to Swedish rather than failing. The table is
this module's own texts plus those of each family module, merged by an explicit list
below (a key defined twice is an error at import).
"""

from __future__ import annotations

from typing import Literal

from i18n.texts_bounds import BOUNDS_TEXTS
from i18n.texts_calendar import CALENDAR_TEXTS
from i18n.texts_digest import DIGEST_TEXTS
from i18n.texts_edges import EDGE_TEXTS
from i18n.texts_files import FILE_TEXTS
from i18n.texts_items import ITEM_TEXTS
from i18n.texts_meetings import MEETING_TEXTS
from i18n.texts_people import PEOPLE_TEXTS
from i18n.texts_pulse import PULSE_TEXTS
from i18n.texts_pulse_delivery import PULSE_DELIVERY_TEXTS
from i18n.texts_reasons import REASON_TEXTS
from i18n.texts_tenancy import TENANCY_TEXTS

Lang = Literal["sv", "en"]

BASE_TEXTS: dict[str, dict[str, str]] = {
    # Commands: one-line descriptions for the help card.
    "cmd.help": {"sv": "Visa vad du kan göra här", "en": "Show what you can do here"},
    "cmd.setup": {
        "sv": "Koppla den här kanalen till en enhet: `setup ‹enhet›`",
        "en": "Bind this channel to a unit: `setup ‹unit›`",
    },
    "cmd.units": {
        "sv": "Visa kedjan av enheter och deras kanaler",
        "en": "Show the chain of units and their channels",
    },
    "cmd.language": {
        "sv": "Byt språk för dig: `språk en` eller `språk sv`",
        "en": "Change your language: `language en` or `language sv`",
    },
    # Help card.
    "help.title": {"sv": "Samverkan – kommandon", "en": "Samverkan – commands"},
    "help.intro": {
        "sv": "Skriv ett kommando, med eller utan /. I en kanal: nämn mig först (@Samverkan).",
        "en": "Type a command, with or without /. In a channel: mention me first (@Samverkan).",
    },
    "help.unit": {
        "sv": "Den här kanalen hör till **{unit}**.",
        "en": "This channel belongs to **{unit}**.",
    },
    "help.unbound": {
        "sv": "Den här kanalen är inte kopplad till någon enhet än.",
        "en": "This channel is not bound to a unit yet.",
    },
    "help.roles": {"sv": "Dina roller: {roles}", "en": "Your roles: {roles}"},
    "help.no_roles": {
        "sv": "Du har ingen särskild roll här.",
        "en": "You have no special role here.",
    },
    "role.coordinator": {"sv": "samordnare", "en": "coordinator"},
    "role.manager": {"sv": "chef", "en": "manager"},
    "role.admin": {"sv": "administratör", "en": "administrator"},
    "role.staff": {"sv": "medarbetare", "en": "staff"},
    # Unknown command.
    "unknown.title": {
        "sv": "Det kommandot känner jag inte igen",
        "en": "I don't know that command",
    },
    "unknown.didyoumean": {
        "sv": "Menade du **{suggestions}**?",
        "en": "Did you mean **{suggestions}**?",
    },
    "unknown.nothing": {
        "sv": 'Jag förstod inte "{word}". Här är vad du kan göra:',
        "en": 'I didn\'t understand "{word}". Here is what you can do:',
    },
    "or": {"sv": "eller", "en": "or"},
    # Welcome card.
    "welcome.title": {"sv": "Hej! Jag är Samverkan", "en": "Hi! I'm Samverkan"},
    "welcome.body": {
        "sv": "Jag påminner om möten med dagordning, skickar sammanställningar av gemensamma "
        "indikatorer och pulsmätningar, och lyfter ärenden uppåt i kedjan – och svaret tillbaka.",
        "en": "I remind you of meetings with their agenda, send digests of shared indicators and "
        "pulse surveys, and lift items up the chain – and carry the answer back.",
    },
    "welcome.how": {
        "sv": "En samordnare kopplar kanalen till sin enhet: skriv **@Samverkan setup ‹enhet›**.",
        "en": "A coordinator binds this channel to their unit: type **@Samverkan setup ‹unit›**.",
    },
    "welcome.unbound": {
        "sv": "Enheter utan kanal ({count})",
        "en": "Units without a channel ({count})",
    },
    "welcome.more": {"sv": "… och {count} till", "en": "… and {count} more"},
    "welcome.all_bound": {"sv": "Alla enheter har en kanal.", "en": "Every unit has a channel."},
    "welcome.no_units": {
        "sv": "Ingen organisation är inläst än. En administratör kör `samverkan org load FIL`.",
        "en": "No organisation is loaded yet. An administrator runs `samverkan org load FILE`.",
    },
    "welcome.personal": {
        "sv": "Här i vår chatt får du sammanställningar och kan svara på pulsmätningar. Skriv **hjälp** för att se vad du kan göra.",
        "en": "In this chat you get digests and can answer pulse surveys. Type **help** to see what you can do.",
    },
    # Setup.
    "setup.usage": {
        "sv": "Skriv vilken enhet kanalen ska kopplas till: `setup ‹enhet›`, t.ex. `setup {example}`.",
        "en": "Say which unit to bind this channel to: `setup ‹unit›`, e.g. `setup {example}`.",
    },
    "setup.not_channel": {
        "sv": "`setup` fungerar bara i en kanal i ett team. Lägg till mig i teamets kanal och försök där.",
        "en": "`setup` only works in a team channel. Add me to the team's channel and try there.",
    },
    "setup.unknown": {
        "sv": 'Jag hittar ingen enhet som heter "{name}".',
        "en": 'I can\'t find a unit called "{name}".',
    },
    "setup.suggest": {"sv": "Menade du: {names}?", "en": "Did you mean: {names}?"},
    "setup.no_suggest": {
        "sv": "Skriv `enheter` för att se alla enheter.",
        "en": "Type `units` to see every unit.",
    },
    "setup.done": {
        "sv": "Klart! Den här kanalen är nu kanal för **{unit}**. Påminnelser, sammanställningar och ärenden för enheten kommer hit.",
        "en": "Done! This channel is now the channel of **{unit}**. Reminders, digests and items for the unit will come here.",
    },
    "setup.waiting.one": {
        "sv": "{count} lyft ärende som väntat på en kanal skickas hit nu.",
        "en": "{count} escalated item that waited for a channel is being posted here now.",
    },
    "setup.waiting.other": {
        "sv": "{count} lyfta ärenden som väntat på en kanal skickas hit nu.",
        "en": "{count} escalated items that waited for a channel are being posted here now.",
    },
    "setup.already_here": {
        "sv": "Den här kanalen är redan kopplad till **{unit}**. Inget ändrat.",
        "en": "This channel is already bound to **{unit}**. Nothing changed.",
    },
    "setup.move_title": {"sv": "Flytta {unit} hit?", "en": "Move {unit} here?"},
    "setup.move_body": {
        "sv": '**{unit}** är redan kopplad till kanalen "{other}". Vill du flytta den hit? Då kommer enhetens kort hit i stället.',
        "en": '**{unit}** is already bound to the channel "{other}". Move it here? Its cards will then come here instead.',
    },
    "setup.move_yes": {"sv": "Ja, flytta hit", "en": "Yes, move here"},
    "setup.move_no": {"sv": "Nej, behåll", "en": "No, keep it"},
    "setup.move_cancelled": {
        "sv": "Okej, {unit} ligger kvar där den var.",
        "en": "OK, {unit} stays where it was.",
    },
    "setup.stale": {
        "sv": 'Det här valet gäller inte längre: **{unit}** är nu kopplad till "{other}". Skriv `setup {unit}` igen om du vill flytta den.',
        "en": 'This choice no longer applies: **{unit}** is now bound to "{other}". Type `setup {unit}` again to move it.',
    },
    "setup.replace_title": {
        "sv": "Koppla kanalen till {unit}?",
        "en": "Bind this channel to {unit}?",
    },
    "setup.replace_body": {
        "sv": "Den här kanalen är kanal för **{old}** nu. Kopplar du den till **{unit}** har {old} ingen kanal förrän någon kopplar en ny.",
        "en": "This channel is the channel of **{old}** now. If you bind it to **{unit}**, {old} has no channel until someone binds a new one.",
    },
    "setup.replace_yes": {"sv": "Ja, koppla till {unit}", "en": "Yes, bind to {unit}"},
    "setup.replace_denied": {
        "sv": "Den här kanalen är kanal för **{old}**. Att koppla om den kräver också samordnare för {old} (eller en administratör).",
        "en": "This channel is the channel of **{old}**. Rebinding it also takes a coordinator of {old} (or an administrator).",
    },
    "setup.stale_any": {
        "sv": "Det här valet gäller inte längre – kopplingarna har ändrats sedan kortet skickades. Skriv `setup {unit}` igen om du vill koppla hit den.",
        "en": "This choice no longer applies – the bindings changed since the card was sent. Type `setup {unit}` again to bind it here.",
    },
    "setup.other_unit_here": {
        "sv": "Obs: kanalen var kopplad till {old}; den kopplingen är borttagen.",
        "en": "Note: this channel was bound to {old}; that binding is removed.",
    },
    "setup.unknown_channel": {"sv": "okänd kanal", "en": "unknown channel"},
    # Roles.
    "denied": {
        "sv": "Det här får bara {role} för {unit} göra. {who}",
        "en": "Only the {role} of {unit} can do this. {who}",
    },
    "denied.who": {"sv": "Fråga {people}.", "en": "Ask {people}."},
    "denied.group": {
        "sv": "Fråga någon som har rollen genom sin grupp i Entra ID.",
        "en": "Ask someone who holds the role through their Entra ID group.",
    },
    "denied.nobody": {
        "sv": "Enheten har ingen {role} än – en administratör lägger till det i organisationsfilen.",
        "en": "The unit has no {role} yet – an administrator adds one in the org file.",
    },
    "denied.admin": {
        "sv": "Det här får bara en administratör göra.",
        "en": "Only an administrator can do this.",
    },
    # Units.
    "units.title": {"sv": "Enheter", "en": "Units"},
    "units.no_channel": {"sv": "ingen kanal", "en": "no channel"},
    # Language.
    "language.set": {
        "sv": "Jag skriver svenska till dig från och med nu.",
        "en": "I'll write to you in English from now on.",
    },
    "language.usage": {
        "sv": "Skriv `språk sv` eller `språk en`.",
        "en": "Type `language sv` or `language en`.",
    },
    # Formatting (i18n/format.py): dates, periods, meeting rules.
    "fmt.when": {"sv": "{day} kl. {time}", "en": "{day} at {time}"},
    "fmt.quarter": {"sv": "kvartal {number} {year}", "en": "Q{number} {year}"},
    "fmt.nth.1": {"sv": "första", "en": "first"},
    "fmt.nth.2": {"sv": "andra", "en": "second"},
    "fmt.nth.3": {"sv": "tredje", "en": "third"},
    "fmt.nth.4": {"sv": "fjärde", "en": "fourth"},
    "fmt.nth.5": {"sv": "femte", "en": "fifth"},
    "fmt.nth.-1": {"sv": "sista", "en": "last"},
    "fmt.nth.-2": {"sv": "näst sista", "en": "second to last"},
    "fmt.rule.nth_day": {"sv": "{nths} {weekday}en", "en": "the {nths} {weekday}"},
    "fmt.rule.weekly.1": {"sv": "varje {days}", "en": "every {days}"},
    "fmt.rule.weekly.2": {"sv": "varannan {days}", "en": "every other {days}"},
    "fmt.rule.weekly.n": {"sv": "{days} var {n}:e vecka", "en": "{days} every {n} weeks"},
    "fmt.rule.monthly.1": {"sv": "{days} varje månad", "en": "{days} of every month"},
    "fmt.rule.monthly.2": {"sv": "{days} varannan månad", "en": "{days} every other month"},
    "fmt.rule.monthly.n": {"sv": "{days} var {n}:e månad", "en": "{days} every {n} months"},
    "fmt.rule.yearly.1": {"sv": "{days}{months} varje år", "en": "{days}{months} every year"},
    "fmt.rule.yearly.2": {
        "sv": "{days}{months} vartannat år",
        "en": "{days}{months} every other year",
    },
    "fmt.rule.yearly.n": {
        "sv": "{days}{months} vart {n}:e år",
        "en": "{days}{months} every {n} years",
    },
    "fmt.rule.in_months": {"sv": " i {months}", "en": " in {months}"},
    "fmt.rule.except": {"sv": " utom i {months}", "en": " except in {months}"},
    "fmt.rule.weeks.odd": {"sv": "varje {days} i udda veckor", "en": "every {days} in odd weeks"},
    "fmt.rule.weeks.even": {
        "sv": "varje {days} i jämna veckor",
        "en": "every {days} in even weeks",
    },
    "fmt.rule.weeks.list.one": {
        "sv": "varje {days} vecka {weeks}",
        "en": "every {days} in week {weeks}",
    },
    "fmt.rule.weeks.list.other": {
        "sv": "varje {days} veckorna {weeks}",
        "en": "every {days} in weeks {weeks}",
    },
    "fmt.rule.until": {"sv": "{rule}, till och med {date}", "en": "{rule}, until {date}"},
    "fmt.rule.count.one": {"sv": "{rule}, {count} möte", "en": "{rule}, {count} meeting"},
    "fmt.rule.count.other": {"sv": "{rule}, {count} möten", "en": "{rule}, {count} meetings"},
    "fmt.rule.at": {"sv": "{rule} kl. {time}", "en": "{rule}, {time}"},
    # Generic.
    "error.generic": {
        "sv": "Något gick fel hos mig. Inget av det du skrev har gått förlorat – försök igen om en stund.",
        "en": "Something went wrong on my side. Nothing you wrote was lost – please try again shortly.",
    },
    "error.bad_action": {
        "sv": "Det kortet känner jag inte igen längre. Skriv `hjälp` för att se vad du kan göra.",
        "en": "I no longer recognise that card. Type `help` to see what you can do.",
    },
    "error.too_long": {
        "sv": "Texten är för lång ({length} tecken). Korta den till högst {limit} tecken.",
        "en": "The text is too long ({length} characters). Shorten it to at most {limit}.",
    },
    # The one refusal for a personnummer in free text, wherever it was typed (bot/guard.py).
    "error.personnummer": {
        "sv": "Texten ser ut att innehålla ett personnummer eller samordningsnummer, så inget sparades. Samverkan får aldrig lagra patientuppgifter – ta bort numret och skicka igen.",
        "en": "The text seems to contain a Swedish personal identity or coordination number, so nothing was saved. Samverkan must never store patient data – remove the number and send again.",
    },
    "ratelimited": {
        "sv": "Lugn i stormen – du skickar många kommandon just nu. Vänta några sekunder och försök igen.",
        "en": "Easy there – you are sending many commands right now. Wait a few seconds and try again.",
    },
}


def _merge(*tables: dict[str, dict[str, str]]) -> dict[str, dict[str, str]]:
    merged: dict[str, dict[str, str]] = {}
    for table in tables:
        twice = merged.keys() & table.keys()
        if twice:
            raise ValueError(f"texts defined twice: {sorted(twice)}")
        merged.update(table)
    return merged


TEXTS = _merge(
    BASE_TEXTS,
    BOUNDS_TEXTS,
    DIGEST_TEXTS,
    EDGE_TEXTS,
    ITEM_TEXTS,
    MEETING_TEXTS,
    PULSE_TEXTS,
    PULSE_DELIVERY_TEXTS,
    TENANCY_TEXTS,
    FILE_TEXTS,
    REASON_TEXTS,
    PEOPLE_TEXTS,
    CALENDAR_TEXTS,
)


def t(lang: str, key: str, **args: object) -> str:
    entry = TEXTS[key]
    template = entry.get(lang) or entry["sv"]
    return template.format(**args) if args else template


def role_name(lang: str, role: str) -> str:
    return t(lang, f"role.{role}")
