"""End to end through Microsoft 365 Agents Playground: raise an item, act on its card,
escalate it (the parent has no channel in the playground, so the escalation waits
and the coordinators are named).

The database is built from the models (`create_schema`) until the Alembic migration
for the item tables exists; then the shared `bot_process` fixture (`db upgrade`)
can replace `items_bot`.
"""

from __future__ import annotations

import asyncio
import os
import subprocess
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from tests.cardschema import assert_valid_card
from tests.conftest import create_schema
from tests.e2e.playground import Message, Playground, PlaygroundConfig
from tests.e2e.test_playground_e2e import ROOT, SAMVERKAN, _free_port, _wait_healthy

pytestmark = pytest.mark.e2e


@pytest.fixture
def items_bot(tmp_path: Path) -> Iterator[str]:
    port = _free_port()
    url = f"sqlite:///{tmp_path / 'e2e.db'}"
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "SAMVERKAN_DATA_DIR": str(tmp_path),
        "SAMVERKAN_PORT": str(port),
    }
    env.pop("CONNECTIONS__SERVICE_CONNECTION__SETTINGS__CLIENTID", None)
    create_schema(url)
    subprocess.run(
        [*SAMVERKAN, "org", "load", str(ROOT / "examples" / "jamtland.yaml")],
        env=env,
        cwd=tmp_path,
        check=True,
        capture_output=True,
    )
    log = open(tmp_path / "bot.log", "w")
    proc = subprocess.Popen(
        [*SAMVERKAN, "serve"], env=env, cwd=tmp_path, stdout=log, stderr=subprocess.STDOUT
    )
    base = f"http://127.0.0.1:{port}"
    try:
        asyncio.run(_wait_healthy(base, proc))
        yield base
    finally:
        proc.terminate()
        proc.wait(timeout=10)
        log.close()


@pytest.fixture
async def pg(items_bot: str, tmp_path: Path) -> AsyncIterator[Playground]:
    config = PlaygroundConfig(
        tenant_id="7c5c1b1e-2d3f-4a5b-8c9d-0e1f2a3b4c5d", team_name="Hemsjukvård Östersund"
    )
    async with Playground(items_bot + "/api/messages", config=config, workdir=tmp_path) as play:
        yield play


async def test_raise_act_and_escalate_an_item(pg: Playground) -> None:
    await pg.install_in_channel(full_channel_data=True)
    await pg.wait_for_message(lambda m: any("Samverkan" in str(c) for c in m.cards), timeout=15)
    await pg.send_message("setup Hemsjukvård Östersund")
    await pg.wait_for_message(lambda m: "Done!" in (m.text or ""), timeout=15)

    await pg.send_message("raise Hard to reach the on-call doctor at night")
    raised: Message = await pg.wait_for_message(
        lambda m: any("on-call doctor" in str(c) for c in m.cards), timeout=15
    )
    [card] = raised.cards
    assert_valid_card(card)
    assert "Item #1" in str(card)

    # Action.Execute on the card: assign an owner; the invoke answers with the new card.
    assign = next(
        sub
        for a in card["actions"]
        for sub in a.get("card", {}).get("actions", [])
        if sub.get("verb") == "item.assign"
    )
    response = await pg.invoke_action(
        "item.assign", {**assign["data"], "owner": "Lisa Nord"}, raised
    )
    assert response["type"] == "application/vnd.microsoft.card.adaptive", response
    assert_valid_card(response["value"])
    assert "Lisa Nord" in str(response["value"])

    await pg.send_message("escalate 1 We lack the mandate to change the routine")
    told = await pg.wait_for_message(lambda m: "no channel yet" in (m.text or ""), timeout=15)
    assert "Östersund" in (told.text or "")
    assert "samordnare.ostersund@example.se" in (told.text or "")
