"""People's language choices: one shared snapshot, reloaded when old, and the
`language` / `språk` command that changes it.

The unit tests drive `LanguageChoices` with a hand-moved clock and a loader that
counts its calls; the HTTP tests run the real app against the fake connector.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from aiohttp import ClientSession
from aiohttp.test_utils import TestServer

from bot.languages import RETRY_SECONDS, LanguageChoices
from bot.web import build_app, build_services
from i18n.texts import t
from storage import channels_repo
from storage.db import Database
from tests.fakes.connector import FakeConnector, Posted
from tests.support.harness import BotHarness, local_settings, user
from tests.teams import TENANT, ActivityFactory, Channel, TeamsUser, new_channel


class Clock:
    def __init__(self, now: float = 1000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


@dataclass
class Loader:
    """Everyone's choices as the database would return them; counts the reads."""

    rows: dict[str, str] = field(default_factory=dict)
    calls: int = 0
    fail: bool = False
    gate: asyncio.Event | None = None
    started: asyncio.Event = field(default_factory=asyncio.Event)

    async def __call__(self) -> dict[str, str]:
        self.calls += 1
        snapshot = dict(self.rows)  # read before waiting, as a query would
        self.started.set()
        if self.gate is not None:
            await self.gate.wait()
        if self.fail:
            raise ConnectionError("database unreachable")
        return snapshot


# -- LanguageChoices ------------------------------------------------------------------


async def test_concurrent_callers_share_one_reload() -> None:
    loader = Loader(rows={"anna": "en", "bo": "sv"}, gate=asyncio.Event())
    choices = LanguageChoices(ttl=60, clock=Clock())
    people = ["anna", "bo", "cecilia"] * 4
    tasks = [asyncio.create_task(choices.choice(p, loader)) for p in people]
    await loader.started.wait()  # the first caller is reading; the others queue up
    loader.gate.set()  # type: ignore[union-attr]
    results = await asyncio.gather(*tasks)
    assert loader.calls == 1
    assert results == ["en", "sv", None] * 4


async def test_no_reload_within_ttl_and_a_reload_after_it() -> None:
    clock = Clock()
    loader = Loader(rows={"anna": "en"})
    choices = LanguageChoices(ttl=60, clock=clock)
    assert await choices.choice("anna", loader) == "en"
    assert loader.calls == 1

    loader.rows = {"anna": "sv", "bo": "en"}  # changed by another instance
    clock.now += 59.9
    assert await choices.choice("anna", loader) == "en"
    assert await choices.choice("bo", loader) is None
    assert loader.calls == 1

    clock.now += 0.1
    assert await choices.choice("anna", loader) == "sv"
    assert await choices.choice("bo", loader) == "en"
    assert loader.calls == 2


async def test_a_failed_reload_keeps_the_old_choices_and_retries_after_a_pause() -> None:
    clock = Clock()
    loader = Loader(rows={"anna": "en"})
    choices = LanguageChoices(ttl=60, clock=clock)
    assert await choices.choice("anna", loader) == "en"

    loader.fail = True
    clock.now += 60
    assert await choices.choice("anna", loader) == "en"
    assert loader.calls == 2

    loader.fail = False
    loader.rows = {"anna": "sv"}
    clock.now += RETRY_SECONDS - 0.1
    assert await choices.choice("anna", loader) == "en"  # not retried yet
    assert loader.calls == 2

    clock.now += 0.1
    assert await choices.choice("anna", loader) == "sv"
    assert loader.calls == 3


async def test_a_failed_first_load_answers_none_and_retries_after_a_pause() -> None:
    clock = Clock()
    loader = Loader(rows={"anna": "en"}, fail=True)
    choices = LanguageChoices(ttl=60, clock=clock)
    assert await choices.choice("anna", loader) is None
    loader.fail = False
    clock.now += RETRY_SECONDS
    assert await choices.choice("anna", loader) == "en"
    assert loader.calls == 2


async def test_put_is_visible_at_once_without_a_reload() -> None:
    clock = Clock()
    loader = Loader(rows={"anna": "en"})
    choices = LanguageChoices(ttl=60, clock=clock)
    assert await choices.choice("bo", loader) is None

    choices.put("bo", "en")
    choices.put("anna", "sv")
    assert await choices.choice("bo", loader) == "en"
    assert await choices.choice("anna", loader) == "sv"
    assert loader.calls == 1


async def test_a_choice_made_during_a_reload_is_not_lost() -> None:
    clock = Clock()
    loader = Loader(rows={}, gate=asyncio.Event())
    choices = LanguageChoices(ttl=60, clock=clock)
    # Someone's turn starts a reload; its query has run, the answer is on its way...
    reading = asyncio.create_task(choices.choice("bo", loader))
    await loader.started.wait()
    # ...while Anna's `language en` commits and is put into the snapshot.
    choices.put("anna", "en")
    loader.gate.set()  # type: ignore[union-attr]
    await reading
    assert await choices.choice("anna", loader) == "en"


# -- over HTTP ------------------------------------------------------------------------


async def say(harness: BotHarness, channel: Channel, who: TeamsUser, text: str) -> Posted:
    """Post a Swedish-locale message in the channel and wait for the bot's reply to it."""
    act = harness.teams.channel_message(channel, who, text)
    assert act["locale"] == "sv-SE"
    status, _ = await harness.post(act)
    assert status in (200, 202)
    conv_id = act["conversation"]["id"]
    return await harness.connector.wait_for(lambda p: p.conversation_id == conv_id)


def help_language(reply: Posted) -> str:
    [card] = reply.cards
    text = str(card)
    english, swedish = t("en", "help.title") in text, t("sv", "help.title") in text
    assert english != swedish, text
    return "en" if english else "sv"


@pytest.mark.parametrize("command", ["language en", "språk engelska"])
async def test_choosing_english_changes_only_that_persons_replies(
    harness: BotHarness, command: str
) -> None:
    channel = new_channel()
    anna = user("Anna Berg", "anna.berg@example.se")
    bo = user("Bo Ek", "bo.ek@example.se")
    assert help_language(await say(harness, channel, anna, "hjälp")) == "sv"

    done = await say(harness, channel, anna, command)
    assert done.text == t("en", "language.set")

    assert help_language(await say(harness, channel, anna, "hjälp")) == "en"
    assert help_language(await say(harness, channel, bo, "hjälp")) == "sv"

    # And back again, with the other form of the command.
    back = "språk sv" if command.startswith("language") else "language svenska"
    done = await say(harness, channel, anna, back)
    assert done.text == t("sv", "language.set")
    assert help_language(await say(harness, channel, anna, "hjälp")) == "sv"


async def test_an_unknown_language_gets_usage_and_changes_nothing(harness: BotHarness) -> None:
    channel = new_channel()
    anna = user()
    reply = await say(harness, channel, anna, "språk tyska")
    assert reply.text == t("sv", "language.usage")
    assert help_language(await say(harness, channel, anna, "hjälp")) == "sv"


@dataclass
class Instance:
    harness: BotHarness
    clock: Clock
    languages: LanguageChoices


@pytest.fixture
async def instance(
    db: Database, connector: tuple[FakeConnector, str], tmp_path: Path
) -> AsyncIterator[Instance]:
    """The app as the `harness` fixture builds it, with a language snapshot on our clock.

    `build_app` takes ready-made Services, so the snapshot is swapped in before the
    app exists: nothing else about the app differs from production."""
    fake, connector_url = connector
    settings = local_settings(db.url, tmp_path)
    clock = Clock()
    services = build_services(settings, db)
    services.languages = LanguageChoices(clock=clock)
    app = build_app(settings, db, services=services)
    server = TestServer(app, host="127.0.0.1")
    await server.start_server()
    async with ClientSession() as http:
        harness = BotHarness(
            str(server.make_url("")).rstrip("/"), http, fake, ActivityFactory(connector_url), db
        )
        yield Instance(harness, clock, services.languages)
    await server.close()


async def test_a_choice_saved_by_another_instance_is_used_once_the_snapshot_expires(
    instance: Instance,
) -> None:
    harness, clock = instance.harness, instance.clock
    channel = new_channel()
    anna = user()
    assert help_language(await say(harness, channel, anna, "hjälp")) == "sv"  # snapshot read

    # Another instance of the bot handles Anna's `language en`.
    async with harness.db.session() as s:
        await channels_repo.remember_person(s, TENANT, anna.aad_object_id, language="en")

    clock.now += instance.languages.ttl - 1
    assert help_language(await say(harness, channel, anna, "hjälp")) == "sv"  # still the snapshot

    clock.now += 1
    assert help_language(await say(harness, channel, anna, "hjälp")) == "en"
    assert (
        help_language(await say(harness, channel, user("Bo Ek", "bo.ek@example.se"), "hjälp"))
        == "sv"
    )
