"""A token provider for outgoing calls that never calls Entra ID."""

from __future__ import annotations

from typing import Any

from microsoft_agents.hosting.core import AccessTokenProviderBase, AgentAuthConfiguration


class FakeTokenProvider(AccessTokenProviderBase):
    def __init__(self, configuration: AgentAuthConfiguration) -> None:
        self._configuration = configuration
        self.calls = 0

    @property
    def configuration(self) -> AgentAuthConfiguration:
        return self._configuration

    async def get_access_token(
        self, resource_url: str, scopes: list[str], force_refresh: bool = False
    ) -> str:
        self.calls += 1
        return "fake-outgoing-token"

    async def acquire_token_on_behalf_of(self, scopes: list[str], user_assertion: str) -> str:
        raise NotImplementedError

    async def get_agentic_application_token(self, *args: Any, **kwargs: Any) -> str | None:
        raise NotImplementedError

    async def get_agentic_instance_token(self, *args: Any, **kwargs: Any) -> tuple[str, str]:
        raise NotImplementedError

    async def get_agentic_user_token(self, *args: Any, **kwargs: Any) -> str | None:
        raise NotImplementedError

    def get_token_credential(self) -> Any:
        raise NotImplementedError


class TokenLog:
    """A provider factory that remembers its providers: how many outgoing tokens the
    bot asked for (a refused request must not make it fetch one)."""

    def __init__(self) -> None:
        self.providers: list[FakeTokenProvider] = []

    def factory(self, configuration: AgentAuthConfiguration) -> FakeTokenProvider:
        provider = FakeTokenProvider(configuration)
        self.providers.append(provider)
        return provider

    @property
    def calls(self) -> int:
        return sum(p.calls for p in self.providers)
