"""The unit's current indicator status, for the "indicators" standing point of its next
agenda (the same figures and targets as its digest, services/digest.py)."""

from __future__ import annotations

from datetime import date

from sqlalchemy.ext.asyncio import AsyncSession

from cards.digest import headline_text
from core.indicators import Status
from i18n.texts import t
from services import digest

MAX_NAMED = 3


async def status_line(session: AsyncSession, unit_id: int, today: date, lang: str) -> str | None:
    """ "3 av 5 indikatorer når målet (utanför: X, Y)"; None when there are no indicators."""
    data = await digest.load(session, today=today, unit_ids=[unit_id])
    if not data.defs or unit_id not in data.units:
        return None
    unit = digest.unit_digest(data, unit_id)
    line = headline_text(unit, lang)
    off = [r.defn.name_en if lang == "en" else r.defn.name_sv for r in unit.rows
           if r.status is Status.OFF]  # fmt: skip
    if off:
        line += t(lang, "ind.off_named", names=", ".join(off[:MAX_NAMED]))
    return line
