"""Pulse templates: a unit's saved ones (`puls ny mall`), finding the one a pulse uses,
and reading the copy a pulse keeps of the questions it asked."""

from __future__ import annotations

from sqlalchemy import func, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from core.pulse_questions import Template, template_from_dict, template_to_dict
from core.pulse_templates import configured_for, library_template
from storage.models import Unit
from storage.pulse_models import Pulse, PulseTemplate
from storage.types import utcnow


async def find_template(
    session: AsyncSession, key: str, unit_id: int | None, unit: Unit | None = None
) -> Template | None:
    """The template `key` for a unit: the unit's own saved one (`puls ny mall`), else
    one in the org file for it (with `unit`: its `defaults.pulse.templates`, within their
    levels), else a saved shared one, else the shipped library; None if unknown."""
    wanted = key.strip().lower()
    rows = (
        (
            await session.execute(
                select(PulseTemplate).where(
                    func.lower(col(PulseTemplate.key)) == wanted,
                    col(PulseTemplate.archived_at).is_(None),
                )
            )
        )
        .scalars()
        .all()
    )
    own = [r for r in rows if unit_id is not None and r.unit_id == unit_id]
    shared = [r for r in rows if r.unit_id is None]
    for row in sorted(own, key=lambda r: -(r.id or 0)):
        return template_from_dict(row.definition)
    if unit is not None:
        configured = configured_for((unit.defaults or {}).get("pulse"), wanted, unit.level)
        if configured is not None:
            return configured
    for row in sorted(shared, key=lambda r: -(r.id or 0)):
        return template_from_dict(row.definition)
    return library_template(wanted, unit.level if unit is not None else None)


async def save_template(
    session: AsyncSession, template: Template, unit_id: int | None = None
) -> PulseTemplate:
    """Save a template for a unit (or every unit). A template saved under a key the unit
    already has replaces it for new pulses (the old row is archived); pulses keep the
    questions as they were asked (`Pulse.template` is a copy)."""
    await session.execute(
        update(PulseTemplate)
        .where(
            func.lower(col(PulseTemplate.key)) == template.key.lower(),
            col(PulseTemplate.unit_id).is_(None)
            if unit_id is None
            else col(PulseTemplate.unit_id) == unit_id,
            col(PulseTemplate.archived_at).is_(None),
        )
        .values(archived_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    row = PulseTemplate(key=template.key, unit_id=unit_id, definition=template_to_dict(template))
    session.add(row)
    await session.flush()
    return row


async def saved_keys(session: AsyncSession, unit_id: int) -> list[str]:
    """Keys of the templates saved for this unit or for every unit."""
    rows = await session.execute(
        select(col(PulseTemplate.key)).where(
            col(PulseTemplate.archived_at).is_(None),
            col(PulseTemplate.unit_id).is_(None) | (col(PulseTemplate.unit_id) == unit_id),
        )
    )
    return sorted(set(rows.scalars().all()))


def pulse_template(pulse: Pulse) -> Template:
    return template_from_dict(pulse.template)
