"""Robust edges over HTTP, on SQLite and PostgreSQL: deeply nested JSON answers 400;
absurd numbers in any card action's data and NUL characters anywhere in what a person
sends get a clear message in their language, before anything is stored, never the
generic apology (on PostgreSQL both used to end in a driver error inside a handler)."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from aiohttp import ClientSession
from aiohttp.test_utils import TestServer
from sqlalchemy import func, select
from sqlmodel import SQLModel

from bot.handlers import build_router
from bot.turn import Services
from bot.web import SERVICES_KEY, build_app
from i18n.texts import t
from storage.db import Database
from tests.fakes.connector import FakeConnector
from tests.support.harness import add_units, local_settings
from tests.teams import ActivityFactory, Channel, TeamsUser, new_channel

router = build_router()

ACTIONS = sorted(router.actions)
ID_FIELDS = ("item_id", "unit_id", "occurrence_id", "action_id", "binding_id", "id")
ABSURD: list[Any] = [
    2**64,
    10**100,
    2**31,
    -1,
    -(2**63),
    1.5,
    1e300,
    True,
    "99999999999",
    "²",
    "١٢",
    "-3",
    " 7",
    [1],
    {"n": 1},
]
APOLOGY = "error.generic"


@dataclass
class Edge:
    url: str
    http: ClientSession
    fake: FakeConnector
    teams: ActivityFactory
    services: Services
    db: Database
    channel: Channel
    user: TeamsUser

    async def post_raw(self, body: bytes) -> int:
        async with self.http.post(
            self.url + "/api/messages", data=body, headers={"Content-Type": "application/json"}
        ) as resp:
            await resp.read()
            return resp.status

    async def answer(self, activity: dict[str, Any]) -> str:
        """The bot's reply: the invoke response's message, or the text it posted."""
        before = len(self.fake.posted)
        async with self.http.post(self.url + "/api/messages", json=activity) as resp:
            assert resp.status in (200, 202), resp.status
            body = await resp.json(content_type=None) if resp.status == 200 else None
        if activity["type"] == "invoke":
            assert isinstance(body, dict), body
            return str(body.get("value"))
        return "\n".join(p.text for p in self.fake.posted[before:])

    def errors(self) -> float:
        return self.services.metrics.total("samverkan_handler_errors_total")

    async def row_counts(self) -> dict[str, int]:
        out: dict[str, int] = {}
        async with self.db.session() as s:
            for table in SQLModel.metadata.sorted_tables:
                out[table.name] = (
                    await s.execute(select(func.count()).select_from(table))
                ).scalar_one()
        return out


@pytest.fixture
async def edge(db: Database, tmp_path: Path) -> AsyncIterator[Edge]:
    """A bound channel with a meeting series, an item and an agenda point, so handlers
    get as far as their database look-ups."""
    fake = FakeConnector(enforce_limits=False)
    fake_server = TestServer(fake.app, host="127.0.0.1")
    await fake_server.start_server()
    app = build_app(local_settings(db.url, tmp_path), db)
    server = TestServer(app, host="127.0.0.1")
    await server.start_server()
    await add_units(db, {"Regionens samverkansråd": None, "Östersund": "Regionens samverkansråd"})
    async with ClientSession() as http:
        e = Edge(
            str(server.make_url("")).rstrip("/"),
            http,
            fake,
            ActivityFactory(str(fake_server.make_url("/"))),
            app[SERVICES_KEY],
            db,
            new_channel(),
            TeamsUser("Kim Kant", upn="kim@example.se"),
        )
        for text in (
            "setup Östersund",
            "möte ny första tisdagen varje månad 13-15 | Rummet",
            "ärende Ett hinder",
            "dagordning lägg till En punkt",
        ):
            await e.answer(e.teams.channel_message(e.channel, e.user, text))
        assert e.errors() == 0
        yield e
    await server.close()
    await fake_server.close()


# -- nested JSON ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "raw",
    [b"[" * 100_000, b'{"":' * 60_000, b"[" * 100_000 + b"]" * 100_000],
    ids=["open brackets", "open objects", "balanced"],
)
async def test_deeply_nested_json_is_a_400_and_stores_nothing(edge: Edge, raw: bytes) -> None:
    before = await edge.row_counts()
    assert await edge.post_raw(raw) == 400
    assert edge.errors() == 0
    assert await edge.row_counts() == before


async def test_an_activity_whose_card_data_nests_deep_is_a_400(edge: Edge) -> None:
    """Deep enough to pass the JSON parser, far deeper than any card."""
    value: Any = "x"
    for _ in range(500):
        value = [value]
    act = edge.teams.card_submit(edge.channel, edge.user, {"action": "item.comment", "deep": value})
    before = await edge.row_counts()
    assert await edge.post_raw(json.dumps(act).encode()) == 400
    assert await edge.row_counts() == before
    assert edge.errors() == 0


# -- absurd numbers ---------------------------------------------------------------------


@pytest.mark.parametrize("invoke", [True, False], ids=["Action.Execute", "Action.Submit"])
async def test_absurd_numbers_in_every_card_action_get_a_clear_message(
    edge: Edge, invoke: bool
) -> None:
    before = await edge.row_counts()
    expected = t("sv", "error.bad_number")
    for name in ACTIONS:
        for bad in ABSURD:
            data = {field: bad for field in ID_FIELDS} | {"version": 1, "text": "Hej"}
            if invoke:
                act = edge.teams.invoke_action(edge.channel, edge.user, name, data)
            else:
                act = edge.teams.card_submit(edge.channel, edge.user, {**data, "action": name})
            assert await edge.answer(act) == expected, (name, bad)
    assert edge.errors() == 0
    assert await edge.row_counts() == before


@pytest.mark.parametrize(
    ("verb", "data"),
    [
        ("item.comment", {"item_id": 2**64, "version": 1, "comment": "Hej"}),
        ("item.escalate", {"item_id": 1, "version": 10**100, "reason": "Hej"}),
        ("agenda.add", {"occurrence_id": "²", "text": "Hej"}),
        ("agenda.status", {"item_id": 2**40, "status": "accepted"}),
        ("action.done", {"action_id": -(2**70)}),
    ],
)
async def test_one_absurd_id_where_a_handler_reads_it(
    edge: Edge, verb: str, data: dict[str, Any]
) -> None:
    reply = await edge.answer(edge.teams.invoke_action(edge.channel, edge.user, verb, data))
    assert reply == t("sv", "error.bad_number")
    assert edge.errors() == 0


# -- NUL --------------------------------------------------------------------------------


async def test_nul_in_a_command_is_refused_in_the_persons_language(edge: Edge) -> None:
    before = await edge.row_counts()
    reply = await edge.answer(edge.teams.channel_message(edge.channel, edge.user, "ärende A\x00B"))
    assert reply == t("sv", "error.nul")
    english = edge.teams.channel_message(edge.channel, edge.user, "ärende A\u0000B")
    english["locale"] = "en-US"
    assert await edge.answer(english) == t("en", "error.nul")
    assert await edge.row_counts() == before
    assert edge.errors() == 0


@pytest.mark.parametrize("invoke", [True, False], ids=["Action.Execute", "Action.Submit"])
async def test_nul_in_card_inputs_is_refused_before_anything_is_stored(
    edge: Edge, invoke: bool
) -> None:
    before = await edge.row_counts()
    inputs: list[tuple[str, dict[str, Any]]] = [
        ("item.create", {"title": "Titel\x00", "kind": "barrier"}),
        ("agenda.add", {"occurrence_id": 1, "text": "Punkt\x00"}),
        ("item.comment", {"item_id": 1, "version": 1, "comment": "\x00"}),
        ("item.create", {"title": "Titel", "kind": "barrier", "tags": ["a\x00"]}),
        ("item.create", {"title": "Titel", "kind": "barrier", "n\x00": "key"}),
    ]
    for name, data in inputs:
        if invoke:
            act = edge.teams.invoke_action(edge.channel, edge.user, name, data)
        else:
            act = edge.teams.card_submit(edge.channel, edge.user, {**data, "action": name})
        assert await edge.answer(act) == t("sv", "error.nul"), (name, data)
    assert await edge.row_counts() == before
    assert edge.errors() == 0


async def test_nul_in_a_language_choice_or_a_name_changes_nothing(edge: Edge) -> None:
    before = await edge.row_counts()
    personal = edge.teams.personal_message(edge.user, "språk en\x00")
    assert await edge.answer(personal) == t("sv", "error.nul")
    renamed = edge.teams.channel_message(edge.channel, edge.user, "hjälp")
    renamed["from"]["name"] = "Kim\x00"
    assert await edge.answer(renamed) == t("sv", "error.nul")
    installed = edge.teams.install_in_team(new_channel("Team\x00"), edge.user)
    assert await edge.answer(installed) == ""  # not a person typing: no reply, nothing kept
    assert await edge.row_counts() == before
    assert edge.errors() == 0
