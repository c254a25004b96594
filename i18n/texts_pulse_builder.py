"""Texts of the pulse template builder, templates list, trend, comments and export
(sv and en); merged into PULSE_TEXTS (i18n/texts_pulse.py)."""

from __future__ import annotations

PULSE_BUILDER_TEXTS: dict[str, dict[str, str]] = {
    "pulse.builder.title": {"sv": "Ny pulsmall", "en": "New pulse template"},
    "pulse.builder.intro": {
        "sv": "Skriv upp till fem frågor. Tomma rader hoppas över. Förhandsgranska innan du "
        "sparar; mallen gäller bara den här enheten.",
        "en": "Write up to five questions. Empty rows are skipped. Preview before you save; "
        "the template is for this unit only.",
    },
    "pulse.builder.name": {"sv": "Mallens namn", "en": "Template name"},
    "pulse.builder.name_needed": {"sv": "Mallen behöver ett namn.", "en": "Name the template."},
    "pulse.builder.question": {"sv": "Fråga {number}", "en": "Question {number}"},
    "pulse.builder.text": {"sv": "Frågan", "en": "The question"},
    "pulse.builder.kind": {"sv": "Svarstyp", "en": "Answer type"},
    "pulse.builder.kind_scale5": {
        "sv": "Skala 1–5 (med etiketter i ändarna)",
        "en": "Scale 1–5 (ends labelled)",
    },
    "pulse.builder.kind_scale10": {"sv": "Skala 0–10", "en": "Scale 0–10"},
    "pulse.builder.kind_yesno": {"sv": "Ja/nej", "en": "Yes/no"},
    "pulse.builder.kind_choice": {"sv": "Ett val", "en": "Single choice"},
    "pulse.builder.kind_multi": {"sv": "Flera val", "en": "Multiple choice"},
    "pulse.builder.kind_text": {"sv": "Fritext (frivillig)", "en": "Free text (optional)"},
    "pulse.builder.options": {
        "sv": "Svarsalternativ (för ett eller flera val)",
        "en": "Options (for single or multiple choice)",
    },
    "pulse.builder.options_hint": {
        "sv": "Telefon, E-post, Möte",
        "en": "Phone, E-mail, Meeting",
    },
    "pulse.builder.low": {"sv": "Lägsta värdet betyder", "en": "The lowest value means"},
    "pulse.builder.high": {"sv": "Högsta värdet betyder", "en": "The highest value means"},
    "pulse.builder.preview": {"sv": "Förhandsgranska", "en": "Preview"},
    "pulse.builder.preview_title": {
        "sv": "Förhandsgranskning – så här ser pulsen ut:",
        "en": "Preview – this is how the pulse looks:",
    },
    "pulse.builder.preview_hint": {
        "sv": "Sparas som mallen `{template}`. Pulser som redan körts behåller sina frågor.",
        "en": "Saved as the template `{template}`. Pulses already run keep their questions.",
    },
    "pulse.builder.save": {"sv": "Spara mallen", "en": "Save the template"},
    "pulse.builder.edit": {"sv": "Ändra", "en": "Change"},
    "pulse.builder.saved_title": {"sv": "Mallen {name} är sparad", "en": "Template {name} saved"},
    "pulse.builder.saved_body": {
        "sv": "Den gäller för {unit}. Starta en puls med den: `puls starta {template}`.",
        "en": "It applies to {unit}. Start a pulse with it: `pulse start {template}`.",
    },
    # Problems (a friendly refusal; the form comes back filled in).
    "pulse.builder.problem.name": {
        "sv": "Ge mallen ett namn med minst en bokstav eller siffra.",
        "en": "Give the template a name with at least one letter or digit.",
    },
    "pulse.builder.problem.none": {
        "sv": "Skriv minst en fråga.",
        "en": "Write at least one question.",
    },
    "pulse.builder.problem.text": {
        "sv": "Fråga {number} har alternativ eller etiketter men ingen fråga.",
        "en": "Question {number} has options or labels but no question.",
    },
    "pulse.builder.problem.options": {
        "sv": "Fråga {number}: skriv 2–8 olika svarsalternativ, åtskilda med komma.",
        "en": "Question {number}: write 2–8 different options, separated by commas.",
    },
    "pulse.builder.problem.labels": {
        "sv": "Fråga {number}: en skala 1–5 behöver text för både lägsta och högsta värdet.",
        "en": "Question {number}: a 1–5 scale needs text for both the lowest and highest value.",
    },
    "pulse.builder.problem.too_long": {
        "sv": "Fråga {number}: texten är för lång (frågor 200 tecken, alternativ 40).",
        "en": "Question {number}: the text is too long (questions 200 characters, options 40).",
    },
    "pulse.builder.problem.personnummer": {
        "sv": "Mallen får inte innehålla personnummer.",
        "en": "The template must not contain a personal identity number.",
    },
    "pulse.builder.problem.tampered": {
        "sv": "Kortet skickade något oväntat. Börja om med `puls ny mall`.",
        "en": "The card sent something unexpected. Start again with `pulse new template`.",
    },
    "pulse.builder.usage": {
        "sv": "Skapa en mall med `puls ny mall`.",
        "en": "Create a template with `pulse new template`.",
    },
    "pulse.templates": {
        "sv": "Mallar för {unit}: {names}. Starta med `puls starta MALL`, skapa en egen med "
        "`puls ny mall`.",
        "en": "Templates for {unit}: {names}. Start one with `pulse start TEMPLATE`, create "
        "your own with `pulse new template`.",
    },
    "pulse.trend_title": {"sv": "Utveckling över pulserna", "en": "Trend over the pulses"},
    "pulse.trend_when": {"sv": "Puls", "en": "Pulse"},
    "pulse.trend_mean": {"sv": "Medelvärde", "en": "Mean"},
    "pulse.results_beside": {"sv": "Jämför: {groups}", "en": "Compare: {groups}"},
    "pulse.results_beside_group": {
        "sv": "{unit} {mean} ({answered} svar)",
        "en": "{unit} {mean} ({answered} answers)",
    },
    "pulse.comment_to_item": {"sv": "Gör till ärende", "en": "Make it an item"},
    "pulse.comment_made": {"sv": "Blev ärende #{id}.", "en": "Became item #{id}."},
    "pulse.comment_item_description": {
        "sv": "Från en kommentar i pulsen {name}: ”{comment}”",
        "en": "From a comment in the pulse {name}: “{comment}”",
    },
    "pulse.comment_item_made": {
        "sv": "Kommentaren är nu ärende #{id} för {unit}. Visa det med `visa {id}`.",
        "en": "The comment is now item #{id} for {unit}. Show it with `item {id}`.",
    },
    "pulse.comment_item_exists": {
        "sv": "Kommentaren är redan ärende #{id}.",
        "en": "The comment is already item #{id}.",
    },
    "pulse.comment_unknown": {
        "sv": "Den kommentaren finns inte bland pulsens visade svar.",
        "en": "That comment is not among the pulse's shown answers.",
    },
    "pulse.comment_taken": {
        "sv": "Någon gjorde just den kommentaren till ett ärende.",
        "en": "Someone has just made that comment an item.",
    },
    "pulse.followups_title": {
        "sv": "Ni sa, vi gjorde – ärenden från tidigare kommentarer",
        "en": "You said, we did – items from earlier comments",
    },
    "pulse.followup_line": {
        "sv": "#{id} {title} · {status}",
        "en": "#{id} {title} · {status}",
    },
}
