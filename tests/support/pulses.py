"""Pulses already run: opened, answered and closed with final results, as the jobs leave them."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from core.pulse_templates import SAMVERKANSPULS
from storage import channels_repo, pulse_answers_repo, pulse_repo
from storage.db import Database
from storage.models import Unit

ZONE = ZoneInfo("Europe/Stockholm")
SECRET = "s" * 40


async def closed_pulse(db: Database, unit: Unit, day: datetime, scores: list[int]) -> None:
    """A pulse opened and closed on `day`, with one answer per score."""
    assert unit.id is not None
    async with db.session() as s:
        binding = await channels_repo.active_binding_for_unit(s, unit.id)
        assert binding is not None
        pulse = await pulse_repo.open_pulse(
            s, unit, binding.conversation_pk, SAMVERKANSPULS, zone=ZONE, now=day
        )
        answers = {
            f"{unit.name}-{i}": {"collab": v, "contact": "yes"} for i, v in enumerate(scores)
        }
        await pulse_answers_repo.save_answers(s, pulse, SECRET, answers)
        assert pulse.id is not None
        await pulse_repo.close_pulse(s, pulse.id, day.replace(hour=15))
        assert await pulse_repo.finalize(s, pulse.id, day.replace(hour=15)) is not None
