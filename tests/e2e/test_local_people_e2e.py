"""End to end: what a newcomer sees in the first ten minutes — the bot as `make run` serves
it, the Agents Playground with the shipped `.m365agentsplayground.yml`.

The bot is named Samverkan and answers in Swedish (the playground's client says en-US);
the example people have the roles `examples/jamtland.yaml` gives them, which the bot learns
by asking the playground's own connector for their UPN; the playground's user is the
administrator; the first digest shows the example values.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import re
import subprocess
import sys
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from tests.e2e.playground import SHIPPED_CONFIG, Playground, PlaygroundConfig
from tests.e2e.test_playground_e2e import _free_port, _has_card, _wait_healthy

ROOT = Path(__file__).resolve().parents[2]
SAMVERKAN = [sys.executable, "-m", "cli.main"]
pytestmark = pytest.mark.e2e


def _make_run_defaults() -> dict[str, str]:
    """The variables `make run` serves with (the Makefile's defaults)."""
    text = (ROOT / "Makefile").read_text()
    return {
        name: re.search(rf"^{name}\s*\?=\s*(\S*)\s*$", text, re.M).group(1)  # type: ignore[union-attr]
        for name in ("LOCAL_ADMINS", "FOLLOW_LOCALE")
    }


@pytest.fixture
def made_run(tmp_path: Path) -> Iterator[str]:
    port = _free_port()
    make = _make_run_defaults()
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{tmp_path / 'run.db'}",
        "SAMVERKAN_DATA_DIR": str(tmp_path),
        "SAMVERKAN_PORT": str(port),
        "SAMVERKAN_LOCAL_ADMINS": make["LOCAL_ADMINS"],
        "SAMVERKAN_FOLLOW_LOCALE": make["FOLLOW_LOCALE"],
    }
    env.pop("CONNECTIONS__SERVICE_CONNECTION__SETTINGS__CLIENTID", None)
    examples = ROOT / "examples"
    for args in (
        ["db", "upgrade"],
        ["org", "load", str(examples / "jamtland.yaml"), "--if-empty"],
        ["indicators", "define", str(examples / "indicators.yaml"), "--if-empty"],
        ["indicators", "import", str(examples / "jamtland_values.csv"), "--if-empty"],
    ):
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


SHIPPED = PlaygroundConfig.from_file(SHIPPED_CONFIG)


@contextlib.asynccontextmanager
async def as_person(bot: str, workdir: Path, given_name: str) -> AsyncIterator[Playground]:
    """The playground as `make playground WHO=<given name>` starts it (the shipped config
    itself for Åsa, its own user)."""
    config = SHIPPED if given_name == "Åsa" else SHIPPED.as_user(given_name)
    folder = workdir / f"playground-{config.current_user['id'].rsplit('-', 1)[-1]}"
    folder.mkdir()
    async with Playground(bot + "/api/messages", config=config, workdir=folder) as pg:
        yield pg


async def test_a_newcomer_tries_roles_in_swedish(made_run: str, tmp_path: Path) -> None:
    async with as_person(made_run, tmp_path, "Åsa") as pg:
        assert pg.config.to_yaml() == SHIPPED.to_yaml()
        await pg.install_in_channel(full_channel_data=True)
        await pg.wait_for_message(_has_card("Hej! Jag är Samverkan"), timeout=15)
        # The playground's own user is the administrator, and is answered in Swedish.
        await pg.send_message("hjälp")
        help_msg = await pg.wait_for_message(_has_card("administratör"), timeout=15)
        assert "koppla" in str(help_msg.cards)

    # Johan is staff: refused, told to ask Östersund's coordinator (a UPN the bot learnt
    # from the playground's roster).
    async with as_person(made_run, tmp_path, "Johan") as pg:
        await pg.send_message("koppla Östersund")
        refusal = await pg.wait_for_message(
            lambda m: "samordnare för Östersund" in (m.text or ""), timeout=15
        )
        assert "samordnare.ostersund@example.se" in (refusal.text or "")

    # Eva is that coordinator.
    async with as_person(made_run, tmp_path, "Eva") as pg:
        await pg.send_message("koppla Östersund")
        await pg.wait_for_message(lambda m: (m.text or "").startswith("Klart!"), timeout=15)

    # Lars manages Östersund: his first digest shows the example figures.
    async with as_person(made_run, tmp_path, "Lars") as pg:
        await pg.send_message("sammanställning")
        digest = await pg.wait_for_message(_has_card("Exempeldata (fiktiva värden)"), timeout=15)
        assert "Sammanställning" in str(digest.cards)
