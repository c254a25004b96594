"""Files in the personal chat, as Teams' bot file API shapes them: pure rules.

Teams lets a bot exchange files with a person in the personal chat only (the manifest's
`bots[].supportsFiles: true`):

- **inbound**: the person attaches a file; the message carries an attachment of
  content type `application/vnd.microsoft.teams.file.download.info` whose `content`
  has a short-lived, pre-authenticated `downloadUrl` (on the person's OneDrive, i.e.
  SharePoint), the `fileType` and a `uniqueId`. `inbound_files` reads them.
- **outbound** (the file consent flow): the bot sends a `FileConsentCard` attachment
  (`application/vnd.microsoft.teams.card.file.consent`: name, description, sizeInBytes,
  acceptContext, declineContext); the person's Allow/Decline comes back as an invoke named
  `fileConsent/invoke` with `value.action` "accept" (with `value.uploadInfo`: uploadUrl,
  contentUrl, name, uniqueId, fileType) or "decline", and `value.context` the context the
  bot put in the card. On accept the bot PUTs the bytes to `uploadUrl` (one request with
  `Content-Range: bytes 0-{n-1}/{n}`) and then posts a `FileInfoCard`
  (`application/vnd.microsoft.teams.card.file.info`) pointing at `contentUrl`.

Both URLs come from an activity, so the bot would fetch from / write to whatever they
name: `file_url_allowed` keeps them to SharePoint hosts (plus hosts the operator names,
e.g. a loopback test endpoint). Nothing here does I/O: services/files.py and
bot/files.py are the shell.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from core.service_url import is_loopback_host, split_url

FILE_DOWNLOAD_INFO = "application/vnd.microsoft.teams.file.download.info"
FILE_CONSENT_CARD = "application/vnd.microsoft.teams.card.file.consent"
FILE_INFO_CARD = "application/vnd.microsoft.teams.card.file.info"
FILE_CONSENT_INVOKE = "fileConsent/invoke"

# Where Teams keeps files sent to and by bots: the person's OneDrive for Business, per
# cloud (commercial, GCC High/DoD, 21Vianet).
SHAREPOINT_SUFFIXES: tuple[str, ...] = (
    ".sharepoint.com",
    ".sharepoint.us",
    ".sharepoint-mil.us",
    ".sharepoint.cn",
)
MAX_NAME = 200
_TOKEN = re.compile(r"^[A-Za-z0-9_-]{16,64}$")
_SAFE_NAME = re.compile(r"[^\w .()+-]", re.UNICODE)


@dataclass(frozen=True)
class InboundFile:
    """A file a person attached in the personal chat."""

    name: str
    download_url: str
    file_type: str  # "csv", "xlsx", ... as Teams reports it (lower case)
    unique_id: str = ""


def inbound_files(attachments: Iterable[Mapping[str, Any]]) -> list[InboundFile]:
    """The file attachments of a message (others, such as inline images, are left out)."""
    out: list[InboundFile] = []
    for a in attachments:
        if not isinstance(a, Mapping) or a.get("contentType") != FILE_DOWNLOAD_INFO:
            continue
        content = a.get("content")
        if not isinstance(content, Mapping):
            continue
        url = content.get("downloadUrl")
        if not isinstance(url, str) or not url:
            continue
        name = str(a.get("name") or "")[:MAX_NAME]
        file_type = str(content.get("fileType") or name.rsplit(".", 1)[-1] or "").lower()
        out.append(InboundFile(name, url, file_type[:20], str(content.get("uniqueId") or "")[:80]))
    return out


def file_url_allowed(url: object, extra_hosts: Iterable[str] = ()) -> bool:
    """Whether the bot may fetch from / upload to `url`: https on a SharePoint host, or
    a host:port the operator listed (`extra_hosts`, e.g. a loopback test endpoint over
    plain http)."""
    split = split_url(url, 4000)
    if split is None:
        return False
    parts, port = split
    host = (parts.hostname or "").lower().rstrip(".")
    if not host:
        return False
    scheme = parts.scheme.lower()
    default = 443 if scheme == "https" else 80
    listed = {h.lower() for h in extra_hosts}
    if f"{host}:{port or default}" in listed or (host in listed and port is None):
        return scheme in ("http", "https") if is_loopback_host(host) else scheme == "https"
    return scheme == "https" and port in (None, 443) and host.endswith(SHAREPOINT_SUFFIXES)


def safe_filename(name: str, default: str = "export.txt") -> str:
    """A file name Teams and OneDrive accept: no path, no reserved characters."""
    base = name.replace("\\", "/").rsplit("/", 1)[-1].strip().strip(".")
    cleaned = _SAFE_NAME.sub("_", base)[:MAX_NAME].strip()
    return cleaned or default


def consent_card(filename: str, size: int, description: str, token: str) -> dict[str, Any]:
    """The FileConsentCard attachment offering `filename` (`token` names the bytes kept)."""
    context = {"token": token}
    return {
        "contentType": FILE_CONSENT_CARD,
        "name": filename,
        "content": {
            "description": description,
            "sizeInBytes": size,
            "acceptContext": context,
            "declineContext": context,
        },
    }


def file_info_card(name: str, content_url: str, unique_id: str, file_type: str) -> dict[str, Any]:
    """The FileInfoCard attachment that shows an uploaded file in the chat."""
    return {
        "contentType": FILE_INFO_CARD,
        "contentUrl": content_url,
        "name": name,
        "content": {"uniqueId": unique_id, "fileType": file_type},
    }


@dataclass(frozen=True)
class ConsentAnswer:
    accepted: bool
    token: str
    upload_url: str = ""
    content_url: str = ""
    name: str = ""
    unique_id: str = ""
    file_type: str = ""


def consent_answer(value: object) -> ConsentAnswer | None:
    """The person's answer from a `fileConsent/invoke` value; None if it is not one."""
    if not isinstance(value, Mapping):
        return None
    action = value.get("action")
    context = value.get("context")
    token = context.get("token") if isinstance(context, Mapping) else None
    if action not in ("accept", "decline") or not isinstance(token, str) or not _TOKEN.match(token):
        return None
    if action == "decline":
        return ConsentAnswer(False, token)
    info = value.get("uploadInfo")
    if not isinstance(info, Mapping):
        return None
    upload_url = info.get("uploadUrl")
    if not isinstance(upload_url, str) or not upload_url:
        return None
    return ConsentAnswer(
        True,
        token,
        upload_url,
        str(info.get("contentUrl") or ""),
        str(info.get("name") or "")[:MAX_NAME],
        str(info.get("uniqueId") or "")[:80],
        str(info.get("fileType") or "")[:20],
    )


def content_range(size: int) -> str:
    """The Content-Range of a single-request upload of `size` bytes."""
    return f"bytes 0-{max(size - 1, 0)}/{size}"
