"""A throw-away PostgreSQL database for one benchmark run, on the server the URL names."""

from __future__ import annotations

import uuid

from storage.db import normalise_url


async def scratch_postgres(url: str) -> tuple[str, str]:
    import asyncpg

    base = normalise_url(url).replace("+asyncpg", "")
    name = f"samverkan_bench_{uuid.uuid4().hex[:8]}"
    conn = await asyncpg.connect(base)
    try:
        await conn.execute(f'CREATE DATABASE "{name}"')
    finally:
        await conn.close()
    return base.rsplit("/", 1)[0] + "/" + name, name


async def drop_postgres(url: str, name: str) -> None:
    import asyncpg

    conn = await asyncpg.connect(normalise_url(url).replace("+asyncpg", ""))
    try:
        await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await conn.close()
