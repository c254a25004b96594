"""The Agents SDK's User-Agent string is computed once per process (bot/sdk_user_agent.py),
and what Teams receives is still exactly the SDK's own string."""

from __future__ import annotations

import inspect

from microsoft_agents.hosting.core.connector import get_product_info as sdk_product_info
from microsoft_agents.hosting.core.connector.client import connector_client, user_token_client

from bot import sdk_user_agent
from tests.support.harness import BotHarness
from tests.teams import TeamsUser, new_channel

PERSON = TeamsUser(name="Karin Samordnare", upn="karin@example.se")


async def test_every_call_to_the_connector_carries_the_sdks_user_agent(
    harness: BotHarness,
) -> None:
    channel = new_channel("Östersund samverkan")
    for _ in range(2):
        await harness.post(harness.teams.channel_message(channel, PERSON, "hjälp"))
    await harness.connector.wait_for(lambda p: True, after=1)  # both answers posted
    assert harness.connector.user_agents
    assert set(harness.connector.user_agents) == {sdk_product_info()}
    assert sdk_product_info().startswith("agents-sdk-py/")
    # build_app pointed the SDK's client modules at the cached string.
    assert connector_client.get_product_info is sdk_user_agent.product_info
    assert user_token_client.get_product_info is sdk_user_agent.product_info


def test_the_sdk_clients_still_ask_for_the_string_by_the_name_that_is_cached() -> None:
    # After an SDK upgrade: if a constructor no longer calls get_product_info() the cache is
    # dead code (remove it); if it calls something else, point the cache at that.
    for client in (connector_client.ConnectorClient, user_token_client.UserTokenClient):
        assert "get_product_info()" in inspect.getsource(client.__init__)
