"""Texts for refusals at the edge (before any handler runs); merged into i18n.texts.TEXTS."""

from __future__ import annotations

EDGE_TEXTS: dict[str, dict[str, str]] = {
    "error.nul": {
        "sv": "Texten innehåller ett osynligt nolltecken som jag inte kan spara, så inget "
        "sparades. Skriv texten igen, eller klistra in den som oformaterad text.",
        "en": "Your text contains an invisible null character that I cannot store, so nothing "
        "was saved. Type it again, or paste it as plain text.",
    },
    "error.bad_number": {
        "sv": "Det kortet skickade ett nummer som inte går att läsa, så inget ändrades. "
        "Visa kortet på nytt (till exempel med `ärenden` eller `dagordning`) och försök igen.",
        "en": "That card sent a number I cannot read, so nothing changed. Show the card again "
        "(for example with `items` or `agenda`) and try again.",
    },
}
