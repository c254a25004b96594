"""A personnummer written the way people paste it (en dash from Word, minus sign,
non-breaking hyphen, zero-width space, soft hyphen, full-width digits, spaces between
groups) is refused on every path that stores text a person typed: over HTTP for
commands and card actions, through the CLI for indicator files. Each refusal tells
the person why with the one text, and nothing of what they wrote is stored anywhere.
"""

from __future__ import annotations

import asyncio
import itertools
import json
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from sqlmodel import SQLModel
from typer.testing import CliRunner

import cli.indicators
import cli.org  # noqa: F401
from cli.main import app
from i18n.texts import TEXTS
from storage.db import Database
from storage.indicator_models import IndicatorValue
from storage.item_models import Item
from storage.pulse_models import PulseAnswer, PulseRespondent
from tests.conftest import create_schema
from tests.security.conftest import MakeHarness
from tests.support.harness import BotHarness, add_units
from tests.support.items import deliver
from tests.teams import Channel, TeamsUser, new_channel

REFUSAL = TEXTS["error.personnummer"]["sv"]
# Skatteverket's test personnummer 19121212-1212, disguised.
DISGUISED = [
    "121212\u20131212",  # en dash (Word's autocorrect)
    "19121212\u22121212",  # minus sign
    "121212\u20111212",  # non-breaking hyphen
    "1212\u200b12-1212",  # zero-width space
    "121212\u00ad-1212",  # soft hyphen
    "\uff11\uff12\uff11\uff12\uff11\uff12\uff0d\uff11\uff12\uff11\uff12",  # full width
    "1212 12-12 12",  # spaces between groups
    "19121212 \u2013 1212",
    "12\u00a012\u00a012\u00a012\u00a012",  # no-break spaces between groups
]
MARK = "Spårord"  # in every refused text: it must be found nowhere afterwards
COORD = TeamsUser(name="Sara Samordnare", upn="sara@example.se")


def _texts() -> itertools.cycle[str]:
    return itertools.cycle(f"{MARK} gäller {number} i dag" for number in DISGUISED)


async def _stored_marks(db: Database) -> list[str]:
    """Every table and column whose value holds the mark (text and JSON columns alike)."""
    found: list[str] = []
    async with db.session() as s:
        for table in SQLModel.metadata.sorted_tables:
            for row in (await s.execute(select(table))).mappings().all():
                for column, value in row.items():
                    if value is None:
                        continue
                    text = value if isinstance(value, str) else json.dumps(value, default=str)
                    if MARK in text or json.dumps(MARK)[1:-1] in text:
                        found.append(f"{table.name}.{column}")
    return found


def _said(activity: dict[str, Any]) -> str:
    return json.dumps(activity, ensure_ascii=False)


async def _message(h: BotHarness, channel: Channel, text: str, *, card: bool = False) -> str:
    """Send a channel message; the bot's first text reply (or card) after it."""
    before = len(h.connector.posted)
    assert await h.say(h.teams.channel_message(channel, COORD, text)) in (200, 202)
    reply = await h.connector.wait_for(
        lambda p: (
            h.connector.posted.index(p) >= before
            and p.conversation_id.startswith(channel.conversation_id)
            and bool(p.cards if card else p.text)
        )
    )
    return _said(reply.activity)


async def _invoke(h: BotHarness, channel: Channel, verb: str, data: dict[str, Any]) -> str:
    status, body = await h.post(h.teams.invoke_action(channel, COORD, verb, data))
    assert status == 200
    return json.dumps(body, ensure_ascii=False)


async def _bound(h: BotHarness) -> Channel:
    await add_units(h.db, {"Regionens samverkansråd": None, "Östersund": "Regionens samverkansråd"})
    channel = new_channel()
    await h.say(h.teams.install_in_team(channel, COORD))
    assert "Klart" in await _message(h, channel, "setup Östersund")
    return channel


async def test_items_refuse_a_disguised_number_on_every_path(make_harness: MakeHarness) -> None:
    h = await make_harness()
    channel = await _bound(h)
    assert "Giltigt hinder" in await _message(h, channel, "ärende Giltigt hinder", card=True)
    async with h.db.session() as s:
        item = (await s.execute(select(Item))).scalar_one()
    ids = {"item_id": item.id, "version": item.version}
    texts = _texts()
    commands = [
        f"ärende {next(texts)}",
        f"ärende Titel | {next(texts)}",
        f"lyft {item.id} {next(texts)}",
    ]
    for command in commands:
        reply = await _message(h, channel, command)
        assert REFUSAL in reply and MARK not in reply, command
        assert await _stored_marks(h.db) == [], command
    actions: list[tuple[str, dict[str, Any]]] = [
        ("item.create", {"title": next(texts)}),
        ("item.create", {"title": "Titel", "description": next(texts)}),
        ("item.create", {"title": "Titel", "owner": next(texts)}),
        ("item.escalate", {**ids, "reason": next(texts)}),
        ("item.resolve", {**ids, "answer": next(texts)}),
        ("item.send_back", {**ids, "comment": next(texts)}),
        ("item.acknowledge", {**ids, "due": "2099-01-01", "owner": next(texts)}),
        ("item.assign", {**ids, "owner": next(texts)}),
        ("item.comment", {**ids, "comment": next(texts)}),
    ]
    for verb, data in actions:
        reply = await _invoke(h, channel, verb, data)
        assert REFUSAL in reply and MARK not in reply, (verb, data)
        assert await _stored_marks(h.db) == [], (verb, data)
    async with h.db.session() as s:
        assert len((await s.execute(select(Item))).all()) == 1


async def test_meetings_refuse_a_disguised_number_on_every_path(make_harness: MakeHarness) -> None:
    h = await make_harness()
    channel = await _bound(h)
    assert "Klart" in await _message(h, channel, "möte ny första tisdagen varje månad 13–15")
    texts = _texts()
    commands = [
        f"möte ny varje torsdag 9–10 | {next(texts)}",
        f"möte ny varje torsdag 9–10 | Rum 4 | {next(texts)}",
        f"möte ny varje torsdag 9–10 {next(texts)}",
        f"möte ändra | {next(texts)}",
        f"möte plats {next(texts)}",
        f"dagordning lägg till {next(texts)}",
        f"beslut {next(texts)}",
        f"beslut punkt 1 {next(texts)}",
        f"åtgärd {next(texts)}",
    ]
    # `beslut punkt 1` needs a point 1 on the agenda.
    assert "Punkt 1" in await _message(h, channel, "dagordning lägg till Giltig punkt")
    for command in commands:
        reply = await _message(h, channel, command)
        assert REFUSAL in reply and MARK not in reply, command
        assert await _stored_marks(h.db) == [], command
    agenda = json.loads(await _message(h, channel, "dagordning", card=True))
    propose = agenda["attachments"][0]["content"]["actions"][0]["data"]
    reply = await _invoke(h, channel, "agenda.add", {**propose, "text": next(texts)})
    assert REFUSAL in reply and MARK not in reply
    assert await _stored_marks(h.db) == []


async def test_a_lift_decision_refuses_a_disguised_number(make_harness: MakeHarness) -> None:
    h = await make_harness()
    channel = await _bound(h)
    assert "Klart" in await _message(h, channel, "möte ny första tisdagen varje månad 13–15")
    await _message(h, channel, "ärende Giltigt hinder", card=True)
    async with h.db.session() as s:
        item = (await s.execute(select(Item))).scalar_one()
    reply = await _message(h, channel, f"beslut lyft {item.id} {MARK} {DISGUISED[0]}")
    assert REFUSAL in reply and MARK not in reply
    assert await _stored_marks(h.db) == []
    async with h.db.session() as s:
        fresh = await s.get(Item, item.id)
        assert fresh is not None and fresh.path == item.path  # not lifted either


async def test_pulse_free_text_refuses_a_disguised_number(make_harness: MakeHarness) -> None:
    h = await make_harness()
    channel = await _bound(h)
    started = await _message(h, channel, "puls start")
    assert "puls" in started.lower()
    await deliver(h)  # the pulse card goes out through the outbox
    posted = await h.connector.wait_for(lambda p: any("pulse.answer" in _said(c) for c in p.cards))
    ref = posted.cards[0]["actions"][0]["data"]["pulse"]
    for number in DISGUISED:
        data = {
            "action": "pulse.answer",
            "pulse": ref,
            "q_collab": "4",
            "q_contact": "yes",
            "q_example": f"{MARK} {number}",
        }
        reply = await _invoke(h, channel, "pulse.answer", data)
        assert REFUSAL in reply and MARK not in reply, ascii(number)
    async with h.db.session() as s:
        assert (await s.execute(select(PulseAnswer))).first() is None
        assert (await s.execute(select(PulseRespondent))).first() is None
    assert await _stored_marks(h.db) == []


# -- indicator files through the CLI --------------------------------------------------------

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


@pytest.fixture
def cli_db(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    url = f"sqlite+aiosqlite:///{tmp_path / 'cli.db'}"
    create_schema(url)
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'cli.db'}")
    monkeypatch.chdir(tmp_path)
    return url


def _cli(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, list(args))
    return result.exit_code, result.stdout, result.stderr


def _values_stored(url: str) -> list[str]:
    async def read() -> list[str]:
        db = Database(url)
        try:
            async with db.session() as s:
                rows = (await s.execute(select(IndicatorValue))).scalars().all()
                return [v.source for v in rows]
        finally:
            await db.dispose()

    return asyncio.run(read())


def test_indicator_files_refuse_a_disguised_number_in_any_cell(cli_db: str, tmp_path: Path) -> None:
    assert _cli("org", "load", str(EXAMPLES / "jamtland.yaml"))[0] == 0
    assert _cli("indicators", "define", str(EXAMPLES / "indicators.yaml"))[0] == 0
    csv = tmp_path / "v.csv"
    csv.write_text(
        "indikator;enhet;period;värde;källa\n"
        "sip_genomforda;Krokom;2026 Q1;3,8;Journal\n"
        f"sip_genomforda;Östersund;2026 Q1;4,1;{MARK} {DISGUISED[0]}\n"
        f"sip_genomforda;{DISGUISED[5]};2026 Q1;4,1;Journal\n",
        encoding="utf-8",
    )
    code, out, err = _cli("indicators", "import", str(csv))
    assert code == 1
    assert "row 3: a cell looks like a personnummer" in err and "row 4:" in err
    assert MARK not in out + err and "1212" not in out + err
    assert _values_stored(cli_db) == []
    # Skipping bad rows imports the good one only.
    code, out, err = _cli("indicators", "import", str(csv), "--skip-bad-rows")
    assert code == 0 and "1 new" in out and "row 3" in err
    assert _values_stored(cli_db) == ["Journal"]

    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["indicator", "unit", "period", "value", "source"])
    sheet.append(["sip_genomforda", "Krokom", "2026 Q2", 3.9, f"{MARK} {DISGUISED[6]}"])
    sheet.append(["sip_genomforda", "Krokom", "2026 Q3", 1212121212, "Journal"])  # a number
    xlsx = tmp_path / "v.xlsx"
    book.save(xlsx)
    code, out, err = _cli("indicators", "import", str(xlsx))
    assert code == 1 and "row 2: a cell looks like a personnummer" in err and "row 3:" in err
    assert _values_stored(cli_db) == ["Journal"]


def test_indicator_definitions_refuse_a_disguised_number(cli_db: str, tmp_path: Path) -> None:
    defs = tmp_path / "defs.yaml"
    defs.write_text(
        "indicators:\n"
        "  - id: sip\n"
        f"    name: {{sv: SIP, en: SIP}}\n"
        f"    source: {MARK} {DISGUISED[1]}\n"
        "    direction: higher\n"
        "    period: month\n",
        encoding="utf-8",
    )
    code, _, err = _cli("indicators", "define", str(defs))
    assert code == 1 and "indicators[0].source: looks like a personnummer" in err
    assert MARK not in err and "nothing was changed" in err
