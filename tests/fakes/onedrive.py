"""A fake of the person's OneDrive as Teams' bot file API uses it, over real HTTP.

- Downloads: `add_download(name, data)` gives the `downloadUrl` a
  `file.download.info` attachment carries; GET on it answers the bytes (404 when unknown).
- Uploads: `upload_url(name)` is the `uploadInfo.uploadUrl` Teams puts in a
  `fileConsent/invoke`; a PUT there must carry `Content-Range: bytes 0-{n-1}/{n}` for
  the whole body (as an upload session's single fragment) and is answered 201 with the
  driveItem (name, size). `uploads` keeps what arrived.
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass
from typing import Any

from aiohttp import web

_RANGE = re.compile(r"^bytes (\d+)-(\d+)/(\d+)$")


@dataclass
class Upload:
    name: str
    data: bytes
    content_range: str


class FakeOneDrive:
    def __init__(self) -> None:
        self.base = ""  # set by the test once the server listens
        self.files: dict[str, bytes] = {}
        self.uploads: list[Upload] = []
        self.fail_uploads = 0
        self._ids = itertools.count(1)
        self.app = web.Application()
        self.app.router.add_get("/download/{fid}", self._download)
        self.app.router.add_put("/upload/{fid}/{name}", self._upload)

    def add_download(self, data: bytes) -> str:
        fid = str(next(self._ids))
        self.files[fid] = data
        return f"{self.base}/download/{fid}?tempauth=x"

    def upload_url(self, name: str) -> str:
        return f"{self.base}/upload/{next(self._ids)}/{name}?tempauth=y"

    async def _download(self, request: web.Request) -> web.StreamResponse:
        data = self.files.get(request.match_info["fid"])
        if data is None:
            return web.json_response({"error": {"code": "itemNotFound"}}, status=404)
        return web.Response(body=data, content_type="application/octet-stream")

    async def _upload(self, request: web.Request) -> web.Response:
        body = await request.read()
        header = request.headers.get("Content-Range", "")
        m = _RANGE.match(header)
        if m is None or (int(m.group(1)), int(m.group(2)) + 1, int(m.group(3))) != (
            0,
            len(body),
            len(body),
        ):
            return web.json_response(
                {"error": {"code": "invalidRange", "message": header}}, status=400
            )
        if self.fail_uploads:
            self.fail_uploads -= 1
            return web.json_response({"error": {"code": "serviceNotAvailable"}}, status=503)
        name = request.match_info["name"]
        self.uploads.append(Upload(name, body, header))
        item: dict[str, Any] = {"id": request.match_info["fid"], "name": name, "size": len(body)}
        return web.json_response(item, status=201)
