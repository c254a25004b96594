"""Several organisations: which tenants may talk to the bot, whose tenant a person is,
and whether the bot can reach a person personally.

Pure: plain values in, plain values out. bot/web.py and bot/turn.py apply these rules
to activities; the digest, action items and (with #14) personal messages ask `reach`.

How Teams presents people of several tenants (Teams Connect shared channels, guests):

- The activity's `channelData.tenant.id` (and `conversation.tenantId`) is the tenant
  that *hosts* the conversation: for a shared channel, the host team's tenant, whoever
  wrote. It must be on the allow-list (the bot's own tenant always is).
- `from.aadObjectId` is the writer's object id *in their own tenant*. For a member of
  another organisation in a shared channel that is their home tenant's object id; the
  activity does not name that tenant (Teams sends it only on some member events,
  as `channelData.membershipSource.tenantId`), but the Bot Connector's roster does:
  `GET /v3/conversations/{id}/members/{member}` answers with the member's own
  `tenantId`. A person is therefore keyed by (their own tenant, object id).
- A B2B guest is a member of the host tenant (a guest account there): their tenant is
  the host's, their roster `userRole` is "guest" and their UPN the host tenant's
  `name_domain#EXT#@host.onmicrosoft.com`; the address they are known by (and the org
  file names) is their `email`.

Object ids are GUIDs unique across tenants, and UPNs are e-mail addresses: the org
file's roles name people of any tenant without saying which.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

SHARED = "shared"
PRIVATE = "private"


def allowed_tenants(own_tenant: str | None, configured: Iterable[str]) -> frozenset[str]:
    """The bot's own tenant always, plus SAMVERKAN_ALLOWED_TENANTS; lower case."""
    out = {t.strip().lower() for t in configured if t and t.strip()}
    if own_tenant:
        out.add(own_tenant.strip().lower())
    return frozenset(out)


def _dict(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def conversation_tenant(activity: Mapping[str, Any]) -> str | None:
    """The tenant hosting the conversation (`channelData.tenant.id`, else
    `conversation.tenantId`), lower case, or None."""
    tenant = _dict(_dict(activity.get("channelData")).get("tenant")).get("id")
    if not isinstance(tenant, str) or not tenant:
        tenant = _dict(activity.get("conversation")).get("tenantId")
    return tenant.lower() if isinstance(tenant, str) and tenant else None


def sender_tenant_hint(activity: Mapping[str, Any]) -> str | None:
    """The writer's own tenant where the activity itself names it (`from.tenantId`, or
    `channelData.membershipSource.tenantId` on shared-channel member events), else None:
    then the roster says (`member_tenant`)."""
    for value in (
        _dict(activity.get("from")).get("tenantId"),
        _dict(_dict(activity.get("channelData")).get("membershipSource")).get("tenantId"),
    ):
        if isinstance(value, str) and value.strip():
            return value.strip().lower()
    return None


def channel_type(channel_data: Mapping[str, Any]) -> str:
    """`standard`, `shared` or `private` (`channelData.channel.type`; absent: standard)."""
    kind = _dict(channel_data.get("channel")).get("type")
    return kind.lower() if isinstance(kind, str) and kind else "standard"


def refused_tenant(activity: Mapping[str, Any], allowed: frozenset[str]) -> str | None:
    """Why an activity is refused before any work (bot/web.py answers 403), or None.

    The hosting tenant must be allowed, and so must the writer's own tenant where the
    activity names it. (Where only the roster names it, bot/turn.py checks it before
    anything is stored.)"""
    host = conversation_tenant(activity)
    if host is None or host not in allowed:
        return "tenant not allowed"
    sender = sender_tenant_hint(activity)
    if sender is not None and sender not in allowed:
        return "sender's tenant not allowed"
    return None


@dataclass(frozen=True)
class RosterFacts:
    """What the Bot Connector's roster says of one member."""

    tenant: str | None  # their own tenant (lower case), None if the roster does not say
    address: str | None  # the address roles can name them by (see `member_address`)
    guest: bool


def member_address(upn: str | None, email: str | None) -> str | None:
    """The address the org file and people know someone by: the UPN, except for a B2B
    guest, whose UPN is the host tenant's `name_domain#EXT#@host...`: then the e-mail."""
    if upn and "#ext#" not in upn.lower():
        return upn
    return email or upn or None


def roster_facts(member: Mapping[str, Any]) -> RosterFacts:
    """The roster's answer (a TeamsChannelAccount as JSON) as RosterFacts."""
    tenant = member.get("tenantId")
    upn, email = member.get("userPrincipalName"), member.get("email")
    role = member.get("userRole")
    return RosterFacts(
        tenant=tenant.lower() if isinstance(tenant, str) and tenant else None,
        address=member_address(
            upn if isinstance(upn, str) else None, email if isinstance(email, str) else None
        ),
        guest=(isinstance(role, str) and role.lower() == "guest")
        or (isinstance(upn, str) and "#ext#" in upn.lower()),
    )


class Unreachable(StrEnum):
    """Why the bot cannot reach a person personally (i18n key suffix: `reach.<value>`)."""

    OTHER_TENANT = "other_tenant"  # another organisation: only in the shared channel
    TENANT_UNKNOWN = "tenant_unknown"  # never seen: the roster has not said whose they are


@dataclass(frozen=True)
class Reach:
    personal: bool  # a 1:1 chat from the bot (and, for the bot's own tenant, Graph calls)
    graph: bool  # Microsoft Graph calls about this person (app install, group roles)
    why_not: Unreachable | None = None


def reach(person_tenant: str | None, own_tenant: str | None, *, local: bool = False) -> Reach:
    """Can the bot reach this person personally, and why not.

    The bot's app registration and its Graph credentials are its own tenant's
    (`own_tenant`, CONNECTIONS__…__TENANTID): a personal chat and any Graph call about a
    person (installing the app for them, reading their groups) work only for people of
    that tenant, guests included (a guest account lives in the host tenant). A member of
    another organisation in a shared channel is reached in that channel, with a mention;
    someone whose tenant is not known yet is not reached personally until it is. In
    anonymous local mode (`local`) there is one tenant: everyone is reachable.
    """
    if local:
        return Reach(personal=True, graph=False)
    if not person_tenant:
        return Reach(personal=False, graph=False, why_not=Unreachable.TENANT_UNKNOWN)
    if own_tenant and person_tenant.lower() == own_tenant.lower():
        return Reach(personal=True, graph=True)
    return Reach(personal=False, graph=False, why_not=Unreachable.OTHER_TENANT)


def why_key(why: Unreachable) -> str:
    """The catalogue key (i18n/catalogue/tenancy.yaml) saying why, for the coordinator's report."""
    return f"tenancy.why.{why.value}"
