"""Texts for several organisations (core/tenancy.py); merged into i18n.texts.TEXTS."""

from __future__ import annotations

TENANCY_TEXTS: dict[str, dict[str, str]] = {
    "tenancy.digest_elsewhere": {
        "sv": "Sammanställningen för **{unit}** går inte personligt till {people}: de tillhör "
        "en annan organisation (en annan Microsoft 365-klientorganisation), så jag kan bara nå "
        "dem i enhetens delade kanal. Slå på `digest: {{channel: true}}` för enheten i "
        "organisationsfilen så kommer sammanställningen dit.",
        "en": "The digest for **{unit}** does not go personally to {people}: they belong to "
        "another organisation (another Microsoft 365 tenant), so I can only reach them in the "
        "unit's shared channel. Turn on `digest: {{channel: true}}` for the unit in the org "
        "file and the digest goes there.",
    },
    "tenancy.why.other_tenant": {
        "sv": "tillhör en annan organisation: nås bara i den delade kanalen, med @-omnämnande",
        "en": "belongs to another organisation: reached only in the shared channel, with an "
        "@mention",
    },
    "tenancy.why.tenant_unknown": {
        "sv": "har inte skrivit i någon kanal med Samverkan än, så jag vet inte vilken "
        "organisation hen tillhör",
        "en": "has not written in any channel with Samverkan yet, so I do not know which "
        "organisation they belong to",
    },
}
