"""0002_auth on existing data: people get their tenant where a personal chat tells it,
and UPNs and names learned before the inbound checks (possibly from a roster the
caller chose) are forgotten; language choices stay. Both backends."""

from __future__ import annotations

import asyncio
from typing import Any

from sqlalchemy import text

from storage.db import Database
from storage.migrate import downgrade, upgrade
from tests.storage.test_migrations import empty_url  # noqa: F401
from tests.teams import TENANT

ANNA = "11111111-0000-4000-8000-00000000000a"
BO = "11111111-0000-4000-8000-00000000000b"


def _run(url: str, *statements: str) -> list[Any]:
    async def go() -> list[Any]:
        db = Database(url)
        try:
            async with db.engine.begin() as conn:
                out: list[Any] = []
                for sql in statements:
                    result = await conn.execute(text(sql))
                    out = list(result.all()) if result.returns_rows else out
                return out
        finally:
            await db.dispose()

    return asyncio.run(go())


def test_people_get_their_tenant_and_lose_unverified_upns(empty_url: str) -> None:  # noqa: F811
    upgrade(empty_url, "0001")
    _run(
        empty_url,
        "INSERT INTO people (aad_object_id, upn, display_name, language, updated_at) VALUES "
        f"('{ANNA}', 'sara.samordnare@example.se', 'Sara', 'en', CURRENT_TIMESTAMP), "
        f"('{BO}', 'bo@example.se', 'Bo', NULL, CURRENT_TIMESTAMP)",
        "INSERT INTO conversations (conversation_id, kind, tenant_id, user_aad_id, reference,"
        " active, installed_at, updated_at) VALUES "
        f"('a:1', 'personal', '{TENANT}', '{ANNA}', '{{}}', true,"
        " CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)",
    )
    upgrade(empty_url)
    rows = _run(
        empty_url,
        "SELECT tenant_id, aad_object_id, upn, display_name, language FROM people"
        " ORDER BY aad_object_id",
    )
    assert [tuple(r) for r in rows] == [
        (TENANT, ANNA, None, None, "en"),
        ("", BO, None, None, None),
    ]
    # Now one person may have a row per tenant; a downgrade keeps one per object id.
    _run(
        empty_url,
        "INSERT INTO people (tenant_id, aad_object_id, language, updated_at) VALUES "
        f"('other', '{ANNA}', 'sv', CURRENT_TIMESTAMP)",
    )
    downgrade(empty_url, "0001")
    rows = _run(empty_url, "SELECT aad_object_id FROM people ORDER BY aad_object_id")
    assert [r[0] for r in rows] == [ANNA, BO]
