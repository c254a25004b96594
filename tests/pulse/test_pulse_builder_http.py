"""`puls ny mall`: build, preview, save and use a template; past pulses keep their questions."""

from __future__ import annotations

import json
from typing import Any

import pytest
from sqlalchemy import select

from storage.pulse_models import PulseTemplate
from tests.cardschema import assert_valid_card
from tests.pulse.conftest import STAFF
from tests.pulse.test_pulse_http import COORDINATOR, COUNTY, _setup_channel
from tests.support.harness import BotHarness, add_units
from tests.support.items import deliver
from tests.teams import Channel, TeamsUser

BUILT = {
    "b_name": "Vår arena",
    "b_text_1": "Hur bra var mötet?",
    "b_kind_1": "scale10",
    "b_low_1": "Dåligt",
    "b_high_1": "Utmärkt",
    "b_text_2": "Vad tog ni upp?",
    "b_kind_2": "multi",
    "b_opts_2": "Barn, Äldre, Psykisk hälsa",
    "b_text_3": "",
    "b_kind_3": "scale5",
}


async def _press(h: BotHarness, channel: Channel, who: TeamsUser, verb: str, data: dict) -> Any:
    status, body = await h.post(h.teams.invoke_action(channel, who, verb, {**data, "action": verb}))
    assert status == 200
    return body


async def _templates(h: BotHarness) -> list[PulseTemplate]:
    async with h.db.session() as s:
        return list((await s.execute(select(PulseTemplate))).scalars().all())


async def test_build_preview_save_start_and_change(roles: BotHarness) -> None:
    h = roles
    await add_units(h.db, COUNTY, roles=[("Östersund", "karin@example.se", "coordinator")])
    channel = await _setup_channel(h, "Östersund")

    await h.post(h.teams.channel_message(channel, COORDINATOR, "puls ny mall"))
    posted = await h.connector.wait_for(lambda p: any("Ny pulsmall" in str(c) for c in p.cards))
    [builder] = posted.cards
    assert_valid_card(builder)
    ids = {el.get("id") for el in _inputs(builder)}
    assert {"b_name", "b_text_1", "b_kind_5", "b_opts_3", "b_low_2"} <= ids

    # A choice without options: refused kindly, the form comes back filled in, nothing saved.
    bad = {**BUILT, "b_opts_2": "Barn"}
    body = await _press(h, channel, COORDINATOR, "pulse.template.preview", bad)
    again = json.dumps(body["value"], ensure_ascii=False)
    assert "Fråga 2: skriv 2–8 olika svarsalternativ" in again and "Hur bra var mötet?" in again
    assert await _templates(h) == []

    body = await _press(h, channel, COORDINATOR, "pulse.template.preview", BUILT)
    preview = body["value"]
    assert_valid_card(preview)
    shown = json.dumps(preview, ensure_ascii=False)
    assert "Förhandsgranskning" in shown and '"isMultiSelect": true' in shown
    assert "10 – Utmärkt" in shown and "`var_arena`" in shown
    save = next(a for a in preview["actions"] if a["verb"] == "pulse.template.save")
    assert save["associatedInputs"] == "none"  # the preview's sample inputs are not sent

    # Staff cannot save; the same button from the coordinator saves for this unit.
    await _press(h, channel, STAFF, "pulse.template.save", save["data"])
    assert await _templates(h) == []
    body = await _press(h, channel, COORDINATOR, "pulse.template.save", save["data"])
    assert "Mallen Vår arena är sparad" in json.dumps(body["value"], ensure_ascii=False)
    [row] = await _templates(h)
    assert row.key == "var_arena" and row.unit_id is not None

    await h.post(h.teams.channel_message(channel, COORDINATOR, "puls mallar"))
    await h.connector.wait_for(lambda p: "`var_arena`" in p.text and "`lokal_arena`" in p.text)

    await h.post(h.teams.channel_message(channel, COORDINATOR, "puls starta var_arena"))
    await deliver(h)
    card = await h.connector.wait_for(
        lambda p: any("Hur bra var mötet?" in json.dumps(c, ensure_ascii=False) for c in p.cards)
    )
    assert_valid_card(card.cards[0])

    # Changing the template (same name) replaces it for new pulses only.
    changed = {**BUILT, "b_text_1": "Hur nöjd är du med mötet?"}
    body = await _press(h, channel, COORDINATOR, "pulse.template.save", changed)
    rows = await _templates(h)
    assert len(rows) == 2 and sum(r.archived_at is None for r in rows) == 1
    await h.post(h.teams.channel_message(channel, COORDINATOR, "puls"))
    status = await h.connector.wait_for(
        lambda p: (
            any("Vår arena" in json.dumps(c, ensure_ascii=False) for c in p.cards) and p is not card
        )
    )
    dumped = json.dumps(status.cards[0], ensure_ascii=False)
    assert "Hur bra var mötet?" in dumped and "Hur nöjd" not in dumped  # as it was asked


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)  # roles, not storage
async def test_builder_is_for_coordinators_of_this_channel(roles: BotHarness) -> None:
    h = roles
    await add_units(h.db, COUNTY, roles=[("Östersund", "karin@example.se", "coordinator")])
    channel = await _setup_channel(h, "Östersund")
    await h.post(h.teams.channel_message(channel, STAFF, "puls ny mall"))
    await h.connector.wait_for(lambda p: "samordnare" in p.text.lower())
    body = await _press(h, channel, STAFF, "pulse.template.preview", BUILT)
    assert "Förhandsgranskning" not in json.dumps(body, ensure_ascii=False)
    # A tampered kind is refused, not stored, and never a server error.
    tampered = {**BUILT, "b_kind_1": "stars"}
    body = await _press(h, channel, COORDINATOR, "pulse.template.save", tampered)
    assert "oväntat" in json.dumps(body["value"], ensure_ascii=False)
    assert await _templates(h) == []


def _inputs(card: dict) -> list[dict]:
    out: list[dict] = []

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            if str(node.get("type", "")).startswith("Input."):
                out.append(node)
            for v in node.values():
                walk(v)
        elif isinstance(node, list):
            for v in node:
                walk(v)

    walk(card)
    return out
