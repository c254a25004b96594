"""A stored channel conversation reference, shaped as the bot keeps one (storage/channels_repo)."""

from __future__ import annotations


def channel_reference(service_url: str, cid: str, tenant: str) -> dict[str, object]:
    return {
        "channelId": "msteams",
        "serviceUrl": service_url,
        "conversation": {"id": cid, "conversationType": "channel", "tenantId": tenant},
        "bot": {"id": f"28:samverkan-{tenant}", "name": "Samverkan"},
        "user": {"id": f"29:{tenant}"},
    }
