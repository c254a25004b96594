"""A comment shown in a pulse's results becomes an item in one click; the next results
card lists what came of earlier comments ("ni sa, vi gjorde")."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from core.item_values import NewItem
from core.pulse_followup import item_title, shown_comment
from core.pulse_results import summarize
from core.refusal import Refused
from i18n.texts import t
from services import escalation
from storage import (
    items_repo,
    pulse_answers_repo,
    pulse_followup_repo,
    pulse_repo,
    pulse_templates_repo,
)
from storage.db import Database
from storage.item_models import Item
from storage.models import Unit
from storage.pulse_models import Pulse


@dataclass(frozen=True)
class Made:
    item_id: int
    created: bool  # False: the comment was made an item before


async def comment_to_item(
    db: Database,
    unit: Unit,
    ref: str,
    key: str,
    *,
    actor: str | None,
    lang: str,
    now: datetime,
) -> Made:
    """Make the comment `key` of the unit's pulse `ref` an item at the unit (once per
    comment). Refused as unknown when the pulse is another unit's or the comment was
    not shown in its results."""
    assert unit.id is not None
    async with db.session() as s:
        pulse = await pulse_repo.by_ref(s, ref)
        if pulse is None or pulse.unit_id != unit.id or pulse.id is None:
            raise Refused("pulse.refused.unknown")
        template = pulse_templates_repo.pulse_template(pulse)
        rows = await pulse_answers_repo.answers(s, pulse.id)
        results = summarize(template, rows, pulse.threshold, answered=pulse.answer_count)
        comment = shown_comment(results, key) if pulse.answer_count is not None else None
        if comment is None:
            raise Refused("pulse.comment_unknown")
        existing = await pulse_followup_repo.item_for(s, pulse.id, key)
        if existing is not None:
            return Made(existing, created=False)
        name = template.name.get(lang) or template.name["sv"]
        description = t(lang, "pulse.comment_item_description", comment=comment, name=name)
        new = NewItem(
            item_title(comment), kind="proposal", description=f"{description} ({pulse.period})"
        )
        item = await items_repo.create_item(s, unit, new, actor=actor, now=now)
        await escalation.ensure_sweep_schedule(s)
        assert item.id is not None
        item_id = item.id
        try:
            await pulse_followup_repo.add(s, pulse.id, key, item_id)
        except IntegrityError:  # pressed twice at once: the other press made it
            raise Refused("pulse.comment_taken") from None
    return Made(item_id, created=True)


async def earlier_items(session: AsyncSession, pulse: Pulse) -> list[Item]:
    return await pulse_followup_repo.earlier(session, pulse.unit_id, pulse)


async def made_items(session: AsyncSession, pulse: Pulse) -> dict[str, int]:
    assert pulse.id is not None
    return await pulse_followup_repo.commented(session, pulse.id)
