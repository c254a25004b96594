"""Teams-shaped activities, as the Bot Connector posts them to /api/messages."""

from __future__ import annotations

import itertools
import uuid
from dataclasses import dataclass, field
from typing import Any

BOT_ID = "28:samverkan-bot"
TENANT = "72f988bf-0000-4000-8000-00000000abcd"
_ids = itertools.count(1)


@dataclass
class TeamsUser:
    name: str
    aad_object_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    upn: str = ""

    @property
    def channel_id(self) -> str:
        return f"29:{self.aad_object_id}"


@dataclass
class Channel:
    team_id: str
    channel_id: str
    team_name: str = "Östersund samverkan"
    channel_name: str | None = None
    kind: str = "standard"  # or "shared", "private" (channelData.channel.type)

    @property
    def conversation_id(self) -> str:
        return self.channel_id


def new_channel(team_name: str = "Östersund samverkan", channel_name: str | None = None) -> Channel:
    team = f"19:{uuid.uuid4().hex}@thread.tacv2"
    channel = team if channel_name is None else f"19:{uuid.uuid4().hex}@thread.tacv2"
    return Channel(team_id=team, channel_id=channel, team_name=team_name, channel_name=channel_name)


class ActivityFactory:
    def __init__(self, service_url: str, tenant: str = TENANT) -> None:
        self.service_url = service_url.rstrip("/") + "/"
        self.tenant = tenant

    def _base(
        self, kind: str, user: TeamsUser, conversation: dict[str, Any], channel_data: dict[str, Any]
    ) -> dict[str, Any]:
        return {
            "type": kind,
            "id": f"f:{next(_ids)}",
            "timestamp": "2026-11-23T10:00:00.000Z",
            "serviceUrl": self.service_url,
            "channelId": "msteams",
            "from": {"id": user.channel_id, "name": user.name, "aadObjectId": user.aad_object_id},
            "recipient": {"id": BOT_ID, "name": "Samverkan"},
            "conversation": conversation,
            "channelData": {"tenant": {"id": self.tenant}, **channel_data},
            "locale": "sv-SE",
        }

    def _channel_parts(
        self, channel: Channel, thread: str | None = None
    ) -> tuple[dict[str, Any], dict[str, Any]]:
        conv_id = channel.conversation_id + (f";messageid={thread}" if thread else "")
        conversation = {
            "id": conv_id,
            "conversationType": "channel",
            "isGroup": True,
            "tenantId": self.tenant,
        }
        channel_data: dict[str, Any] = {
            "team": {"id": channel.team_id, "name": channel.team_name},
            "channel": {
                "id": channel.channel_id,
                **({"name": channel.channel_name} if channel.channel_name else {}),
                **({"type": channel.kind} if channel.kind != "standard" else {}),
            },
        }
        return conversation, channel_data

    def install_in_team(self, channel: Channel, by: TeamsUser) -> dict[str, Any]:
        conversation, data = self._channel_parts(channel)
        act = self._base(
            "conversationUpdate", by, conversation, {**data, "eventType": "teamMemberAdded"}
        )
        act["membersAdded"] = [{"id": BOT_ID}]
        return act

    def remove_from_team(self, channel: Channel, by: TeamsUser) -> dict[str, Any]:
        conversation, data = self._channel_parts(channel)
        act = self._base(
            "conversationUpdate", by, conversation, {**data, "eventType": "teamMemberRemoved"}
        )
        act["membersRemoved"] = [{"id": BOT_ID}]
        return act

    def channel_message(
        self, channel: Channel, user: TeamsUser, text: str, *, mention: bool = True
    ) -> dict[str, Any]:
        conversation, data = self._channel_parts(channel, thread=str(next(_ids)))
        body = f"<at>Samverkan</at> {text}" if mention else text
        act = self._base("message", user, conversation, data)
        act["text"] = body
        act["textFormat"] = "xml" if mention else "plain"
        if mention:
            act["entities"] = [
                {
                    "type": "mention",
                    "text": "<at>Samverkan</at>",
                    "mentioned": {"id": BOT_ID, "name": "Samverkan"},
                }
            ]
        return act

    def card_submit(
        self, channel: Channel, user: TeamsUser, value: dict[str, Any], reply_to: str | None = None
    ) -> dict[str, Any]:
        conversation, data = self._channel_parts(channel)
        act = self._base("message", user, conversation, data)
        act["value"] = value
        if reply_to:
            act["replyToId"] = reply_to
        return act

    def invoke_action(
        self, channel: Channel, user: TeamsUser, verb: str, data: dict[str, Any]
    ) -> dict[str, Any]:
        conversation, cdata = self._channel_parts(channel)
        act = self._base("invoke", user, conversation, cdata)
        act["name"] = "adaptiveCard/action"
        act["value"] = {
            "action": {"type": "Action.Execute", "verb": verb, "data": data},
            "trigger": "manual",
        }
        return act

    def personal_message(self, user: TeamsUser, text: str) -> dict[str, Any]:
        conversation = {
            "id": f"a:{user.aad_object_id}",
            "conversationType": "personal",
            "tenantId": self.tenant,
        }
        act = self._base("message", user, conversation, {})
        act["text"] = text
        return act

    def personal_install(self, user: TeamsUser) -> dict[str, Any]:
        conversation = {
            "id": f"a:{user.aad_object_id}",
            "conversationType": "personal",
            "tenantId": self.tenant,
        }
        act = self._base("conversationUpdate", user, conversation, {})
        act["membersAdded"] = [{"id": BOT_ID}, {"id": user.channel_id}]
        return act
