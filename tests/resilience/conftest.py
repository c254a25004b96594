"""Resilience tests. `pg_restart` tests stop the shared PostgreSQL server, so they run
only when asked for by marker (`pytest -m pg_restart`), never inside a normal run."""

from __future__ import annotations

import pytest


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if "pg_restart" in (config.getoption("markexpr") or "").replace("not pg_restart", ""):
        return
    skip = pytest.mark.skip(
        reason="restarts the shared PostgreSQL server: run `pytest -m pg_restart`"
    )
    for item in items:
        if "pg_restart" in item.keywords:
            item.add_marker(skip)
