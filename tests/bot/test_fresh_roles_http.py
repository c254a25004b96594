"""The bot keeps the org (units, roles, bindings) and who people are in memory, not read per
turn (bot/org_cache.py). A change made through this process counts at once; one made by
another process (`samverkan org load`) within the TTL; someone the roster does not know is
asked again only after the TTL — over HTTP, the other process a real CLI run."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from aiohttp import ClientSession
from aiohttp.test_utils import TestServer
from sqlalchemy import delete
from sqlmodel import col

from bot.org_cache import ORG_TTL, PERSON_TTL, OrgCache, PeopleCache
from bot.web import SERVICES_KEY, build_app
from storage.db import Database
from storage.models import RoleAssignment
from tests.fakes.connector import FakeConnector
from tests.support.harness import BotHarness, add_units, local_settings
from tests.teams import ActivityFactory, TeamsUser, new_channel

ROOT = Path(__file__).resolve().parents[2]
EVA = TeamsUser(name="Eva Sundberg", upn="eva@example.se")
NILS = TeamsUser(name="Nils Nilsson", upn="nils@example.se")
ADMIN = "00000000-0000-4000-8000-0000000000ad"


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
async def bot(
    db: Database, connector: tuple[FakeConnector, str], tmp_path: Path
) -> AsyncIterator[tuple[BotHarness, Clock]]:
    """Local mode with roles (an administrator named), its copies on a clock of our own."""
    fake, connector_url = connector
    app = build_app(local_settings(db.url, tmp_path, local_admins=[ADMIN]), db)
    clock = Clock()
    services = app[SERVICES_KEY]
    services.org = OrgCache(db, clock=clock)
    services.people = PeopleCache(db, clock=clock)
    server = TestServer(app, host="127.0.0.1")
    await server.start_server()
    async with ClientSession() as http:
        yield (
            BotHarness(
                str(server.make_url("")).rstrip("/"), http, fake, ActivityFactory(connector_url), db
            ),
            clock,
        )
    await server.close()


def _on_roster(h: BotHarness, person: TeamsUser) -> None:
    h.connector.add_member(
        person.channel_id, aad_object_id=person.aad_object_id, name=person.name, upn=person.upn
    )


async def _setup(h: BotHarness, person: TeamsUser, unit: str) -> str:
    """`koppla <unit>` in a new channel; the bot's answer."""
    seen = len(h.connector.posted)
    await h.say(h.teams.channel_message(new_channel(), person, f"koppla {unit}"))
    reply = await h.connector.wait_for(lambda p: p in h.connector.posted[seen:])
    return reply.text or str(reply.cards)


async def test_a_role_taken_away_in_this_process_counts_at_once(
    bot: tuple[BotHarness, Clock],
) -> None:
    h, _ = bot
    ids = await add_units(
        h.db,
        {"Jämtland": None, "Östersund": "Jämtland", "Krokom": "Jämtland"},
        [("Östersund", EVA.upn, "coordinator")],
    )
    _on_roster(h, EVA)
    assert (await _setup(h, EVA, "Östersund")).startswith("Klart!")

    async with h.db.session() as s:  # as `org load` run in-process, or a test, would
        await s.execute(delete(RoleAssignment).where(col(RoleAssignment.person) == EVA.upn))
    assert "samordnare för Östersund" in await _setup(h, EVA, "Östersund")

    async with h.db.session() as s:
        s.add(RoleAssignment(unit_id=ids["Krokom"], person=EVA.upn, role="coordinator"))
    assert (await _setup(h, EVA, "Krokom")).startswith("Klart!")


def _org_load(db: Database, tmp_path: Path, coordinator: str) -> None:
    """`samverkan org load` in a process of its own."""
    org = tmp_path / f"org-{coordinator}.yaml"
    org.write_text(
        "county: Test\n"
        "units:\n"
        "  - name: Jämtland\n"
        "    level: macro\n"
        "    children:\n"
        "      - name: Östersund\n"
        "        level: cluster\n"
        f"        roles: {{coordinator: [{coordinator}]}}\n",
        encoding="utf-8",
    )
    env = {**os.environ, "DATABASE_URL": db.url, "SAMVERKAN_DATA_DIR": str(tmp_path)}
    env.pop("CONNECTIONS__SERVICE_CONNECTION__SETTINGS__CLIENTID", None)
    subprocess.run(
        [sys.executable, "-m", "cli.main", "org", "load", str(org)],
        env=env,
        cwd=ROOT,
        check=True,
        capture_output=True,
    )


async def test_a_role_taken_away_by_another_process_counts_within_the_ttl(
    bot: tuple[BotHarness, Clock], tmp_path: Path
) -> None:
    h, clock = bot
    _org_load(h.db, tmp_path, EVA.upn)
    _on_roster(h, EVA)
    assert (await _setup(h, EVA, "Östersund")).startswith("Klart!")
    await h.say(h.teams.channel_message(new_channel(), EVA, "hjälp"))  # the org, as bound now
    await h.connector.wait_for(lambda p: "kommandon" in str(p.cards).lower())

    _org_load(h.db, tmp_path, "someone.else@example.se")
    # Within the TTL this process still has the org as it read it (the documented bound)...
    assert "samordnare för Östersund" not in await _setup(h, EVA, "Östersund")
    clock.now += ORG_TTL
    # ...and after it, reads it again.
    assert "someone.else@example.se" in await _setup(h, EVA, "Östersund")


async def test_someone_the_roster_does_not_know_is_asked_again_only_after_the_ttl(
    bot: tuple[BotHarness, Clock],
) -> None:
    h, clock = bot
    await add_units(
        h.db, {"Jämtland": None, "Östersund": "Jämtland"}, [("Östersund", NILS.upn, "coordinator")]
    )

    def lookups() -> int:
        return sum(
            1 for method, path in h.connector.requests if method == "GET" and "/members/" in path
        )

    # Not on the roster: no UPN, so not the coordinator the org names by UPN.
    assert "samordnare för Östersund" in await _setup(h, NILS, "Östersund")
    assert "samordnare för Östersund" in await _setup(h, NILS, "Östersund")
    assert lookups() == 1  # not on every turn

    _on_roster(h, NILS)
    clock.now += PERSON_TTL
    assert (await _setup(h, NILS, "Östersund")).startswith("Klart!")
    assert lookups() == 2
    await _setup(h, NILS, "Östersund")
    assert lookups() == 2  # known now: no more look-ups
