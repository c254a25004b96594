"""Local mode with several example people: the shipped Agents Playground config, the example
org file and `make run` together let a newcomer try roles and refusals — over HTTP.

The people are those of `.m365agentsplayground.yml`; their roles come from
`examples/jamtland.yaml` by UPN, which the bot learns from the roster (here the fake Bot
Connector, in the playground its own connector). `make run` names the playground's own user
in SAMVERKAN_LOCAL_ADMINS and sets SAMVERKAN_FOLLOW_LOCALE=false.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import yaml
from aiohttp import ClientSession
from aiohttp.test_utils import TestServer
from sqlalchemy import select
from sqlmodel import col

from bot.web import build_app
from core.indicators import parse_definitions
from core.org import OrgSpec, parse_org_text
from services.indicator_import import import_file
from storage import indicators_repo
from storage.db import Database
from storage.models import ChannelBinding
from storage.org_repo import sync_org
from tests.e2e.playground import SHIPPED_CONFIG, PlaygroundConfig
from tests.fakes.connector import FakeConnector
from tests.support.harness import BotHarness, local_settings
from tests.teams import ActivityFactory, TeamsUser, new_channel

ROOT = Path(__file__).resolve().parents[2]
CONFIG = PlaygroundConfig.from_file(SHIPPED_CONFIG)


def _person(user: dict[str, str]) -> TeamsUser:
    return TeamsUser(
        name=user["name"], aad_object_id=user["aadObjectId"], upn=user["userPrincipleName"]
    )


ASA = _person(CONFIG.current_user)
EVA, LARS, MARIA, JOHAN, SARA = (_person(u) for u in CONFIG.users)


def _makefile_default(name: str) -> str:
    found = re.search(rf"^{name}\s*\?=\s*(\S*)\s*$", (ROOT / "Makefile").read_text(), re.M)
    assert found, f"Makefile sets no {name}"
    return found.group(1)


def _org() -> OrgSpec:
    spec = parse_org_text((ROOT / "examples" / "jamtland.yaml").read_text(encoding="utf-8"))
    assert isinstance(spec, OrgSpec), spec
    return spec


def _roles(spec: OrgSpec) -> dict[str, set[tuple[str, str]]]:
    """person -> {(unit, role)} as the org file gives them."""
    out: dict[str, set[tuple[str, str]]] = {}
    for unit in spec.units:
        for role, person in unit.roles:
            out.setdefault(person, set()).add((unit.name, role))
    return out


@pytest.fixture
async def local(
    db: Database, connector: tuple[FakeConnector, str], tmp_path: Path
) -> AsyncIterator[BotHarness]:
    """The bot as `make run` serves it, with the example org loaded."""
    fake, connector_url = connector
    async with db.session() as s:
        plan = await sync_org(s, _org(), actor="test")
    assert not plan.problems
    # `make run`'s example indicators and their fictitious values for the Jämtland units.
    defs, overrides, problems = parse_definitions(
        yaml.safe_load((ROOT / "examples" / "indicators.yaml").read_text(encoding="utf-8"))
    )
    assert not problems
    async with db.session() as s:
        await indicators_repo.save_definitions(s, defs, overrides)
        report = await import_file(s, ROOT / "examples" / "jamtland_values.csv")
    assert report.imported and not report.bad
    for person in (ASA, EVA, LARS, MARIA, JOHAN, SARA):  # the playground's roster
        fake.add_member(
            person.channel_id, aad_object_id=person.aad_object_id, name=person.name, upn=person.upn
        )
    settings = local_settings(
        db.url,
        tmp_path,
        local_admins=[_makefile_default("LOCAL_ADMINS")],
        follow_locale=_makefile_default("FOLLOW_LOCALE"),
    )
    server = TestServer(build_app(settings, db), host="127.0.0.1")
    await server.start_server()
    async with ClientSession() as http:
        yield BotHarness(
            str(server.make_url("")).rstrip("/"), http, fake, ActivityFactory(connector_url), db
        )
    await server.close()


def test_the_shipped_playground_people_have_the_roles_the_readme_promises() -> None:
    assert CONFIG.bot_name == "Samverkan"
    assert str(uuid.UUID(CONFIG.tenant_id)) == CONFIG.tenant_id  # the playground's default is not
    assert len(CONFIG.users) == 5  # the playground's limit, exactly
    assert "Östersund" in CONFIG.team_name
    assert _makefile_default("LOCAL_ADMINS") == ASA.aad_object_id
    roles = _roles(_org())
    assert ("Östersund", "coordinator") in roles[EVA.upn]
    assert ("Östersund", "manager") in roles[LARS.upn]
    assert ("Hemsjukvård Östersund", "coordinator") in roles[MARIA.upn]
    assert JOHAN.upn not in roles and SARA.upn not in roles  # staff
    # Every example address is fictitious.
    everyone = [CONFIG.current_user, *CONFIG.users]
    assert all(u["userPrincipleName"].endswith("@example.se") for u in everyone)
    doc = yaml.safe_load(SHIPPED_CONFIG.read_text(encoding="utf-8"))
    assert doc["version"] == "0.1.1"


async def _bound(db: Database) -> list[int]:
    async with db.read() as s:
        rows = (await s.execute(select(ChannelBinding).where(col(ChannelBinding.active)))).scalars()
        return [b.unit_id for b in rows.all()]


async def test_staff_is_refused_with_who_can_and_the_coordinator_can(local: BotHarness) -> None:
    h = local
    channel = new_channel("Samverkan Östersund")
    await h.say(h.teams.install_in_team(channel, ASA))

    # Johan is staff: the coordinator's command is refused, naming Östersund's coordinator.
    await h.say(h.teams.channel_message(channel, JOHAN, "koppla Östersund"))
    refusal = await h.connector.wait_for(lambda p: "samordnare för Östersund" in p.text)
    assert EVA.upn in refusal.text
    assert await _bound(h.db) == []

    # Maria coordinates a team below Östersund, not Östersund itself.
    await h.say(h.teams.channel_message(channel, MARIA, "koppla Östersund"))
    await h.connector.wait_for(lambda p: p is not refusal and "samordnare för Östersund" in p.text)
    assert await _bound(h.db) == []

    # Eva coordinates Östersund: she may.
    await h.say(h.teams.channel_message(channel, EVA, "koppla Östersund"))
    await h.connector.wait_for(lambda p: p.text.startswith("Klart!"))
    assert len(await _bound(h.db)) == 1


async def test_the_playgrounds_own_user_is_the_administrator(local: BotHarness) -> None:
    h = local
    channel = new_channel("Samverkan Östersund")
    # Åsa may bind a unit none of the example people coordinates, in Swedish although the
    # playground's client says en-US.
    message = h.teams.channel_message(channel, ASA, "koppla Ragunda")
    message["locale"] = "en-US"
    await h.say(message)
    await h.connector.wait_for(lambda p: p.text.startswith("Klart!") and "Ragunda" in p.text)

    # Someone who is none of the named administrators is not one.
    stranger = TeamsUser(name="Okänd Person", upn="okand@example.se")
    await h.say(h.teams.channel_message(new_channel(), stranger, "koppla Krokom"))
    await h.connector.wait_for(lambda p: "samordnare för Krokom" in p.text)
    assert len(await _bound(h.db)) == 1


async def test_the_manager_gets_the_digest_and_staff_are_told_who_can(local: BotHarness) -> None:
    h = local
    channel = new_channel("Samverkan Östersund")
    await h.say(h.teams.channel_message(channel, EVA, "koppla Östersund"))
    await h.connector.wait_for(lambda p: p.text.startswith("Klart!"))

    await h.say(h.teams.channel_message(channel, SARA, "sammanställning"))
    refusal = await h.connector.wait_for(lambda p: "chef för Östersund" in p.text)
    assert LARS.upn in refusal.text

    await h.say(h.teams.channel_message(channel, LARS, "sammanställning"))
    digest = await h.connector.wait_for(lambda p: "Sammanställning" in str(p.cards))
    # The first digest shows the example figures, and says they are made up.
    card = str(digest.cards)
    assert "Exempeldata (fiktiva värden)" in card
    assert "Andel listade med fast läkarkontakt" in card and "når målet" in card
