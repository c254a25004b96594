"""Texts for why a row of an indicator file is refused (services/indicator_import.py) and
why a cell is not a number or a period (core/numbers.py, core/indicators.py raise them as
`core.reasons.Unreadable`); merged into i18n.texts.TEXTS. The English texts are what
`samverkan indicators import` prints; the preview card of a file sent in Teams says them
in the person's language (i18n/reasons.py renders them).
"""

from __future__ import annotations

REASON_TEXTS: dict[str, dict[str, str]] = {
    # core/numbers.py parse_number
    "number.not_a_number": {"sv": "inte ett tal", "en": "not a number"},
    "number.not_a_number_raw": {"sv": "inte ett tal: ”{raw}”", "en": "not a number: '{raw}'"},
    "number.empty": {"sv": "tomt värde", "en": "empty value"},
    "number.ambiguous": {
        "sv": "tvetydigt tal ”{raw}”: använd decimalkomma och inga andra skiljetecken",
        "en": "ambiguous number '{raw}': use a decimal comma and no other separators",
    },
    "number.not_finite": {"sv": "inte ett ändligt tal", "en": "not a finite number"},
    # core/indicators.py parse_period
    "period.empty": {"sv": "tom period", "en": "empty period"},
    "period.no_month": {
        "sv": "det finns ingen månad {month} i ”{raw}”",
        "en": "no month {month} in '{raw}'",
    },
    "period.no_quarter": {
        "sv": "det finns inget kvartal {quarter} i ”{raw}”",
        "en": "no quarter {quarter} in '{raw}'",
    },
    "period.unreadable": {
        "sv": "inte en period: ”{raw}” (skriv 2026-03, 2026 K1 eller 2026)",
        "en": "not a period: '{raw}' (use 2026-03, 2026 Q1 or 2026)",
    },
    "period.year_range": {
        "sv": "året {year} ligger utanför vad jag kan ta emot",
        "en": "year {year} out of range",
    },
    "period.kind.month": {"sv": "månad", "en": "month"},
    "period.kind.quarter": {"sv": "kvartal", "en": "quarter"},
    "period.kind.year": {"sv": "år", "en": "year"},
    "period.a.month": {"sv": "en månad", "en": "a month"},
    "period.a.quarter": {"sv": "ett kvartal", "en": "a quarter"},
    "period.a.year": {"sv": "ett år", "en": "a year"},
    # services/indicator_import.py check_rows: one text per problem, joined with "; "
    "import.no_indicator": {"sv": "inget mätetal", "en": "no indicator"},
    "import.unknown_indicator": {
        "sv": "okänt mätetal ”{indicator}”",
        "en": "unknown indicator '{indicator}'",
    },
    "import.unknown_indicator_hint": {
        "sv": "okänt mätetal ”{indicator}” (menade du ”{hint}”?)",
        "en": "unknown indicator '{indicator}' (did you mean '{hint}'?)",
    },
    "import.no_unit": {"sv": "ingen enhet", "en": "no unit"},
    "import.unknown_unit": {"sv": "okänd enhet ”{unit}”", "en": "unknown unit '{unit}'"},
    "import.unknown_unit_hint": {
        "sv": "okänd enhet ”{unit}” (menade du ”{hint}”?)",
        "en": "unknown unit '{unit}' (did you mean '{hint}'?)",
    },
    "import.wrong_period_kind": {
        "sv": "{indicator} redovisas per {wanted}, men perioden {period} är {got}",
        "en": "{indicator} is reported per {wanted}, but the period {period} is {got}",
    },
    "import.value": {"sv": "värde: {problem}", "en": "value: {problem}"},
    "import.denominator": {"sv": "nämnare: {problem}", "en": "denominator: {problem}"},
    "import.denominator_positive": {
        "sv": "nämnaren måste vara större än 0",
        "en": "denominator must be > 0",
    },
    "import.duplicate": {
        "sv": "samma mätetal, enhet och period som rad {row}, men ett annat värde",
        "en": "same indicator, unit and period as row {row}, other value",
    },
    # services/indicator_import.py ImportFileError: the file as a whole
    "import.file_type": {
        "sv": "{file}: använd en .csv- eller .xlsx-fil",
        "en": "{file}: use a .csv or .xlsx file",
    },
    "import.needs_openpyxl": {
        "sv": "för att läsa .xlsx behövs paketet openpyxl",
        "en": "reading .xlsx needs the openpyxl package",
    },
    "import.not_xlsx": {
        "sv": "{file}: inte en läsbar .xlsx-fil ({error})",
        "en": "{file}: not a readable .xlsx file ({error})",
    },
    "import.missing_columns": {
        "sv": "rad 1: kolumn saknas: {missing} (hittade: {found}); rubrikraden behöver "
        "indikator, enhet, period, värde",
        "en": "row 1: missing column(s) {missing} (found: {found}); the header needs "
        "indicator, unit, period, value",
    },
    "import.column.indicator": {"sv": "indikator", "en": "indicator"},
    "import.column.unit": {"sv": "enhet", "en": "unit"},
    "import.column.period": {"sv": "period", "en": "period"},
    "import.column.value": {"sv": "värde", "en": "value"},
    "import.no_columns": {"sv": "ingenting", "en": "nothing"},
    "import.empty_file": {"sv": "filen är tom", "en": "the file is empty"},
    "import.on_row": {"sv": "rad {row}: {reason}", "en": "row {row}: {reason}"},
    "import.too_many_rows": {
        "sv": "fler än {max} rader: dela upp filen",
        "en": "more than {max} rows: split the file",
    },
    "import.no_definitions": {
        "sv": "inga mätetal är definierade än: läs in dem först (samverkan indicators define FILE)",
        "en": "no indicator definitions yet: load them first (samverkan indicators define FILE)",
    },
    "import.identity_number": {
        "sv": "en cell ser ut som ett personnummer eller samordningsnummer; patientuppgifter "
        "får aldrig sparas: ta bort den och importera igen",
        "en": "a cell looks like a personnummer or samordningsnummer; patient data must never "
        "be stored: remove it and import again",
    },
}
