"""End to end: the real bot process driven by Microsoft 365 Agents Playground.

The playground is Microsoft's local Teams client; it sends Teams-shaped
activities to the running bot and acts as its Bot Connector. This test
installs the bot in a team channel, binds the channel with `setup`, and gets
the help card back, exactly as a coordinator would in Teams.
"""

from __future__ import annotations

import asyncio
import os
import socket
import subprocess
import sys
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import aiohttp
import pytest

from tests.cardschema import assert_valid_card
from tests.e2e.playground import Message, Playground, PlaygroundConfig

ROOT = Path(__file__).resolve().parents[2]
SAMVERKAN = [sys.executable, "-m", "cli.main"]
pytestmark = pytest.mark.e2e


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def bot_process(tmp_path: Path) -> Iterator[str]:
    port = _free_port()
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{tmp_path / 'e2e.db'}",
        "SAMVERKAN_DATA_DIR": str(tmp_path),
        "SAMVERKAN_PORT": str(port),
    }
    env.pop("CONNECTIONS__SERVICE_CONNECTION__SETTINGS__CLIENTID", None)
    for args in (["db", "upgrade"], ["org", "load", str(ROOT / "examples" / "jamtland.yaml")]):
        subprocess.run([*SAMVERKAN, *args], env=env, cwd=tmp_path, check=True, capture_output=True)
    log = open(tmp_path / "bot.log", "w")
    proc = subprocess.Popen(
        [*SAMVERKAN, "serve"], env=env, cwd=tmp_path, stdout=log, stderr=subprocess.STDOUT
    )
    url = f"http://127.0.0.1:{port}"
    try:
        asyncio.run(_wait_healthy(url, proc))
        yield url
    finally:
        proc.terminate()
        proc.wait(timeout=10)
        log.close()


async def _wait_healthy(url: str, proc: subprocess.Popen[bytes]) -> None:
    async with aiohttp.ClientSession() as http:
        for _ in range(100):
            if proc.poll() is not None:
                raise AssertionError(f"bot exited with {proc.returncode}")
            try:
                async with http.get(url + "/healthz") as resp:
                    if resp.status == 200:
                        return
            except aiohttp.ClientError:
                pass
            await asyncio.sleep(0.1)
    raise AssertionError("bot did not become healthy")


@pytest.fixture
async def playground(bot_process: str, tmp_path: Path) -> AsyncIterator[Playground]:
    config = PlaygroundConfig(
        tenant_id="7c5c1b1e-2d3f-4a5b-8c9d-0e1f2a3b4c5d", team_name="Östersund samverkan"
    )
    async with Playground(bot_process + "/api/messages", config=config, workdir=tmp_path) as pg:
        yield pg


def _has_card(text: str):  # type: ignore[no-untyped-def]
    return lambda m: any(text in str(c) for c in m.cards)


async def test_install_setup_and_help_in_a_team_channel(playground: Playground) -> None:
    await playground.install_in_channel(full_channel_data=True)
    welcome: Message = await playground.wait_for_message(
        _has_card("Hej! Jag är Samverkan"), timeout=15
    )
    [card] = welcome.cards
    assert_valid_card(card)
    assert "Östersund" in str(card)  # Jämtland's units, none bound yet

    # The playground's client is en-US, so the bot answers in English...
    await playground.send_message("setup Östersund")
    done = await playground.wait_for_message(lambda m: "Done!" in (m.text or ""), timeout=15)
    assert "Östersund" in (done.text or "")

    # ...until the person asks for Swedish.
    await playground.send_message("språk sv")
    await playground.wait_for_message(lambda m: "svenska" in (m.text or ""), timeout=15)
    await playground.send_message("hjälp")
    help_msg = await playground.wait_for_message(_has_card("kommandon"), timeout=15)
    [help_card] = help_msg.cards
    assert_valid_card(help_card)
    assert "Östersund" in str(help_card)


async def test_agenda_and_decision_in_a_team_channel(playground: Playground) -> None:
    """The forum's work through the playground: the org file's meeting series (Jämtland:
    first Tuesday monthly 13-15), an item proposed, accepted with the card's button
    (Action.Execute), a decision recorded on it, in English and then in Swedish."""
    await playground.install_in_channel(full_channel_data=True)
    await playground.wait_for_message(_has_card("Hej! Jag är Samverkan"), timeout=15)
    await playground.send_message("setup Östersund")
    await playground.wait_for_message(lambda m: "Done!" in (m.text or ""), timeout=15)

    await playground.send_message("agenda add Days ready for discharge")
    added = await playground.wait_for_message(
        lambda m: "Item 1 on the agenda" in (m.text or ""), timeout=15
    )
    assert "Tuesday" in (added.text or "") and "at 13:00–15:00" in (added.text or "")

    await playground.send_message("agenda")
    agenda = await playground.wait_for_message(_has_card("Agenda – Samverkansmöte"), timeout=15)
    [card] = agenda.cards
    assert_valid_card(card)
    assert "Days ready for discharge" in str(card) and "Current shared quality indicators" in str(
        card
    )
    accept = next(
        a
        for el in card["body"]
        if el.get("type") == "ActionSet"
        for a in el["actions"]
        if a.get("data", {}).get("status") == "accepted"
    )
    response = await playground.invoke_action(accept["verb"], accept["data"], agenda)
    assert "accepted" in str(response) and "Days ready for discharge" in str(response)
    assert_valid_card(response["value"])

    await playground.send_message("decision item 1: Shared discharge routine from January")
    decided = await playground.wait_for_message(
        lambda m: "Decision recorded" in (m.text or ""), timeout=15
    )
    assert "item 1" in (decided.text or "") and "Shared discharge routine" in (decided.text or "")

    await playground.send_message("språk sv")
    await playground.wait_for_message(lambda m: "svenska" in (m.text or ""), timeout=15)
    await playground.send_message("beslut Uppföljning av SIP varje kvartal")
    beslut = await playground.wait_for_message(
        lambda m: "Beslut fört" in (m.text or ""), timeout=15
    )
    assert "tisdag" in (beslut.text or "") and "kl. 13.00" in (beslut.text or "")
    await playground.send_message("dagordning")
    dagordning = await playground.wait_for_message(
        _has_card("Dagordning – Samverkansmöte"), timeout=15
    )
    assert "behandlad" in str(dagordning.cards[0])  # the decided item is handled
