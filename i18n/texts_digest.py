"""Texts for indicators and digests (sammanställningar); merged into i18n.texts.TEXTS."""

from __future__ import annotations

DIGEST_TEXTS: dict[str, dict[str, str]] = {
    "cmd.digest": {
        "sv": "Sammanställning av indikatorer: `sammanställning [2026-03|Q1]`; i chatten med mig: "
        "`sammanställning prenumerera ‹enhet›` / `sammanställning avsluta`",
        "en": "Indicator digest: `digest [2026-03|Q1]`; in your chat with me: "
        "`digest subscribe ‹unit›` / `digest unsubscribe`",
    },
    "digest.title": {"sv": "Sammanställning – {unit}", "en": "Digest – {unit}"},
    "digest.county_title": {
        "sv": "Länssammanställning – {unit}",
        "en": "County digest – {unit}",
    },
    "digest.subtitle": {"sv": "Period: {period} · {date}", "en": "Period: {period} · {date}"},
    "digest.headline": {
        "sv": "{on} av {total} indikatorer når målet",
        "en": "{on} of {total} indicators on target",
    },
    "digest.headline_none": {
        "sv": "Inga aktuella värden att jämföra med målen än",
        "en": "No current values to compare with the targets yet",
    },
    "digest.not_current": {
        "sv": "{stale} med äldre värde, {missing} utan värde",
        "en": "{stale} with an older value, {missing} without a value",
    },
    "digest.no_indicators": {
        "sv": "Inga indikatorer är inlästa än. En administratör kör `samverkan indicators define FIL` och `samverkan indicators import FIL`.",
        "en": "No indicators are loaded yet. An administrator runs `samverkan indicators define FILE` and `samverkan indicators import FILE`.",
    },
    "digest.col.indicator": {"sv": "Indikator", "en": "Indicator"},
    "digest.col.latest": {"sv": "Senaste", "en": "Latest"},
    "digest.col.target": {"sv": "Mål", "en": "Target"},
    "digest.col.trend": {"sv": "Trend", "en": "Trend"},
    "digest.col.status": {"sv": "Status", "en": "Status"},
    "digest.col.county": {"sv": "Länet", "en": "County"},
    "digest.col.units_on": {"sv": "Enheter på mål", "en": "Units on target"},
    "digest.col.unit": {"sv": "Enhet", "en": "Unit"},
    "digest.col.value": {"sv": "Värde", "en": "Value"},
    "digest.col.period": {"sv": "Period", "en": "Period"},
    "digest.status.on": {"sv": "✓ når målet", "en": "✓ on target"},
    "digest.status.off": {"sv": "✗ utanför målet", "en": "✗ off target"},
    "digest.status.no_target": {"sv": "inget mål", "en": "no target"},
    "digest.status.missing": {"sv": "värde saknas", "en": "no value"},
    "digest.status.stale": {"sv": "äldre värde ({period})", "en": "older value ({period})"},
    "digest.trend.improving": {"sv": "bättre", "en": "better"},
    "digest.trend.worsening": {"sv": "sämre", "en": "worse"},
    "digest.trend.flat": {"sv": "stabilt", "en": "steady"},
    "digest.trend.unknown": {"sv": "för få värden", "en": "too few values"},
    "digest.charts": {"sv": "Utanför målet", "en": "Off target"},
    "digest.chart_caption": {
        "sv": "**{name}**: {value} (mål {target}), senaste {periods} perioder",
        "en": "**{name}**: {value} (target {target}), last {periods} periods",
    },
    "digest.pulse.one": {
        "sv": "**Pulsmätning** ({period}): {count} svar",
        "en": "**Pulse survey** ({period}): {count} answer",
    },
    "digest.pulse.other": {
        "sv": "**Pulsmätning** ({period}): {count} svar",
        "en": "**Pulse survey** ({period}): {count} answers",
    },
    "digest.pulse_score": {
        "sv": " · upplevt samarbete {score} av 5",
        "en": " · rated collaboration {score} of 5",
    },
    "digest.pulse_hidden": {
        "sv": " · resultat visas vid minst {threshold} svar",
        "en": " · results show at {threshold} answers or more",
    },
    "digest.items": {
        "sv": "**Ärenden**: {open} öppna · {lifted_here} lyfta hit · {lifted_away} lyfta vidare härifrån",
        "en": "**Items**: {open} open · {lifted_here} lifted here · {lifted_away} lifted on from here",
    },
    "digest.meeting": {"sv": "**Nästa möte**: {when}", "en": "**Next meeting**: {when}"},
    "digest.no_meeting": {
        "sv": "**Nästa möte**: inget inplanerat",
        "en": "**Next meeting**: none planned",
    },
    "digest.sources": {"sv": "Källor: {sources}", "en": "Sources: {sources}"},
    "digest.show_all": {"sv": "Visa alla", "en": "Show all"},
    "digest.show_less": {"sv": "Visa mindre", "en": "Show less"},
    "digest.more_rows.one": {
        "sv": "… och {count} indikator till under Visa alla",
        "en": "… and {count} more indicator under Show all",
    },
    "digest.more_rows.other": {
        "sv": "… och {count} indikatorer till under Visa alla",
        "en": "… and {count} more indicators under Show all",
    },
    "digest.county_off": {
        "sv": "**{name}** – utanför målet: {units}",
        "en": "**{name}** – off target: {units}",
    },
    "digest.and_more": {"sv": "… och {count} till", "en": "… and {count} more"},
    "digest.county_items": {
        "sv": "**Ärenden som väntar på länsnivå**: {count}",
        "en": "**Items waiting at county level**: {count}",
    },
    "digest.county_more_indicators.one": {
        "sv": "… och {count} indikator till med enheter utanför målet",
        "en": "… and {count} more indicator with units off target",
    },
    "digest.county_more_indicators.other": {
        "sv": "… och {count} indikatorer till med enheter utanför målet",
        "en": "… and {count} more indicators with units off target",
    },
    "digest.pick_indicator": {"sv": "Välj indikator", "en": "Choose an indicator"},
    "digest.show_units": {"sv": "Visa enheterna", "en": "Show the units"},
    "digest.units_title": {
        "sv": "{name} – enheterna ({period})",
        "en": "{name} – the units ({period})",
    },
    "digest.page": {"sv": "Sida {page} av {pages}", "en": "Page {page} of {pages}"},
    "digest.next": {"sv": "Nästa", "en": "Next"},
    "digest.previous": {"sv": "Föregående", "en": "Previous"},
    "digest.back": {"sv": "Tillbaka", "en": "Back"},
    "digest.county_headline": {
        "sv": "{on} av {total} indikatorer når målet i länet",
        "en": "{on} of {total} indicators on target county-wide",
    },
    "digest.rollup_unweighted": {
        "sv": "ovägt medel (nämnare saknas)",
        "en": "unweighted mean (denominators missing)",
    },
    # Commands and replies.
    "digest.no_unit": {
        "sv": "Vilken enhet? Skriv `sammanställning` i enhetens kanal, eller här: `sammanställning ‹enhet›`.",
        "en": "Which unit? Type `digest` in the unit's channel, or here: `digest ‹unit›`.",
    },
    "digest.not_here": {
        "sv": "I en kanal visar jag bara kanalens egen enhet. Skriv `sammanställning {unit}` till mig i en personlig chatt i stället.",
        "en": "In a channel I only show the channel's own unit. Type `digest {unit}` to me in a personal chat instead.",
    },
    "digest.bad_period": {
        "sv": 'Jag förstår inte perioden "{text}". Skriv t.ex. `sammanställning 2026-03`, `sammanställning Q1` eller `sammanställning 2025`.',
        "en": 'I don\'t understand the period "{text}". Type e.g. `digest 2026-03`, `digest Q1` or `digest 2025`.',
    },
    "digest.unknown_unit": {
        "sv": 'Jag hittar ingen enhet som heter "{name}".',
        "en": 'I can\'t find a unit called "{name}".',
    },
    "digest.personal_only": {
        "sv": "Prenumerationer ställer du in i din chatt med mig (personlig chatt), inte i en kanal.",
        "en": "Subscriptions are set in your personal chat with me, not in a channel.",
    },
    "digest.subscribed": {
        "sv": "Klart: du får sammanställningen för **{unit}** här i chatten när den skickas.",
        "en": "Done: you will get the digest for **{unit}** here in this chat when it is sent.",
    },
    "digest.already_subscribed": {
        "sv": "Du får redan sammanställningen för **{unit}**.",
        "en": "You already get the digest for **{unit}**.",
    },
    "digest.unsubscribed": {
        "sv": "Klart: du får inte längre sammanställningen för {units} här.",
        "en": "Done: you will no longer get the digest for {units} here.",
    },
    "digest.nothing_to_unsubscribe": {
        "sv": "Du får inga sammanställningar här just nu.",
        "en": "You get no digests here right now.",
    },
    "digest.subscribe_usage": {
        "sv": "Skriv `sammanställning prenumerera ‹enhet›`.",
        "en": "Type `digest subscribe ‹unit›`.",
    },
    # Reports to coordinators.
    "digest.unreachable": {
        "sv": "Jag kunde inte skicka sammanställningen för **{unit}** till {people}: de har inte Samverkan-appen installerad i Teams, så jag kan inte skriva till dem. Be dem lägga till appen (Appar → sök Samverkan → Lägg till), eller be IT-administratören installera den åt dem i Teams administrationscenter. Sedan kommer sammanställningen till dem automatiskt.",
        "en": "I couldn't send the digest for **{unit}** to {people}: they don't have the Samverkan app installed in Teams, so I can't write to them. Ask them to add the app (Apps → search Samverkan → Add), or ask your IT administrator to install it for them in the Teams admin center. The digest will then reach them automatically.",
    },
    "digest.summary": {
        "sv": "Sammanställning {unit}: {headline}",
        "en": "Digest {unit}: {headline}",
    },
}
