"""Every question kind over HTTP: a template from the org file, answered on its card."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select, update
from sqlmodel import col

from storage.models import Unit
from storage.pulse_models import PulseRespondent
from tests.cardschema import assert_valid_card
from tests.pulse.test_pulse_http import COORDINATOR, COUNTY, _answer, _setup_channel
from tests.support.harness import BotHarness, add_units
from tests.support.items import deliver
from tests.teams import TeamsUser

TEMPLATES = {
    "alla": {
        "name": "Alla sorter",
        "questions": [
            {
                "id": "s10",
                "kind": "scale10",
                "text": "Rekommendera?",
                "low": "Aldrig",
                "high": "Absolut",
            },
            {"id": "val", "kind": "choice", "text": "Kanal?", "options": ["Telefon", "E-post"]},
            {"id": "fler", "kind": "multi", "text": "Teman?", "options": ["Barn", "Äldre", "Psyk"]},
        ],
    }
}


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)  # cards and answers, not storage
async def test_a_template_from_the_org_file_with_every_kind(harness: BotHarness) -> None:
    h = harness
    ids = await add_units(h.db, COUNTY)
    async with h.db.session() as s:
        await s.execute(
            update(Unit)
            .where(col(Unit.id) == ids["Östersund"])
            .values(defaults={"pulse": {"templates": TEMPLATES}})
        )
    channel = await _setup_channel(h, "Östersund")
    await h.post(h.teams.channel_message(channel, COORDINATOR, "puls starta alla"))
    await deliver(h)
    posted = await h.connector.wait_for(
        lambda p: any("Rekommendera?" in json.dumps(c, ensure_ascii=False) for c in p.cards)
    )
    [card] = posted.cards
    assert_valid_card(card)
    ref = card["actions"][0]["data"]["pulse"]
    multi = next(el for el in card["body"] if el.get("id") == "q_fler")
    assert multi["isMultiSelect"] is True and [c["value"] for c in multi["choices"]] == [
        "barn",
        "aldre",
        "psyk",
    ]

    anna = TeamsUser(name="Anna", upn="anna@example.se")
    for bad in ({"q_s10": "11"}, {"q_fler": "barn,hund"}, {"q_val": "telefon,e_post"}):
        values = {"q_s10": "7", "q_val": "telefon", "q_fler": "barn", **bad}
        body = await _answer(h, channel, anna, ref, values)
        assert "inget sparades" in json.dumps(body, ensure_ascii=False)
    async with h.db.session() as s:
        assert (await s.execute(select(PulseRespondent))).first() is None  # nothing stored

    body = await _answer(
        h, channel, anna, ref, {"q_s10": "0", "q_val": "e_post", "q_fler": "psyk,barn"}
    )
    own = json.dumps(body["value"], ensure_ascii=False)
    assert "Du svarade 0 · E-post · Barn, Psyk" in own
