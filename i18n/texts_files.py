"""Texts for files in the personal chat (exports offered, indicator files uploaded) and
the range checks on uploaded values; merged into i18n.texts.TEXTS."""

from __future__ import annotations

FILE_TEXTS: dict[str, dict[str, str]] = {
    # services/files.py, bot/files.py
    "files.personal_only": {
        "sv": "Filer skickar jag bara i vår personliga chatt: skriv samma kommando till mig där.",
        "en": "I send files in our personal chat only: write the same command to me there.",
    },
    "files.no_person": {
        "sv": "Jag vet inte vem du är, så jag kan inte skicka någon fil.",
        "en": "I don't know who you are, so I can't send a file.",
    },
    "files.too_big": {
        "sv": "Filen är för stor för mig.",
        "en": "The file is too big for me.",
    },
    "files.gone": {
        "sv": "Filen finns inte längre (den sparas ett dygn). Be om den igen.",
        "en": "The file is no longer here (it is kept for a day). Ask for it again.",
    },
    "files.bad_url": {
        "sv": "Teams gav en filadress jag inte får använda; inget har skickats.",
        "en": "Teams gave a file address I may not use; nothing was sent.",
    },
    "files.upload_failed": {
        "sv": "Det gick inte att spara filen i din OneDrive just nu. Tryck Tillåt igen om en stund.",
        "en": "Saving the file to your OneDrive failed just now. Press Allow again in a while.",
    },
    "files.download_failed": {
        "sv": "Jag kunde inte hämta filen från Teams. Skicka den igen om en stund.",
        "en": "I couldn't fetch the file from Teams. Send it again in a while.",
    },
    "files.uploaded": {"sv": "Här är filen.", "en": "Here is the file."},
    "files.declined": {
        "sv": "Okej, ingen fil. Jag har glömt den.",
        "en": "Fine, no file. I have forgotten it.",
    },
    "files.unknown_type": {
        "sv": "Den sortens fil kan jag inte läsa. Jag läser: {types}.",
        "en": "I can't read that kind of file. I read: {types}.",
    },
    # bot/handlers/exports.py
    "cmd.export": {
        "sv": "Få data som fil i chatten med mig: `exportera värden|sammanställning|ärenden|"
        "protokoll|puls ‹enhet›`",
        "en": "Get data as a file in your chat with me: `export values|digest|items|minutes|"
        "pulse ‹unit›`",
    },
    "export.usage": {
        "sv": "Skriv `exportera värden ‹enhet›`, `exportera sammanställning ‹enhet›`, "
        "`exportera ärenden ‹enhet›`, `exportera protokoll ‹enhet›` eller "
        "`exportera puls ‹enhet›` (`puls-csv` för CSV).",
        "en": "Write `export values ‹unit›`, `export digest ‹unit›`, `export items ‹unit›`, "
        "`export minutes ‹unit›` or `export pulse ‹unit›` (`pulse-csv` for CSV).",
    },
    "export.no_unit": {
        "sv": "Jag hittar ingen enhet {name} som du når.",
        "en": "I find no unit {name} within your reach.",
    },
    "export.description": {"sv": "Export för {unit}", "en": "Export for {unit}"},
    # bot/handlers/indicator_files.py
    "indfile.not_allowed": {
        "sv": "Indikatorvärden kan samordnare lägga in. Du är inte samordnare för någon enhet.",
        "en": "Coordinators can add indicator values. You are not a coordinator of any unit.",
    },
    "indfile.no_definitions": {
        "sv": "Det finns inga indikatorer än: de läggs in med `samverkan indicators define`.",
        "en": "There are no indicators yet: they are loaded with `samverkan indicators define`.",
    },
    "indfile.unreadable": {
        "sv": "Filen gick inte att läsa: {reason}",
        "en": "The file could not be read: {reason}",
    },
    "indfile.identity": {
        "sv": "Rad {rows} ser ut att innehålla ett personnummer eller samordningsnummer. "
        "Patientuppgifter får aldrig lagras: ta bort dem och skicka filen igen. "
        "Jag har inte sparat filen.",
        "en": "Row {rows} looks like it holds a personal identity number. Patient data must "
        "never be stored: remove it and send the file again. I have not kept the file.",
    },
    "indfile.title": {"sv": "Förhandsgranskning – {file}", "en": "Preview – {file}"},
    "indfile.intro": {
        "sv": "Inget är importerat än. Titta igenom och tryck Importera.",
        "en": "Nothing is imported yet. Look it through and press Import.",
    },
    "indfile.rows": {"sv": "Rader lästa", "en": "Rows read"},
    "indfile.accepted": {"sv": "Godtas", "en": "Accepted"},
    "indfile.refused": {"sv": "Nekas", "en": "Refused"},
    "indfile.flagged": {"sv": "Att titta på", "en": "To look at"},
    "indfile.changes": {
        "sv": "{new} nya, {changed} ändrade, {unchanged} oförändrade",
        "en": "{new} new, {changed} changed, {unchanged} unchanged",
    },
    "indfile.what_changes": {"sv": "Vad som ändras", "en": "What changes"},
    "indfile.refused_rows": {"sv": "Rader som nekas", "en": "Rows refused"},
    "indfile.flagged_rows": {
        "sv": "Värden att titta på (importeras ändå)",
        "en": "Values to look at (imported all the same)",
    },
    "indfile.row": {"sv": "Rad {row}: {reason}", "en": "Row {row}: {reason}"},
    "indfile.row_value": {
        "sv": "Rad {row}: {unit} · {indicator} · {period}: {reason}",
        "en": "Row {row}: {unit} · {indicator} · {period}: {reason}",
    },
    "indfile.change": {
        "sv": "{unit} · {indicator} · {period}: {old} → {new}",
        "en": "{unit} · {indicator} · {period}: {old} → {new}",
    },
    "indfile.more": {"sv": "… och {count} till", "en": "… and {count} more"},
    "indfile.confirm": {"sv": "Importera {count} värden", "en": "Import {count} values"},
    "indfile.cancel": {"sv": "Avbryt", "en": "Cancel"},
    "indfile.nothing": {
        "sv": "Ingen rad kan importeras: rätta filen och skicka den igen.",
        "en": "No row can be imported: correct the file and send it again.",
    },
    "indfile.done": {
        "sv": "Importerat från {file}: {new} nya, {changed} ändrade, {unchanged} oförändrade värden.",
        "en": "Imported from {file}: {new} new, {changed} changed, {unchanged} unchanged values.",
    },
    "indfile.cancelled": {
        "sv": "Avbrutet: inget importerades från {file}.",
        "en": "Cancelled: nothing was imported from {file}.",
    },
    "indfile.gone": {
        "sv": "Den filen finns inte längre hos mig (den sparas ett dygn). Skicka den igen.",
        "en": "I no longer have that file (it is kept for a day). Send it again.",
    },
    # bot/handlers/kolada_search.py
    "cmd.indicator": {
        "sv": "Sök i Koladas nyckeltal: `indikator sök ‹ord›`",
        "en": "Search Kolada's KPIs: `indicator search ‹words›`",
    },
    "kolada.usage": {
        "sv": "Skriv `indikator sök ‹ord›`, t.ex. `indikator sök läkemedelsgenomgång`.",
        "en": "Write `indicator search ‹words›`, e.g. `indicator search medication review`.",
    },
    "kolada.unreachable": {
        "sv": "Kolada svarar inte just nu. Försök igen om en stund.",
        "en": "Kolada is not answering just now. Try again in a while.",
    },
    "kolada.search_title": {
        "sv": "Nyckeltal i Kolada: {words}",
        "en": "KPIs in Kolada: {words}",
    },
    "kolada.none": {
        "sv": "Inget nyckeltal i Kolada har {words} i namnet.",
        "en": "No Kolada KPI has {words} in its title.",
    },
    "kolada.search_hint": {
        "sv": "Id:t skrivs som `kolada_kpi` i indikatorfilen. Källa: Kolada.",
        "en": "Put the id as `kolada_kpi` in the indicator file. Source: Kolada.",
    },
    # cards/digest.py: Kolada comparisons
    "digest.cmp.title": {
        "sv": "Jämförelse (Källa: Kolada)",
        "en": "Comparison (Source: Kolada)",
    },
    "digest.cmp.riket": {"sv": "riket {value}", "en": "Sweden {value}"},
    "digest.cmp.county": {"sv": "länet {value}", "en": "county {value}"},
    "digest.cmp.peers": {"sv": "{name} {value}", "en": "{name} {value}"},
    "digest.cmp.peer_group": {"sv": "liknande kommuner", "en": "similar municipalities"},
    # cards/alerts.py, bot/handlers/alerts.py
    "alert.title": {
        "sv": "Indikatorlarm: {indicator} – {unit}",
        "en": "Indicator alert: {indicator} – {unit}",
    },
    "alert.crossed": {
        "sv": "{value} för {period}: utanför målet {target} (perioden innan {previous}).",
        "en": "{value} for {period}: off the target {target} (the period before {previous}).",
    },
    "alert.worsening": {
        "sv": "Sämre tre perioder i rad: {value} för {period} (mål {target}).",
        "en": "Worse three periods running: {value} for {period} (target {target}).",
    },
    "alert.kind.crossed": {"sv": "utanför målet", "en": "off target"},
    "alert.kind.worsening": {"sv": "sämre tre perioder i rad", "en": "worse three periods running"},
    "alert.for": {"sv": "Till: {people}", "en": "For: {people}"},
    "alert.for_mention": {"sv": "Till:", "en": "For:"},
    "alert.raise": {"sv": "Lyft som ärende", "en": "Raise as an item"},
    "alert.item_title": {
        "sv": "{indicator}: {value} för {period} (mål {target})",
        "en": "{indicator}: {value} for {period} (target {target})",
    },
    "alert.item_text": {
        "sv": "Från indikatorlarmet ({kind}). Värden: {values}.",
        "en": "From the indicator alert ({kind}). Values: {values}.",
    },
    "alert.already": {
        "sv": "Larmet är redan lyft som ärende #{id}.",
        "en": "The alert was already raised as item #{id}.",
    },
    "alert.gone": {
        "sv": "Det finns inget värde för den indikatorn och perioden här längre.",
        "en": "There is no value for that indicator and period here any more.",
    },
    # cards/digest.py: pages
    "digest.previous_page": {"sv": "Föregående sida", "en": "Previous page"},
    "digest.next_page": {"sv": "Nästa sida", "en": "Next page"},
    # cards/charts.py
    "chart.period": {"sv": "Period", "en": "Period"},
    "chart.value": {"sv": "Värde", "en": "Value"},
    "chart.target": {"sv": "Mål", "en": "Target"},
    "chart.unit": {"sv": "Enhet", "en": "Unit"},
    "chart.status": {"sv": "Läge", "en": "Status"},
    "chart.on": {"sv": "når målet", "en": "on target"},
    "chart.off": {"sv": "utanför målet", "en": "off target"},
    "chart.no_target": {"sv": "inget mål", "en": "no target"},
    "chart.below_target": {"sv": "under målet", "en": "below the target"},
    "chart.above_target": {"sv": "över målet", "en": "above the target"},
    "chart.target_is": {"sv": "Mål {target}", "en": "Target {target}"},
    # core/indicator_checks.py
    "checks.share_over": {
        "sv": "en andel över 100 % ({value})",
        "en": "a share above 100 % ({value})",
    },
    "checks.negative": {
        "sv": "ett negativt värde ({value}) går inte här",
        "en": "a negative value ({value}) is not possible here",
    },
    "checks.negative_flag": {"sv": "negativt värde ({value})", "en": "negative value ({value})"},
    "checks.future": {
        "sv": "perioden {period} har inte börjat",
        "en": "the period {period} has not begun",
    },
    "checks.not_ended": {
        "sv": "perioden {period} är inte slut än",
        "en": "the period {period} has not ended yet",
    },
    "checks.off_history": {
        "sv": "{value} är mer än tio gånger från enhetens vanliga nivå ({usual})",
        "en": "{value} is more than ten times off the unit's usual level ({usual})",
    },
}
