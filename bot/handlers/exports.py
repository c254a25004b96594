"""`export` / `exportera`: data as a file in the personal chat (Teams' file consent flow).

    export values|värden ‹unit›            the stored indicator values (importable CSV)
    export digest|sammanställning ‹unit›   digest data per unit and indicator (CSV)
    export items|ärenden ‹unit›            items with their whole trail (CSV)
    export minutes|protokoll ‹unit›        minutes of the last twelve months (Markdown)

The unit must be within the person's reach (bot/scope.py: another unit answers like a
missing one) and the person its manager or coordinator. Each kind is one entry in
`EXPORTS`; another export (a pulse, a meeting's .ics) adds an entry, or calls
bot/files.py `offer` from its own handler.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import timedelta

from bot import files as bot_files
from bot.permissions import require
from bot.router import Router
from bot.scope import find
from bot.turn import Turn
from core.files import safe_filename
from core.names import match_name
from core.refusal import Refused
from core.roles import descendants
from services import export as export_service
from services import indicator_export
from services.digest import today_local
from storage import indicators_repo
from storage.models import Unit

HANDLERS = Router()

Exporter = Callable[[Turn, Unit], Awaitable[tuple[str, bytes]]]


async def _values(turn: Turn, unit: Unit) -> tuple[str, bytes]:
    assert unit.id is not None
    parents = (await turn.services.org.get()).parents
    data = await indicator_export.values_csv(turn.services.db, descendants(unit.id, parents))
    return f"värden {unit.name}.csv", data


async def _digest(turn: Turn, unit: Unit) -> tuple[str, bytes]:
    assert unit.id is not None
    data = await indicator_export.digest_csv(turn.services.db, unit.id)
    return f"sammanställning {unit.name}.csv", data


async def _items(turn: Turn, unit: Unit) -> tuple[str, bytes]:
    text = await export_service.export_items(
        turn.services.db, unit.name, True, export_service.Format.csv
    )
    return f"ärenden {unit.name}.csv", (text or "").encode("utf-8-sig")


async def _minutes(turn: Turn, unit: Unit) -> tuple[str, bytes]:
    today = today_local()
    settings = turn.services.settings
    text = await export_service.export_minutes(
        turn.services.db,
        unit.name,
        today - timedelta(days=365),
        today,
        export_service.Format.md,
        turn.lang,
        settings.timezone,
    )
    return f"protokoll {unit.name}.md", (text or "").encode("utf-8")


EXPORTS: dict[str, Exporter] = {
    "values": _values,
    "värden": _values,
    "varden": _values,
    "digest": _digest,
    "sammanställning": _digest,
    "sammanstallning": _digest,
    "items": _items,
    "ärenden": _items,
    "arenden": _items,
    "minutes": _minutes,
    "protokoll": _minutes,
}


@HANDLERS.command("export", aliases=("exportera",), sv="exportera", role="manager")
async def export_command(turn: Turn, args: str) -> None:
    kind, _, name = args.strip().partition(" ")
    exporter = EXPORTS.get(kind.lower())
    name = name.strip().strip("\"'«»“”")
    if exporter is None or not name:
        raise Refused("export.usage")
    if turn.kind != "personal":
        raise Refused("files.personal_only")
    async with turn.services.db.read() as s:
        units = await indicators_repo.live_units(s)
    found = match_name(name, [u.name for u in units])
    unit_id = next((u.id for u in units if u.name == found), None) if found else None
    unit = await find(turn, Unit, unit_id)
    if unit is None:
        raise Refused("export.no_unit", name=name[:80])
    if not await require(turn, unit, "manager"):
        return
    filename, data = await exporter(turn, unit)
    await bot_files.offer(
        turn,
        safe_filename(filename),
        data,
        turn.text("export.description", unit=unit.name),
    )
