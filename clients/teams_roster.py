"""A Teams channel's roster from the Bot Connector: `GET /v3/conversations/{id}/pagedmembers`,
page by page (500 a page, at most 40 pages: 20,000 people).

In a turn it is read through the turn's own connector client (bot/handlers/pulse.py).
Outside any turn (a scheduled pulse, services/pulse_roster.py) `TeamsRoster` builds a
connector client with the app's own token (anonymous in local mode), and only for a
stored reference whose serviceUrl the settings allow (core/service_url.py), the rule the
dispatcher applies before it posts: the token never goes anywhere else.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from typing import Any

from microsoft_agents.authentication.msal import MsalAuth
from microsoft_agents.hosting.core import (
    AuthenticationConstants,
    ClaimsIdentity,
    ConnectionManager,
    ConnectorClientBase,
    RestChannelServiceClientFactory,
)

from core.roster import RosterEntry
from core.service_url import problem as service_url_problem

log = logging.getLogger(__name__)

MEMBER_PAGE = 500
MAX_MEMBER_PAGES = 40


async def read_roster(client: ConnectorClientBase, conversation_id: str) -> list[RosterEntry]:
    """Every member of the conversation, page by page. Raises what the connector raised."""
    found: list[RosterEntry] = []
    token = None
    for _ in range(MAX_MEMBER_PAGES):
        page = await client.conversations.get_conversation_paged_members(
            conversation_id, page_size=MEMBER_PAGE, continuation_token=token
        )
        found.extend(
            RosterEntry(
                user_id=str(m.id),
                aad_object_id=m.aad_object_id,
                tenant_id=getattr(m, "tenant_id", None),
            )
            for m in page.members or []
        )
        token = page.continuation_token
        if not token:
            break
    return found


class TeamsRoster:
    """Reads a channel's roster outside any turn, from its stored ConversationReference."""

    def __init__(
        self,
        *,
        sdk_configuration: Mapping[str, Any],
        app_id: str | None,
        allowed_hosts: frozenset[str],
        local_mode: bool,
        provider_factory: Callable[..., Any] | None = None,
    ) -> None:
        """`sdk_configuration` as for the SDK's ConnectionManager; `app_id` None and
        `local_mode`: anonymous, loopback only (infra/settings.py says which)."""
        manager = ConnectionManager(
            provider_factory=provider_factory or MsalAuth, **sdk_configuration
        )
        self._factory = RestChannelServiceClientFactory(manager)
        self._app_id = app_id
        self._hosts = allowed_hosts
        self._anonymous = local_mode

    async def __call__(self, reference: Mapping[str, Any]) -> list[RosterEntry] | None:
        """The members, or None (logged) if the roster could not be read."""
        url = reference.get("serviceUrl")
        conversation_id = (reference.get("conversation") or {}).get("id")
        why = service_url_problem(url, hosts=self._hosts, loopback_only=self._anonymous)
        if why is not None or not conversation_id:
            log.warning("roster not read: %s", why or "no conversation id")
            return None
        if self._app_id:
            # As the SDK's adapter builds it for a proactive turn (create_claims_identity).
            claims = ClaimsIdentity(
                {
                    AuthenticationConstants.AUDIENCE_CLAIM: self._app_id,
                    AuthenticationConstants.APP_ID_CLAIM: self._app_id,
                }
            )
        else:
            claims = ClaimsIdentity({}, authentication_type="anonymous")
        try:
            client = await self._factory.create_connector_client(
                None, claims, str(url), claims.get_token_audience(), use_anonymous=not self._app_id
            )
            try:
                return await read_roster(client, str(conversation_id))
            finally:
                await client.close()
        except Exception as exc:  # the stored members still serve
            log.info("roster read failed: %s", type(exc).__name__)
            return None
