"""Fuzz /api/messages and every card action: never a 500, never a handler crash,
nothing stored from a structurally invalid activity.

One bot per test (local mode, a bound channel with a meeting series and an item,
so handlers get past "no unit here"); hypothesis drives many requests through it.
The bulk runs on SQLite; PostgreSQL gets a smaller run of the same properties.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from aiohttp import ClientSession
from aiohttp.test_utils import TestServer
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select
from sqlmodel import SQLModel

from bot.handlers import build_router
from bot.turn import Services
from bot.web import SERVICES_KEY, build_app
from storage.db import Database
from tests.fakes.connector import FakeConnector
from tests.support.harness import add_units, local_settings
from tests.teams import ActivityFactory, Channel, TeamsUser, new_channel

router = build_router()

ERRORS = "samverkan_handler_errors_total"
ACTIONS = sorted(router.actions)
COMMAND_WORDS = sorted(
    {e.spec.name for e in router.commands.values()}
    | {a for e in router.commands.values() for a in e.spec.aliases}
)
COUNTY = {"Regionens samverkansråd": None, "Östersund": "Regionens samverkansråd"}


@dataclass
class Target:
    url: str
    http: ClientSession
    teams: ActivityFactory
    services: Services
    db: Database
    channel: Channel
    user: TeamsUser

    async def post_raw(self, body: bytes) -> int:
        async with self.http.post(
            self.url + "/api/messages",
            data=body,
            headers={"Content-Type": "application/json"},
        ) as resp:
            await resp.read()
            return resp.status

    async def post(self, activity: Any) -> int:
        return await self.post_raw(json.dumps(activity).encode())

    def errors(self) -> float:
        return self.services.metrics.total(ERRORS)

    async def row_counts(self) -> dict[str, int]:
        out: dict[str, int] = {}
        async with self.db.session() as s:
            for table in SQLModel.metadata.sorted_tables:
                out[table.name] = (
                    await s.execute(select(func.count()).select_from(table))
                ).scalar_one()
        return out


@pytest.fixture
async def target(db: Database, tmp_path: Path) -> AsyncIterator[Target]:
    # Teams' throttling is not what is fuzzed here: the fake connector takes everything.
    fake = FakeConnector(enforce_limits=False)
    fake_server = TestServer(fake.app, host="127.0.0.1")
    await fake_server.start_server()
    connector_url = str(fake_server.make_url("/"))
    # No rate limit here: the fuzzer is one very busy person.
    settings_ = local_settings(db.url, tmp_path, command_burst=10000, command_rate_per_minute=10000)
    app = build_app(settings_, db)
    server = TestServer(app, host="127.0.0.1")
    await server.start_server()
    await add_units(db, COUNTY)
    async with ClientSession() as http:
        t = Target(
            str(server.make_url("")).rstrip("/"),
            http,
            ActivityFactory(connector_url),
            app[SERVICES_KEY],
            db,
            new_channel(),
            TeamsUser("Fia Fuzz", upn="fia@example.se"),
        )
        for text in (
            "setup Östersund",
            "möte ny första tisdagen varje månad 13-15 | Rummet",
            "ärende Ett hinder",
            "dagordning lägg till En punkt",
        ):
            assert await t.post(t.teams.channel_message(t.channel, t.user, text)) in (200, 202)
        assert t.errors() == 0
        yield t
    await server.close()
    await fake_server.close()


# -- strategies -----------------------------------------------------------------------

scalars = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=40)
)
json_values = st.recursive(
    scalars,
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12), inner, max_size=4)
    ),
    max_leaves=12,
)
# Keys a card's data really uses, so random values land where handlers look.
card_keys = st.sampled_from(
    [
        "action",
        "index",
        "item",
        "item_id",
        "id",
        "number",
        "n",
        "status",
        "unit",
        "unit_id",
        "text",
        "title",
        "comment",
        "reason",
        "owner",
        "due",
        "date",
        "answer",
        "value",
        "score",
        "question",
        "pulse_id",
        "token",
        "meeting_id",
        "occurrence_id",
        "period",
        "binding",
        "channel",
        "lang",
        "kind",
        "to",
        "from",
        "assignee",
        "choice",
    ]
) | st.text(max_size=10)
card_values = st.dictionaries(card_keys, json_values, max_size=6)
FIELDS = [
    "type",
    "id",
    "timestamp",
    "channelId",
    "from",
    "recipient",
    "conversation",
    "channelData",
    "locale",
    "text",
    "textFormat",
    "value",
    "name",
    "entities",
    "attachments",
    "replyToId",
    "membersAdded",
    "membersRemoved",
    "action",
]
word = st.sampled_from(COMMAND_WORDS)
args = st.text(max_size=60) | st.sampled_from(
    [
        "1",
        "0",
        "-1",
        "#1",
        "99999999999999999999",
        "2026-02-30",
        "lyft #1 x",
        "start",
        "stäng",
        "resultat",
        "ny",
        "ändra",
        "flytta 1 2",
        "godkänn 1",
        "klar 1",
        "ta bort 1",
        "mina",
        "punkt 2: x",
        "x @Fia senast imorgon",
        "prenumerera Östersund",
        "19121212-1212",
        "en",
        "sv",
    ]
)

FUZZ = settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
FUZZ_PG = settings(FUZZ, max_examples=60)


# -- properties -----------------------------------------------------------------------


async def body_is_handled(t: Target, body: Any) -> None:
    """Any JSON at all: a clean status, and a 400 stores nothing."""
    before_rows, before_errors = await t.row_counts(), t.errors()
    status = await t.post(body)
    event(f"status {status}")  # --hypothesis-show-statistics: how many got past the checks
    assert status < 500, body
    assert t.errors() == before_errors, body
    if status >= 400:
        assert await t.row_counts() == before_rows, body


async def activity_is_handled(t: Target, overrides: dict[str, Any], drop: list[str]) -> None:
    """A Teams activity with random types in random fields (serviceUrl stays ours:
    the bot answers there, and a fake one would only test the network)."""
    act = t.teams.channel_message(t.channel, t.user, "hjälp")
    for key in drop:
        act.pop(key, None)
    act.update(overrides)
    await body_is_handled(t, act)


async def action_is_handled(t: Target, name: str, data: dict[str, Any], invoke: bool) -> None:
    """Every registered card action with random data, as a submit and as an invoke."""
    before = t.errors()
    if invoke:
        act = t.teams.invoke_action(t.channel, t.user, name, data)
    else:
        act = t.teams.card_submit(t.channel, t.user, {**data, "action": name})
    status = await t.post(act)
    assert status < 500
    assert t.errors() == before, (name, data)


async def command_is_handled(t: Target, text: str, personal: bool) -> None:
    before = t.errors()
    if personal:
        act = t.teams.personal_message(t.user, text)
    else:
        act = t.teams.channel_message(t.channel, t.user, text)
    status = await t.post(act)
    assert status < 500
    assert t.errors() == before, text


# The bulk runs on SQLite; PostgreSQL has its own smaller mixed run below.
ON_SQLITE = pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
ON_POSTGRESQL = pytest.mark.parametrize("db_url", ["postgresql"], indirect=True)


overrides = st.dictionaries(st.sampled_from(FIELDS), json_values, max_size=4)
drops = st.lists(st.sampled_from([*FIELDS, "serviceUrl"]), max_size=3)
commands = st.tuples(word, args).map(lambda wa: f"{wa[0]} {wa[1]}".strip()) | st.text(max_size=80)


@ON_SQLITE
@FUZZ
@given(body=json_values)
async def test_random_json_bodies(target: Target, body: Any) -> None:
    await body_is_handled(target, body)


@ON_SQLITE
@FUZZ
@given(raw=st.binary(max_size=200))
async def test_random_bytes(target: Target, raw: bytes) -> None:
    before = await target.row_counts()
    assert await target.post_raw(raw) < 500
    assert await target.row_counts() == before


@ON_SQLITE
@FUZZ
@given(over=overrides, drop=drops)
async def test_activities_with_random_fields(
    target: Target, over: dict[str, Any], drop: list[str]
) -> None:
    await activity_is_handled(target, over, drop)


@ON_SQLITE
@FUZZ
@given(name=st.sampled_from(ACTIONS) | st.text(max_size=12), data=card_values, invoke=st.booleans())
async def test_every_card_action_with_random_data(
    target: Target, name: str, data: dict[str, Any], invoke: bool
) -> None:
    await action_is_handled(target, name, data, invoke)


@ON_SQLITE
@FUZZ
@given(text=commands, personal=st.booleans())
async def test_every_command_with_random_args(target: Target, text: str, personal: bool) -> None:
    await command_is_handled(target, text, personal)


@ON_POSTGRESQL
@FUZZ_PG
@given(
    case=st.one_of(
        st.tuples(st.just("body"), json_values),
        st.tuples(st.just("activity"), st.tuples(overrides, drops)),
        st.tuples(
            st.just("action"), st.tuples(st.sampled_from(ACTIONS), card_values, st.booleans())
        ),
        st.tuples(st.just("command"), st.tuples(commands, st.booleans())),
    )
)
async def test_everything_on_postgresql(target: Target, case: tuple[str, Any]) -> None:
    kind, value = case
    if kind == "body":
        await body_is_handled(target, value)
    elif kind == "activity":
        await activity_is_handled(target, *value)
    elif kind == "action":
        await action_is_handled(target, *value)
    else:
        await command_is_handled(target, *value)
