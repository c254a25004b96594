"""Held files (storage/file_models.py): put, take for the person they were made for, purge."""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from storage.file_models import HeldFile
from storage.types import utcnow

HOLD_FOR = timedelta(hours=24)


async def put(
    session: AsyncSession,
    *,
    kind: str,
    tenant_id: str,
    person: str,
    filename: str,
    data: bytes,
    meta: dict[str, Any] | None = None,
    now: datetime | None = None,
) -> str:
    """Keep `data` for `person`; returns the token that names it."""
    now = now or utcnow()
    await purge_expired(session, now)  # nothing outlives its day, job or no job
    token = secrets.token_urlsafe(24)
    session.add(
        HeldFile(
            token=token,
            kind=kind,
            tenant_id=tenant_id.lower(),
            person=person.lower(),
            filename=filename,
            data=data,
            meta=meta or {},
            created_at=now,
            expires_at=now + HOLD_FOR,
        )
    )
    await session.flush()
    return token


async def get(
    session: AsyncSession, token: str, *, kind: str, person: str, now: datetime | None = None
) -> HeldFile | None:
    """The held file if it exists, is of `kind`, was made for `person` and has not expired."""
    row = await session.get(HeldFile, token)
    if row is None or row.kind != kind or row.person != person.lower():
        return None
    if row.expires_at <= (now or utcnow()):
        return None
    return row


async def drop(session: AsyncSession, token: str) -> None:
    await session.execute(delete(HeldFile).where(col(HeldFile.token) == token))


async def purge_expired(session: AsyncSession, now: datetime | None = None) -> int:
    result = await session.execute(
        delete(HeldFile).where(col(HeldFile.expires_at) <= (now or utcnow()))
    )
    return int(getattr(result, "rowcount", 0) or 0)
