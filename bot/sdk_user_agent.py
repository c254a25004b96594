"""The Agents SDK's User-Agent string, computed once per process instead of twice per turn.

The SDK builds a connector client and a user-token client for every incoming turn, and each
constructor evaluates `get_product_info()`, which asks `importlib.metadata` for the SDK's
version: a scan of every `sys.path` entry. In `bench/inbound.py` that was about a tenth of
the server's CPU for a pulse answer. The string (SDK version, Python, OS) cannot change
while the process runs, so the two modules' references are pointed at a cached copy.
Re-check on an SDK upgrade (pyproject caps it at the next minor): the test in
tests/bot/test_sdk_user_agent.py fails if either module stops calling it by that name.
"""

from __future__ import annotations

import functools

from microsoft_agents.hosting.core.connector import get_product_info as sdk_product_info
from microsoft_agents.hosting.core.connector.client import connector_client, user_token_client

_CLIENT_MODULES = (connector_client, user_token_client)

product_info = functools.cache(sdk_product_info)


def compute_once() -> None:
    """Point the SDK's client modules at the cached string (idempotent)."""
    for module in _CLIENT_MODULES:
        module.get_product_info = product_info  # type: ignore[attr-defined]
