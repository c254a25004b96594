"""Files in the personal chat, from the Teams side (see services/files.py, core/files.py).

- `offer(turn, filename, data, description)`: from any handler, offers a file to the
  person who wrote, as a FileConsentCard in their personal chat (Teams' bot file API
  works there only; elsewhere the person is asked to write to the bot directly).
- `consent(turn)`: the `fileConsent/invoke` (Allow/Decline on that card).
- `inbound(turn, router)`: a message with files attached in the personal chat, handed
  to the reader registered for the file type (`@HANDLERS.file("csv", "xlsx")`).
"""

from __future__ import annotations

import logging

from microsoft_agents.activity import Activity, Attachment

from bot.router import Router
from bot.turn import Turn
from core.files import InboundFile, consent_answer, inbound_files
from core.refusal import Refused
from services import files as file_service

log = logging.getLogger(__name__)


def person(turn: Turn) -> file_service.Person:
    return file_service.Person(turn.person_tenant, (turn.user_id or "").lower())


async def offer(turn: Turn, filename: str, data: bytes, description: str) -> None:
    """Offer `data` as a file to the person who wrote (personal chat only)."""
    if turn.kind != "personal":
        raise Refused("files.personal_only")
    activity = await file_service.offer_file(
        turn.services.db, person(turn), filename, data, description
    )
    attachments = [
        Attachment(content_type=a["contentType"], name=a.get("name"), content=a["content"])
        for a in activity["attachments"]
    ]
    await turn.ctx.send_activity(Activity(type="message", attachments=attachments))


async def consent(turn: Turn) -> None:
    """Allow → upload and show the file; Decline → forget it. The invoke gets a plain 200."""
    answer = consent_answer(turn.ctx.activity.value)
    if answer is None or turn.kind != "personal":
        return
    db = turn.services.db
    if not answer.accepted:
        if await file_service.decline(db, person(turn), answer.token):
            await _post(turn, Activity(type="message", text=turn.text("files.declined")))
        return
    hosts = turn.services.settings.file_hosts
    try:
        info = await file_service.accept(db, person(turn), answer, hosts)
    except Refused as refusal:
        await _post(turn, Activity(type="message", text=turn.text(refusal.key, **refusal.values)))
        return
    await _post(
        turn,
        Activity(
            type="message",
            text=turn.text("files.uploaded"),
            attachments=[
                Attachment(
                    content_type=info["contentType"],
                    content_url=info["contentUrl"],
                    name=info["name"],
                    content=info["content"],
                )
            ],
        ),
    )


async def _post(turn: Turn, activity: Activity) -> None:
    """A message in the chat during an invoke (the invoke's own answer stays empty)."""
    await turn.ctx.send_activity(activity)


def files_of(turn: Turn) -> list[InboundFile]:
    attachments = turn.ctx.activity.attachments or []
    return inbound_files(a.model_dump(by_alias=True, exclude_none=True) for a in attachments)


async def inbound(turn: Turn, files: list[InboundFile], router: Router) -> None:
    """Hand each file to the reader for its type; say so when there is none."""
    if turn.kind != "personal":
        return
    for file in files[:3]:
        handler = router.files.get(file.file_type)
        if handler is None:
            await turn.send_text(
                turn.text("files.unknown_type", types=", ".join(sorted(router.files)) or "–")
            )
            continue
        await handler(turn, file)


async def download(turn: Turn, file: InboundFile) -> bytes:
    return await file_service.download(file, turn.services.settings.file_hosts)
