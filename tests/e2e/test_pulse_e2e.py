"""End to end through Microsoft 365 Agents Playground: a pulse started in a channel,
answered through the card's Action.Execute (`adaptiveCard/action`) once: a second
answer is refused, and nothing in the database leads to who gave it.
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
        answers = conn.execute('SELECT id, "values" FROM pulse_answers').fetchall()
        people = conn.execute("SELECT person FROM pulse_respondents").fetchall()
    return [{"id": i, "values": json.loads(v)} for i, v in answers] + [
        {"person": p} for (p,) in people
    ]


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
    assert "actions" not in own  # one answer, no "change"

    # A second answer is refused and changes nothing.
    again = {**execute["data"], "q_collab": "2", "q_contact": "no"}
    response = await pg.invoke_action(execute["verb"], again, posted)
    assert "You have answered" in json.dumps(response["value"], ensure_ascii=False)

    # Who answered is recorded (under a key); the answer itself waits in memory to be
    # written with others'; nothing holds a trace of the person in the clear.
    rows = _stored(tmp_path / "e2e.db")
    assert len(rows) == 1 and "person" in rows[0]
    dump = json.dumps(rows)
    for trace in pg.config.current_user.values():
        assert trace not in dump
    await pg.send_message("pulse")
    await pg.wait_for_message(lambda m: "1 answers so far" in (m.text or ""), timeout=15)
