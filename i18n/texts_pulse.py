"""Pulse texts in Swedish and English; merged into i18n.texts.TEXTS by cards.pulse."""

from __future__ import annotations

from i18n.texts_pulse_builder import PULSE_BUILDER_TEXTS

PULSE_TEXTS: dict[str, dict[str, str]] = {
    "cmd.pulse": {
        "sv": "Pulsmätning: visa den öppna pulsen, `puls mallar`; samordnare: `puls start [mall]`, "
        "`puls stäng`, `puls resultat`, `puls ny mall`",
        "en": "Pulse survey: show the open pulse, `pulse templates`; coordinators: "
        "`pulse start [template]`, `pulse close`, `pulse results`, `pulse new template`",
    },
    "pulse.anonymous": {
        "sv": "Anonymt: ingen – inte heller en administratör – kan se vem som svarat vad. "
        "Resultat visas bara när minst {threshold} har svarat.",
        "en": "Anonymous: no one – administrators included – can see who answered what. "
        "Results show only when at least {threshold} people have answered.",
    },
    "pulse.closes": {"sv": "Öppen till {when}.", "en": "Open until {when}."},
    "pulse.send": {"sv": "Skicka svar", "en": "Send answer"},
    "pulse.you_answered": {"sv": "Du svarade {summary}", "en": "You answered {summary}"},
    "pulse.you_have_answered": {
        "sv": "Du har svarat på pulsen. Tack!",
        "en": "You have answered this pulse. Thank you!",
    },
    "pulse.you_answered_hint": {
        "sv": "Bara du ser det här. Ett svar per person, och det går inte att ändra – så kan "
        "ingen koppla det till dig. Pulsen stänger {when}.",
        "en": "Only you see this. One answer per person, and it cannot be changed – so no one "
        "can link it to you. The pulse closes {when}.",
    },
    "pulse.no_change": {
        "sv": "Ditt svar är redan sparat och kan inte ändras eller skickas igen: det skulle "
        "kräva en nyckel som kopplar svaret till dig.",
        "en": "Your answer is already saved and cannot be changed or sent again: that would "
        "need a key linking the answer to you.",
    },
    "pulse.already_answered": {
        "sv": "Du har redan svarat på den här pulsen – ett svar per person, och det kan inte "
        "ändras. Tack!",
        "en": "You have already answered this pulse – one answer per person, and it cannot be "
        "changed. Thank you!",
    },
    "pulse.yes": {"sv": "Ja", "en": "Yes"},
    "pulse.no": {"sv": "Nej", "en": "No"},
    "pulse.text_placeholder": {
        "sv": "Högst 500 tecken. Skriv aldrig personnummer eller patientuppgifter.",
        "en": "At most 500 characters. Never write personal identity numbers or patient data.",
    },
    "pulse.required": {"sv": "Välj ett svar.", "en": "Choose an answer."},
    "pulse.saved": {
        "sv": "Tack! Ditt svar är sparat anonymt.",
        "en": "Thank you! Your answer is saved anonymously.",
    },
    "pulse.closed_title": {"sv": "{name} – stängd", "en": "{name} – closed"},
    "pulse.closed_body": {
        "sv": "Pulsen stängde {when} med {answers} svar.",
        "en": "The pulse closed {when} with {answers} answers.",
    },
    "pulse.closed_where": {
        "sv": "Resultatet finns i kanalen (kortet under) och i enhetens sammanställning. "
        "Samordnare: skriv **@Samverkan puls resultat**.",
        "en": "The results are in this channel (the card below) and in the unit's digest. "
        "Coordinators: type **@Samverkan pulse results**.",
    },
    "pulse.closed_too_few": {
        "sv": "För få svar för att visa resultat (minst {threshold} behövs) – det skyddar "
        "den som svarat.",
        "en": "Too few answers to show results (at least {threshold} are needed) – this "
        "protects those who answered.",
    },
    # Refusals.
    "pulse.refused.closed": {
        "sv": "Pulsen är stängd – svaret sparades inte.",
        "en": "The pulse is closed – the answer was not saved.",
    },
    "pulse.refused.unknown": {
        "sv": "Den pulsen finns inte – svaret sparades inte.",
        "en": "That pulse does not exist – the answer was not saved.",
    },
    "pulse.refused.tampered": {
        "sv": "Svaret kunde inte läsas – inget sparades. Svara på kortet i kanalen.",
        "en": "The answer could not be read – nothing was saved. Answer on the card in the channel.",
    },
    "pulse.refused.out_of_range": {
        "sv": "Ett svar låg utanför de tillåtna värdena – inget sparades.",
        "en": "An answer was outside the allowed values – nothing was saved.",
    },
    "pulse.refused.missing": {
        "sv": "Svara på frågan ”{question}” – inget sparades.",
        "en": "Answer the question “{question}” – nothing was saved.",
    },
    "pulse.refused.empty": {
        "sv": "Svaret var tomt – inget sparades.",
        "en": "The answer was empty – nothing was saved.",
    },
    "pulse.refused.too_long": {
        "sv": "Fritexten är längre än 500 tecken – inget sparades.",
        "en": "The free text is longer than 500 characters – nothing was saved.",
    },
    # Commands.
    "pulse.unbound": {
        "sv": "Den här kanalen är inte kopplad till någon enhet, så här finns ingen puls. "
        "En samordnare kopplar den med **setup ‹enhet›**.",
        "en": "This channel is not bound to a unit, so there is no pulse here. A coordinator "
        "binds it with **setup ‹unit›**.",
    },
    "pulse.none_open": {
        "sv": "Ingen puls är öppen för {unit} just nu.",
        "en": "No pulse is open for {unit} right now.",
    },
    "pulse.open_status": {
        "sv": "{name} är öppen för {unit} till {when}: {answers} svar hittills.",
        "en": "{name} is open for {unit} until {when}: {answers} answers so far.",
    },
    "pulse.started": {
        "sv": "{name} startad för {unit}, öppen till {when}.",
        "en": "{name} started for {unit}, open until {when}.",
    },
    "pulse.already_open": {
        "sv": "{unit} har redan en öppen puls (till {when}). Stäng den först med **puls stäng**.",
        "en": "{unit} already has an open pulse (until {when}). Close it first with "
        "**pulse close**.",
    },
    "pulse.cooling_down": {
        "sv": "{unit} hade nyss en puls. Nästa kan starta tidigast {when} – med tid emellan "
        "går det inte att räkna fram enskildas svar genom att jämföra två pulser.",
        "en": "{unit} just had a pulse. The next one can start {when} at the earliest – with "
        "time in between, comparing two pulses cannot reveal anyone's answers.",
    },
    "pulse.unknown_template": {
        "sv": "Det finns ingen pulsmall som heter ”{name}”. Mallar: {names}.",
        "en": "There is no pulse template called “{name}”. Templates: {names}.",
    },
    "pulse.closed_now": {
        "sv": "Pulsen för {unit} är stängd ({answers} svar).",
        "en": "The pulse for {unit} is closed ({answers} answers).",
    },
    "pulse.closed_pending": {
        "sv": "Pulsen för {unit} är stängd. Resultatet läggs i kanalen när alla svar är "
        "sparade, inom några minuter.",
        "en": "The pulse for {unit} is closed. The results are posted in the channel once "
        "every answer is saved, within a few minutes.",
    },
    "pulse.no_results": {
        "sv": "{unit} har ingen stängd puls än.",
        "en": "{unit} has no closed pulse yet.",
    },
    "pulse.usage": {
        "sv": "Använd: **puls**, **puls start [mall]**, **puls stäng**, **puls resultat**, "
        "**puls mallar**, **puls ny mall**.",
        "en": "Use: **pulse**, **pulse start [template]**, **pulse close**, **pulse results**, "
        "**pulse templates**, **pulse new template**.",
    },
    "pulse.reminder": {
        "sv": "Påminnelse: {name} stänger {when}. Svara på kortet ovan – det tar tio sekunder "
        "och är anonymt.",
        "en": "Reminder: {name} closes {when}. Answer on the card above – it takes ten "
        "seconds and is anonymous.",
    },
    # Results.
    "pulse.results_title": {
        "sv": "{name} – resultat för {unit}",
        "en": "{name} – results for {unit}",
    },
    "pulse.results_answers": {"sv": "Antal svar", "en": "Answers"},
    "pulse.results_rate": {"sv": "Svarsfrekvens", "en": "Response rate"},
    "pulse.results_rate_value": {
        "sv": "{rate} % av {members} i kanalen",
        "en": "{rate}% of {members} in the channel",
    },
    "pulse.results_mean": {
        "sv": "Medelvärde {mean} av {top} · {answered} svar",
        "en": "Mean {mean} of {top} · {answered} answers",
    },
    "pulse.results_question_answers": {
        "sv": "{answered} svar",
        "en": "{answered} answers",
    },
    "pulse.results_multi_note": {
        "sv": "{answered} svar · flera val möjliga",
        "en": "{answered} answers · several choices allowed",
    },
    "pulse.results_period": {"sv": "Period", "en": "Period"},
    "pulse.results_texts": {
        "sv": "Fritextsvar (i slumpad ordning):",
        "en": "Free-text answers (in random order):",
    },
    "pulse.results_no_texts": {"sv": "Inga fritextsvar.", "en": "No free-text answers."},
    "pulse.results_texts_withheld.one": {
        "sv": "{count} person skrev fritext. Fritext visas först när minst {threshold} "
        "personer har skrivit – annars går den att känna igen.",
        "en": "{count} person wrote free text. Free text is shown only when at least "
        "{threshold} people have written some – otherwise it can be recognised.",
    },
    "pulse.results_texts_withheld.other": {
        "sv": "{count} personer skrev fritext. Fritext visas först när minst {threshold} "
        "personer har skrivit – annars går den att känna igen.",
        "en": "{count} people wrote free text. Free text is shown only when at least "
        "{threshold} people have written some – otherwise it can be recognised.",
    },
    "pulse.results_hidden": {
        "sv": "{answers} svar – för få för att visa resultat (minst {threshold} behövs).",
        "en": "{answers} answers – too few to show results (at least {threshold} are needed).",
    },
    "pulse.results_series_hidden": {
        "sv": "Resultatet visas inte: tillsammans med andra visade resultat skulle det gå att "
        "räkna fram svaren från färre än {threshold} personer.",
        "en": "Not shown: together with other results already shown, it would let someone "
        "work out the answers of fewer than {threshold} people.",
    },
    "pulse.results_rollup": {
        "sv": "Skattad samverkan (medel 1–5), {unit} och enheterna under, {period}",
        "en": "Staff-rated collaboration (mean 1–5), {unit} and the units below, {period}",
    },
}

PULSE_TEXTS.update(PULSE_BUILDER_TEXTS)
