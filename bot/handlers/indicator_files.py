"""Indicator values sent as a CSV or Excel file in the personal chat.

A coordinator (or admin) sends the file; the bot answers with a preview card (rows read,
refused with row numbers and reasons, flagged, what changes) and imports only when
"Importera" is pressed. Only units the person coordinates count: any other unit in the
file reads as unknown, exactly like a unit that does not exist (SECURITY.md). The file's
bytes are held a day for that person only (storage/files_repo.py); the confirm re-reads
and re-checks them with the person's roles at that moment.
"""

from __future__ import annotations

from typing import Any

from bot import files as bot_files
from bot.permissions import roles_for_unit
from bot.router import Router
from bot.turn import Turn
from cards.base import plain
from cards.indicator_upload import CANCEL_VERB, CONFIRM_VERB, preview_card, result_card
from core.files import InboundFile
from core.refusal import Refused
from core.roles import allows
from services import alerts, indicator_upload
from services.digest import today_local
from services.indicator_import import IDENTITY_NUMBER_KEY
from storage import files_repo, indicators_repo

HANDLERS = Router()
KIND = "indicator_import"


async def coordinated_units(turn: Turn) -> set[int]:
    """The units this person may add values for: those they coordinate (or administer),
    with every unit below."""
    facts = await turn.services.org.get()
    out: set[int] = set()
    for unit_id in facts.parents:
        if allows(await roles_for_unit(turn, unit_id), "coordinator"):
            out.add(unit_id)
    return out


async def _unit_names(turn: Turn) -> dict[int, str]:
    async with turn.services.db.read() as s:
        units = await indicators_repo.live_units(s)
    return {u.id: u.name for u in units if u.id is not None}


@HANDLERS.file("csv", "xlsx")
async def indicator_file(turn: Turn, file: InboundFile) -> None:
    if not turn.user_id:
        raise Refused("files.no_person")
    units = await coordinated_units(turn)
    if not units:
        raise Refused("indfile.not_allowed")
    data = await bot_files.download(turn, file)
    db = turn.services.db
    async with db.read() as s:
        checked = await indicator_upload.preview(s, file.name, data, units, today_local())
    identity = [r for r in checked.refused if any(x.key == IDENTITY_NUMBER_KEY for x in r.reasons)]
    if identity:
        # Patient data must never be stored: not even held for the confirm.
        rows = ", ".join(str(r.row) for r in identity)
        raise Refused("indfile.identity", rows=rows[:200])
    async with db.session() as s:
        token = await files_repo.put(
            s,
            kind=KIND,
            tenant_id=turn.person_tenant,
            person=turn.user_id,
            filename=file.name,
            data=data,
        )
    card = preview_card(turn.lang, checked, await _unit_names(turn), token)
    await turn.send_card(card, summary=turn.text("indfile.title", file=file.name))


async def _held(turn: Turn, data: dict[str, Any]) -> tuple[str, str, bytes]:
    token = data.get("token")
    if not isinstance(token, str) or not turn.user_id or len(token) > 64:
        raise Refused("indfile.gone")
    async with turn.services.db.read() as s:
        held = await files_repo.get(s, token, kind=KIND, person=turn.user_id)
        if held is None:
            raise Refused("indfile.gone")
        return token, held.filename, held.data


@HANDLERS.action(CONFIRM_VERB)
async def confirm(turn: Turn, data: dict[str, Any]) -> None:
    token, filename, raw = await _held(turn, data)
    units = await coordinated_units(turn)
    if not units:
        raise Refused("indfile.not_allowed")
    db = turn.services.db
    async with db.session() as s:
        checked = await indicator_upload.preview(s, filename, raw, units, today_local())
        result = await indicator_upload.commit(s, checked)
        await files_repo.drop(s, token)
        # New figures that cross a target or worsen three periods running: told at once.
        settings = turn.services.settings
        await alerts.check(
            s,
            indicator_upload.changed_keys(checked),
            settings.language,
            own_tenant=settings.own_tenant,
        )
    turn.services.notify_changes()
    message = turn.text(
        "indfile.done",
        file=plain(filename),
        new=result.inserted,
        changed=result.updated,
        unchanged=result.unchanged,
    )
    await turn.send_card(result_card(turn.lang, message), summary=message)


@HANDLERS.action(CANCEL_VERB)
async def cancel(turn: Turn, data: dict[str, Any]) -> None:
    token, filename, _ = await _held(turn, data)
    async with turn.services.db.session() as s:
        await files_repo.drop(s, token)
    message = turn.text("indfile.cancelled", file=plain(filename))
    await turn.send_card(result_card(turn.lang, message), summary=message)
