"""Texts of pulses delivered 1:1 (core/pulse_delivery.py, services/pulse_personal.py)."""

from __future__ import annotations

PULSE_DELIVERY_TEXTS: dict[str, dict[str, str]] = {
    "pulse.sent_personally": {
        "sv": "Kortet skickades också personligen till {count} av kanalens medlemmar. "
        "Svaren räknas för enheten var de än lämnas, ett svar per person; "
        "resultaten kommer här i kanalen.",
        "en": "The card was also sent personally to {count} of the channel's members. "
        "Answers count for the unit wherever they are given, one per person; "
        "the results come here in the channel.",
    },
    "pulse.sent_in_channel_only": {
        "sv": "{count} av kanalens medlemmar (från en annan organisation) svarar på kortet här.",
        "en": "{count} of the channel's members (of another organisation) answer on the card here.",
    },
}
