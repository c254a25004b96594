"""Files in the personal chat: the bot with a fake OneDrive as its allowed file host, and the
file consent flow played as Teams plays it (the FileConsentCard, then `fileConsent/invoke`)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from aiohttp import ClientSession
from aiohttp.test_utils import TestServer

from bot.web import SERVICES_KEY, build_app
from core.files import FILE_CONSENT_CARD, FILE_INFO_CARD
from storage.db import Database
from tests.fakes.connector import FakeConnector
from tests.fakes.onedrive import FakeOneDrive, Upload
from tests.support.harness import BotHarness, connector_host, local_settings
from tests.teams import ActivityFactory, TeamsUser

ADMIN = TeamsUser(name="Åsa Admin", upn="asa@example.se")


@pytest.fixture
async def drive() -> AsyncIterator[FakeOneDrive]:
    fake = FakeOneDrive()
    server = TestServer(fake.app, host="127.0.0.1")
    await server.start_server()
    fake.base = str(server.make_url("")).rstrip("/")
    yield fake
    await server.close()


@pytest.fixture
async def bot(
    db: Database,
    connector: tuple[FakeConnector, str],
    drive: FakeOneDrive,
    tmp_path: Path,
) -> AsyncIterator[BotHarness]:
    """Local mode with one named administrator, so everyone else has only the roles the
    org gives them; the fake OneDrive's loopback port is the allowed file host."""
    fake, connector_url = connector
    settings = local_settings(
        db.url,
        tmp_path,
        local_admins=[ADMIN.aad_object_id],
        file_hosts=[connector_host(drive.base)],
    )
    app = build_app(settings, db)
    server = TestServer(app, host="127.0.0.1")
    await server.start_server()
    async with ClientSession() as http:
        yield BotHarness(
            str(server.make_url("")).rstrip("/"),
            http,
            fake,
            ActivityFactory(connector_url),
            db,
            settings=settings,
            services=app[SERVICES_KEY],
        )
    await server.close()


def personal_invoke(
    h: BotHarness, user: TeamsUser, name: str, value: dict[str, Any]
) -> dict[str, Any]:
    act = h.teams.personal_message(user, "")
    act.pop("text")
    act["type"] = "invoke"
    act["name"] = name
    act["value"] = value
    return act


async def accept_offer(
    h: BotHarness, drive: FakeOneDrive, user: TeamsUser, after: int = 0
) -> tuple[str, Upload]:
    """Wait for a FileConsentCard posted from index `after` on, press Allow as `user`, wait
    for the FileInfoCard: (the offered file name, what OneDrive received)."""
    before = len(drive.uploads)
    posted = await h.connector.wait_for(
        lambda p: any(
            a.get("contentType") == FILE_CONSENT_CARD for a in p.activity.get("attachments") or []
        ),
        after=after,
    )
    after = h.connector.posted.index(posted) + 1
    consent = posted.activity["attachments"][0]
    name = consent["name"]
    accept = {
        "type": "fileUpload",
        "action": "accept",
        "context": consent["content"]["acceptContext"],
        "uploadInfo": {
            "contentUrl": f"https://contoso.sharepoint.com/personal/x/{name}",
            "name": name,
            "uploadUrl": drive.upload_url(name),
            "uniqueId": "2250D938-8870-4044-9F2C-5BBDEBA70C9D",
            "fileType": name.rsplit(".", 1)[-1],
        },
    }
    status, _ = await h.post(personal_invoke(h, user, "fileConsent/invoke", accept))
    assert status == 200
    await h.connector.wait_for(
        lambda p: any(
            a.get("contentType") == FILE_INFO_CARD for a in p.activity.get("attachments") or []
        ),
        after=after,
    )
    assert len(drive.uploads) == before + 1
    return name, drive.uploads[-1]
