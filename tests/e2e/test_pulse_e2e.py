"""End to end through Microsoft 365 Agents Playground: a pulse started in a channel,
answered and changed through the card's Action.Execute (`adaptiveCard/action`),
leaving one anonymous answer row.
"""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path
from typing import Any

import pytest

from tests.cardschema import assert_valid_card
from tests.e2e.playground import Message, Playground
from tests.e2e.test_playground_e2e import bot_process, playground  # noqa: F401

pytestmark = pytest.mark.e2e


def _has_card(text: str):  # type: ignore[no-untyped-def]
    return lambda m: any(text in str(c) for c in m.cards)


def _stored(db: Path) -> list[dict[str, Any]]:
    with sqlite3.connect(db) as conn:
        rows = conn.execute('SELECT answer_key, "values" FROM pulse_answers').fetchall()
    return [{"key": key, "values": json.loads(values)} for key, values in rows]


async def test_answer_and_change_a_pulse_in_a_team_channel(
    playground: Playground,  # noqa: F811
    tmp_path: Path,
) -> None:
    pg = playground
    await pg.install_in_channel(full_channel_data=True)
    await pg.wait_for_message(_has_card("Hej! Jag är Samverkan"), timeout=15)
    await pg.send_message("setup Östersund")
    await pg.wait_for_message(lambda m: "Done!" in (m.text or ""), timeout=15)

    await pg.send_message("pulse start")
    await pg.wait_for_message(lambda m: "started for Östersund" in (m.text or ""), timeout=15)
    # The pulse card is a new post in the channel, sent through the outbox dispatcher.
    posted: Message = await pg.wait_for_message(_has_card("pulse.answer"), timeout=15)
    [card] = posted.cards
    assert_valid_card(card)
    execute = card["actions"][0]
    assert execute["type"] == "Action.Execute" and execute["verb"] == "pulse.answer"
    assert "refresh" not in card  # the shared card is the same for everyone

    # Answer: the invoke response is this person's own view of the card.
    data = {**execute["data"], "q_collab": "4", "q_contact": "yes"}
    response = await pg.invoke_action(execute["verb"], data, posted)
    assert response["type"] == "application/vnd.microsoft.card.adaptive"
    own = response["value"]
    assert_valid_card(own)
    assert "You answered 4 · Yes" in json.dumps(own, ensure_ascii=False)
    assert own["refresh"]["userIds"] == [pg.config.current_user["id"]]
    change = own["actions"][0]
    assert change["verb"] == "pulse.edit"

    # "Change": the form comes back prefilled; saving a new answer replaces the old one.
    form = (await pg.invoke_action(change["verb"], change["data"], posted))["value"]
    assert_valid_card(form)
    collab = next(el for el in form["body"] if el.get("id") == "q_collab")
    assert collab["value"] == "4"
    save = form["actions"][0]
    changed = {**save["data"], "q_collab": "2", "q_contact": "no"}
    response = await pg.invoke_action(save["verb"], changed, posted)
    assert "You answered 2 · No" in json.dumps(response["value"], ensure_ascii=False)

    # One answer stored, with the changed values and no trace of who gave it.
    rows = _stored(tmp_path / "e2e.db")
    assert len(rows) == 1 and rows[0]["values"] == {"collab": 2, "contact": "no"}
    dump = json.dumps(rows)
    for trace in pg.config.current_user.values():
        assert trace not in dump
    await pg.send_message("pulse")
    await pg.wait_for_message(lambda m: "1 answers so far" in (m.text or ""), timeout=15)
