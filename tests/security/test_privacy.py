"""`privacy export` / `privacy erase`: a person's data through the real bot, then out and gone."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlmodel import col
from typer.testing import CliRunner

import cli.privacy  # noqa: F401  (registers `privacy` on the app)
from cli.main import app
from storage import channels_repo, privacy_repo
from storage.db import Database
from storage.item_models import Item, ItemEvent
from storage.meeting_models import AgendaItem, Attendance, Decision, MeetingOccurrence
from storage.models import ChannelBinding, Conversation, Person, RoleAssignment
from storage.people_models import NudgeSnooze
from tests.support.harness import BotHarness, add_units, connector, harness  # noqa: F401
from tests.teams import TENANT, TeamsUser, new_channel

COUNTY = {"Rådet": None, "Östersund": "Rådet"}
ANNA = TeamsUser(name="Anna Berg", upn="anna.berg@example.se")
BO = TeamsUser(name="Bo Ek", upn="bo.ek@example.se")
SECRET = "s" * 40


async def _seed(harness: BotHarness) -> None:  # noqa: F811
    await add_units(harness.db, COUNTY, [("Östersund", ANNA.upn, "coordinator")])
    harness.connector.add_member(
        ANNA.channel_id, aad_object_id=ANNA.aad_object_id, name=ANNA.name, upn=ANNA.upn
    )
    channel = new_channel()
    for who, text in (
        (ANNA, "setup Östersund"),
        (ANNA, "möte ny första tisdagen varje månad 13-15 | Rummet"),
        (ANNA, "dagordning lägg till Vårdplanering vid utskrivning"),
        (BO, "dagordning lägg till Bos punkt"),
        (ANNA, "beslut Vi provar gemensam vårdplanering"),
        (ANNA, "ärende Hinder vid utskrivning"),
        (ANNA, "språk en"),
    ):
        assert await harness.say(harness.teams.channel_message(channel, who, text)) in (200, 202)
    async with harness.db.session() as s:  # both answered "Jag kommer" to the first meeting
        occ = (await s.execute(select(MeetingOccurrence))).scalars().first()
        assert occ is not None and occ.id is not None
        for who in (ANNA, BO):
            s.add(
                Attendance(
                    occurrence_id=occ.id,
                    unit_id=occ.unit_id,
                    person_key=who.aad_object_id,
                    name=who.name,
                    coming=True,
                )
            )
        # Her personal chat with the bot, and a nudge she snoozed there.
        s.add(
            NudgeSnooze(
                tenant_id=TENANT,
                aad_object_id=ANNA.aad_object_id,
                subject="*",
                until=date(2030, 1, 1),
            )
        )
        s.add(
            Conversation(
                conversation_id=f"a:personal-{ANNA.aad_object_id}",
                kind="personal",
                tenant_id=TENANT,
                name=ANNA.name,
                user_aad_id=ANNA.aad_object_id,
                reference={"user": {"id": ANNA.channel_id, "name": ANNA.name}},
            )
        )


async def _count(db: Database, model: type, column: str, value: str) -> int:
    async with db.session() as s:
        return int(
            (
                await s.execute(
                    select(func.count()).select_from(model).where(getattr(model, column) == value)
                )
            ).scalar_one()
        )


async def test_export_then_erase_keeps_the_forums_records(harness: BotHarness) -> None:  # noqa: F811
    await _seed(harness)
    db = harness.db
    # In local mode nobody's roles are looked up, so the UPN link is made here, as the
    # roster lookup does with credentials (tests/bot/test_roles_http.py).
    async with db.session() as s:
        await channels_repo.remember_person(s, TENANT, ANNA.aad_object_id, upn=ANNA.upn)
    async with db.session() as s:
        data = await privacy_repo.export_person(s, ANNA.upn.upper())  # by UPN, any case
    assert ANNA.aad_object_id.lower() in data["identifiers"]
    assert data["people"][0]["language"] == "en"
    assert data["role_assignments"][0]["role"] == "coordinator"
    assert [r["text"] for r in data["agenda_items.proposed_by"]] == [
        "Vårdplanering vid utskrivning"
    ]
    assert data["meeting_decisions.decided_by"][0]["text"] == "Vi provar gemensam vårdplanering"
    assert data["items.created_by"][0]["title"] == "Hinder vid utskrivning"
    assert data["item_events.actor"]
    # Seen in the channel (scope: what her personal chat may show), erased with her.
    assert [r["aad_object_id"] for r in data["channel_members"]] == [ANNA.aad_object_id.lower()]
    assert "not linked to any person" in data["pulse_answers"]
    assert [r["name"] for r in data["meeting_attendance"]] == [ANNA.name]
    assert [r["subject"] for r in data["nudge_snoozes"]] == ["*"]
    assert [r["name"] for r in data["conversations.personal"]] == [ANNA.name]
    assert "Bos punkt" not in json.dumps(data, ensure_ascii=False)

    async with db.session() as s:
        counts = await privacy_repo.erase_person(s, ANNA.aad_object_id, SECRET)
    assert counts["people"] == 1 and counts["role_assignments"] == 1
    assert counts["meeting_attendance"] == 1
    assert counts["nudge_snoozes"] == 1 and counts["conversations.personal"] == 1
    alias = privacy_repo.pseudonym(SECRET, sorted({ANNA.aad_object_id.lower(), ANNA.upn}))
    # The records are all still there, under the pseudonym.
    assert await _count(db, Decision, "decided_by", alias) == 1
    assert await _count(db, Item, "created_by", alias) == 1
    assert await _count(db, AgendaItem, "proposed_by_name", alias) == 1
    assert await _count(db, ItemEvent, "actor", alias) >= 1
    assert await _count(db, ChannelBinding, "bound_by", alias) == 1
    async with db.session() as s:
        assert await s.get(Person, (TENANT, ANNA.aad_object_id)) is None
        assert (await s.execute(select(func.count()).select_from(RoleAssignment))).scalar_one() == 0
        after = await privacy_repo.export_person(s, ANNA.aad_object_id)
        assert (await s.execute(select(func.count()).select_from(Decision))).scalar_one() == 1
    assert [k for k in after if k not in ("identifiers", "pulse_answers")] == [
        "people",
        "role_assignments",
        "digest_subscriptions",
        "channel_members",
        "meeting_attendance",
        "nudge_snoozes",
        "conversations.personal",
    ]
    assert not after["people"] and not after["role_assignments"] and not after["channel_members"]
    assert not after["meeting_attendance"] and not after["nudge_snoozes"]
    assert not after["conversations.personal"]  # kept for the outbox, but naming no one
    async with db.read() as s:
        [chat] = (
            await s.execute(select(Conversation).where(col(Conversation.kind) == "personal"))
        ).scalars()
    assert not chat.active and chat.reference == {} and chat.name is None
    assert ANNA.name not in json.dumps(chat.reference) and chat.user_aad_id == alias
    # Bo's row is untouched.
    async with db.session() as s:
        bo = await privacy_repo.export_person(s, BO.aad_object_id)
    assert [r["text"] for r in bo["agenda_items.proposed_by"]] == ["Bos punkt"]
    assert [r["name"] for r in bo["meeting_attendance"]] == [BO.name]


@pytest.fixture
def cli_env(db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv("DATABASE_URL", db_url)
    monkeypatch.setenv("SAMVERKAN_SECRET", SECRET)
    monkeypatch.chdir(tmp_path)
    return db_url


def test_cli_export_and_erase(cli_env: str) -> None:
    import asyncio

    async def seed() -> None:
        db = Database(cli_env)
        await add_units(db, COUNTY, [("Östersund", ANNA.upn, "coordinator")])
        async with db.session() as s:
            s.add(Person(aad_object_id=ANNA.aad_object_id, upn=ANNA.upn, language="sv"))
        await db.dispose()

    asyncio.run(seed())
    runner = CliRunner()
    result = runner.invoke(app, ["privacy", "export", "--user", ANNA.aad_object_id])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["role_assignments"][0]["person"] == ANNA.upn
    result = runner.invoke(app, ["privacy", "erase", "--user", ANNA.upn, "--yes"])
    assert result.exit_code == 0, result.output
    assert "role_assignments: 1" in result.stdout and "people: 1" in result.stdout
    assert "not linked to any person" in result.stdout
    result = runner.invoke(app, ["privacy", "export", "--user", ANNA.aad_object_id])
    assert json.loads(result.stdout)["role_assignments"] == []
