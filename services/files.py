"""Files in the personal chat: the shared primitive for exports and uploads.

**Offering a file** (any export): `offer_file(db, person, filename, data, description)`
keeps the bytes for the person (storage/files_repo.py, a day) and returns the message
activity with Teams' FileConsentCard. Send it in the person's personal chat (bot/files.py
`offer` does that from a handler; a job may enqueue it to the personal conversation).
When the person presses Allow, Teams sends a `fileConsent/invoke`; `accept` PUTs the
bytes to the upload URL Teams gave and returns the FileInfoCard to post; `decline`
forgets them. Only the person the file was offered to can take it.

**Taking a file a person sent**: `download(file, extra_hosts)` fetches the bytes from
the attachment's `downloadUrl` (SharePoint only, a size limit), for a handler to read.

Rules and shapes are in core/files.py; this module does the I/O.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import aiohttp

from core.files import (
    ConsentAnswer,
    InboundFile,
    consent_card,
    content_range,
    file_info_card,
    file_url_allowed,
    safe_filename,
)
from core.refusal import Refused
from storage import files_repo
from storage.db import Database

log = logging.getLogger(__name__)

OFFER = "offer"
MAX_DOWNLOAD = 5 * 1024 * 1024  # bytes; an indicator file is far smaller
MAX_OFFER = 50 * 1024 * 1024
TIMEOUT = aiohttp.ClientTimeout(total=60, connect=10)


@dataclass(frozen=True)
class Person:
    """Whom a file is for: their tenant and Entra object id (from the activity)."""

    tenant_id: str
    object_id: str


async def offer_file(
    db: Database, person: Person, filename: str, data: bytes, description: str
) -> dict[str, Any]:
    """Keep `data` for `person` and return the message activity that offers it."""
    if not person.object_id:
        raise Refused("files.no_person")
    if len(data) > MAX_OFFER:
        raise Refused("files.too_big")
    name = safe_filename(filename)
    async with db.session() as s:
        token = await files_repo.put(
            s,
            kind=OFFER,
            tenant_id=person.tenant_id,
            person=person.object_id,
            filename=name,
            data=data,
        )
    return {"type": "message", "attachments": [consent_card(name, len(data), description, token)]}


async def accept(
    db: Database, person: Person, answer: ConsentAnswer, extra_hosts: Iterable[str] = ()
) -> dict[str, Any]:
    """Upload the offered bytes where Teams said; the FileInfoCard attachment to post.

    Refused (nothing uploaded) if the offer is gone, was made for someone else, or the
    upload URL is not one the bot may write to; the bytes are kept if the upload fails,
    so Allow can be pressed again."""
    async with db.read() as s:
        held = await files_repo.get(s, answer.token, kind=OFFER, person=person.object_id)
        data, filename = (held.data, held.filename) if held is not None else (b"", "")
    if held is None:
        raise Refused("files.gone")
    if not file_url_allowed(answer.upload_url, extra_hosts):
        log.warning("file consent: upload URL host not allowed")
        raise Refused("files.bad_url")
    headers = {"Content-Range": content_range(len(data)), "Content-Length": str(len(data))}
    try:
        async with (
            aiohttp.ClientSession(timeout=TIMEOUT) as http,
            http.put(answer.upload_url, data=data, headers=headers) as resp,
        ):
            ok = resp.status in (200, 201)
            status = resp.status
    except (aiohttp.ClientError, TimeoutError) as exc:
        log.warning("file upload failed: %s", type(exc).__name__)
        raise Refused("files.upload_failed") from exc
    if not ok:
        log.warning("file upload answered %s", status)
        raise Refused("files.upload_failed")
    async with db.session() as s:
        await files_repo.drop(s, answer.token)
    name = answer.name or filename
    file_type = answer.file_type or name.rsplit(".", 1)[-1]
    return file_info_card(name, answer.content_url, answer.unique_id, file_type)


async def decline(db: Database, person: Person, token: str) -> bool:
    """Forget an offered file; False if there was none for this person."""
    async with db.session() as s:
        held = await files_repo.get(s, token, kind=OFFER, person=person.object_id)
        if held is None:
            return False
        await files_repo.drop(s, token)
        return True


async def download(
    file: InboundFile, extra_hosts: Iterable[str] = (), limit: int = MAX_DOWNLOAD
) -> bytes:
    """The bytes of a file a person sent (Refused: not a SharePoint URL, too big, failed)."""
    if not file_url_allowed(file.download_url, extra_hosts):
        log.warning("file download: host not allowed")
        raise Refused("files.bad_url")
    try:
        async with (
            aiohttp.ClientSession(timeout=TIMEOUT) as http,
            http.get(file.download_url, allow_redirects=False) as resp,
        ):
            if resp.status != 200:
                log.warning("file download answered %s", resp.status)
                raise Refused("files.download_failed")
            if (resp.content_length or 0) > limit:
                raise Refused("files.too_big")
            chunks: list[bytes] = []
            size = 0
            async for chunk in resp.content.iter_chunked(65536):
                size += len(chunk)
                if size > limit:
                    raise Refused("files.too_big")
                chunks.append(chunk)
    except (aiohttp.ClientError, TimeoutError) as exc:
        log.warning("file download failed: %s", type(exc).__name__)
        raise Refused("files.download_failed") from exc
    return b"".join(chunks)
