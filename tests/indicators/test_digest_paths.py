"""Digest paths with the real neighbouring modules: the unit's channel, the county's
waiting items (items + escalation), and pulse results as the "staff-rated
collaboration" indicator (pulses). Runs on SQLite and PostgreSQL."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from cards.digest import county_digest_card
from core.indicators import Period, parse_definitions
from core.item_values import NewItem
from core.pulse_templates import BUILT_IN
from services import digest as composer
from services.escalation import escalate_item
from storage import indicators_repo, items_repo, pulse_answers_repo, pulse_repo
from storage.db import Database
from storage.models import ChannelBinding, Unit
from tests.cardschema import assert_valid_card
from tests.indicators.test_delivery import MAJA, outbox, personal_chat
from tests.support.indicators import DEFINITIONS, seed_county, seed_values
from tests.support.jobs import job_context

ZONE = ZoneInfo("Europe/Stockholm")


async def _bind_channel(db: Database, unit_id: int, channel_setting: bool | None) -> int:
    channel = await personal_chat(db, f"19:channel-{unit_id}")  # any conversation row
    async with db.session() as s:
        s.add(ChannelBinding(unit_id=unit_id, conversation_pk=channel))
        unit = await s.get(Unit, unit_id)
        assert unit is not None
        if channel_setting is not None:
            unit.defaults = {**(unit.defaults or {}), "digest": {"channel": channel_setting}}
    return channel


async def test_digest_goes_to_the_channel_when_the_unit_chose_so(db: Database) -> None:
    units, ids = await seed_county(
        db, [("Krokom", MAJA, "manager"), ("Östersund", MAJA, "manager")]
    )
    await seed_values(db, units, ids)
    maja = await personal_chat(db, MAJA)
    krokom_channel = await _bind_channel(db, units["Krokom"], True)
    ostersund_channel = await _bind_channel(db, units["Östersund"], None)  # not chosen
    when = datetime.now(UTC).replace(microsecond=0)
    async with db.session() as s:
        krokom = await composer.deliver_unit(s, units["Krokom"], when, job_context())
        ostersund = await composer.deliver_unit(s, units["Östersund"], when, job_context())
    assert krokom.channel and not ostersund.channel
    rows = await outbox(db)
    by_conv: dict[int | None, list[str]] = {}
    for r in rows:
        by_conv.setdefault(r.conversation_pk, []).append(r.idempotency_key)
    assert ostersund_channel not in by_conv
    assert len(by_conv[maja]) == 2  # one digest per unit she manages
    assert by_conv[krokom_channel] == [f"digest:{units['Krokom']}:{when.isoformat()}:channel"]
    channel_card = next(r for r in rows if r.conversation_pk == krokom_channel).payload
    content = channel_card["attachments"][0]["content"]
    assert_valid_card(content)
    assert "Krokom" in json.dumps(content, ensure_ascii=False)
    # The same occurrence again: the keys are the same, nothing new is queued.
    async with db.session() as s:
        await composer.deliver_unit(s, units["Krokom"], when, job_context())
    assert len(await outbox(db)) == len(rows)


async def test_county_digest_lists_items_escalated_to_the_top(db: Database) -> None:
    units, ids = await seed_county(db)
    await seed_values(db, units, ids)
    now = datetime.now(UTC).replace(microsecond=0)
    async with db.session() as s:
        krokom = await s.get(Unit, units["Krokom"])
        assert krokom is not None
        lifted = await items_repo.create_item(
            s, krokom, NewItem("Hemtjänsten får inga utskrivningsmeddelanden"), actor=None, now=now
        )
        stays = await items_repo.create_item(
            s, krokom, NewItem("Lokalt ärende som stannar i Krokom"), actor=None, now=now
        )
        assert lifted.id is not None and stays.id is not None
        lifted_id = lifted.id
    async with db.session() as s:
        result = await escalate_item(s, lifted_id, "coordinator@example.se", "behöver länet", now)
        assert result.outcome.item.current_unit_id == units["Regionens samverkansråd"]
    async with db.session() as s:
        data = await composer.load(s, today=composer.today_local())
    county = composer.county_digest(data, units["Regionens samverkansråd"])
    assert county.waiting_count == 1
    assert list(county.waiting_items) == ["Hemtjänsten får inga utskrivningsmeddelanden"]
    # Krokom's own counts: the lifted item is "handled above", the other one open there.
    assert data.items[units["Krokom"]].lifted_away == 1
    assert data.items[units["Krokom"]].open == 1
    card = county_digest_card(county, "sv")
    assert_valid_card(card)
    text = json.dumps(card, ensure_ascii=False)
    assert "Hemtjänsten får inga utskrivningsmeddelanden" in text
    assert "Lokalt ärende" not in text


PULSE_DEFINITION = {
    "id": "staff_rated_collaboration",
    "name": {"sv": "Medarbetarnas upplevelse av samarbetet", "en": "Staff-rated collaboration"},
    "unit": "av 5",
    "direction": "higher",
    "target": 3.5,
    "period": "month",
    "source": "Pulsmätning i Samverkan",
    "tolerance": 0.1,
}


async def test_closed_pulse_becomes_the_staff_rated_collaboration_value(db: Database) -> None:
    units, _ids = await seed_county(db, [("Krokom", MAJA, "manager")])
    defs, overrides, problems = parse_definitions(
        {"indicators": [*DEFINITIONS["indicators"], PULSE_DEFINITION]}
    )
    assert not problems
    async with db.session() as s:
        await indicators_repo.save_definitions(s, defs, overrides)
    maja = await personal_chat(db, MAJA)
    channel = await _bind_channel(db, units["Krokom"], None)
    # A pulse two months back (its month has ended, so its value is final).
    today = composer.today_local()
    month = Period("month", today.year, today.month).shift(-2)
    opened = datetime(month.year, month.number, 10, 9, 0, tzinfo=ZONE)
    secret = "k" * 40
    template = BUILT_IN["samverkanspuls"]
    async with db.session() as s:
        krokom = await s.get(Unit, units["Krokom"])
        assert krokom is not None
        pulse = await pulse_repo.open_pulse(s, krokom, channel, template, zone=ZONE, now=opened)
        assert pulse.period == month.label
        scores = [4, 5, 3, 4, 5]  # mean 4.2
        await pulse_answers_repo.save_answers(
            s, pulse, secret, {f"user-{i}": {"collab": v} for i, v in enumerate(scores)}
        )
        assert pulse.id is not None
        closed_at = opened + timedelta(days=5)
        assert await pulse_repo.close_pulse(s, pulse.id, closed_at) is not None
        closed = await pulse_repo.finalize(s, pulse.id, closed_at)
        assert closed is not None and closed.answer_count == 5
    # The digest for that month: fired on the first Monday 08:00 after it.
    first = month.end
    while first.weekday() != 0:
        first += timedelta(days=1)
    occurrence = datetime(first.year, first.month, first.day, 8, 0, tzinfo=ZONE)
    async with db.session() as s:
        result = await composer.deliver_unit(s, units["Krokom"], occurrence, job_context())
    assert result.sent_to == [MAJA]
    async with db.session() as s:
        ids = await indicators_repo.definition_ids(s)
        values = await indicators_repo.load_values(
            s, {ids["staff_rated_collaboration"]: (month, month)}
        )
    assert values[ids["staff_rated_collaboration"]][units["Krokom"]] == {month: (4.2, None)}
    digest = next(r for r in await outbox(db) if r.conversation_pk == maja).payload
    content = digest["attachments"][0]["content"]
    assert_valid_card(content)
    text = json.dumps(content, ensure_ascii=False)
    assert "Medarbetarnas upplevelse av samarbetet" in text
    assert "4,2" in text  # the value in the table (Swedish decimal comma)
    # And in the pulse summary line, with the five answers.
    async with db.session() as s:
        data = await composer.load(s, today=occurrence.date(), unit_ids=[units["Krokom"]])
    assert data.pulses[units["Krokom"]].score == 4.2
    assert data.pulses[units["Krokom"]].answers == 5
