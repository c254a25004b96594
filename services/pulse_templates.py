"""Pulse templates a unit can use: list them, and save one made with the builder card."""

from __future__ import annotations

from core.pulse_questions import Template
from core.pulse_templates import available_keys
from storage import pulse_templates_repo
from storage.db import Database
from storage.models import AuditEvent, Unit


async def available(db: Database, unit: Unit) -> list[str]:
    """Keys of every template the unit can start: saved, in the org file, shipped."""
    assert unit.id is not None
    async with db.read() as s:
        saved = await pulse_templates_repo.saved_keys(s, unit.id)
    return sorted(set(available_keys((unit.defaults or {}).get("pulse"), unit.level)) | set(saved))


async def save_for_unit(db: Database, unit: Unit, template: Template, actor: str | None) -> None:
    """Save a builder-made template for the unit (replacing one with the same key for
    new pulses; pulses already run keep the questions they asked)."""
    assert unit.id is not None
    async with db.session() as s:
        await pulse_templates_repo.save_template(s, template, unit.id)
        s.add(
            AuditEvent(
                actor=actor,
                action="pulse.template_saved",
                unit_id=unit.id,
                details={"template": template.key, "questions": len(template.questions)},
            )
        )
