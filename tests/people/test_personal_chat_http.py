"""The personal chat works for the commands the manifest lists there, with real roles
(JWT on) over HTTP: `ärenden` / `puls` for the person's only unit, a choice card where
they belong to several, a refusal for a unit they have no part in; `mitt` with its row
buttons; the nudge preference and snoozes within the maximum."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from sqlmodel import col, select

from cards.nudges import SNOOZE_VERB
from storage.meeting_models import ActionItem
from storage.people_models import NudgeSnooze
from tests.cardschema import assert_valid_card
from tests.fakes.issuer import LocalIssuer
from tests.support.harness import BotHarness, add_units
from tests.teams import TeamsUser

TREE = {"Region": None, "Östersund": "Region", "Berg": "Region", "Åre": "Region"}
SARA = TeamsUser("Sara Lind", upn="sara@example.se")  # coordinator of Östersund and Berg
NILS = TeamsUser("Nils Ek", upn="nils@example.se")  # coordinator of Åre only
ANNA = TeamsUser("Anna Berg", upn="anna@example.se")  # no role anywhere


async def _setup(h: BotHarness) -> dict[str, int]:
    ids = await add_units(
        h.db,
        TREE,
        [
            ("Östersund", SARA.upn, "coordinator"),
            ("Berg", SARA.upn, "coordinator"),
            ("Åre", NILS.upn, "coordinator"),
        ],
    )
    for who in (SARA, NILS, ANNA):
        h.connector.add_member(
            who.channel_id, aad_object_id=who.aad_object_id, name=who.name, upn=who.upn
        )
        await h.say(h.teams.personal_install(who))
    return ids


async def _ask(h: BotHarness, who: TeamsUser, text: str) -> dict[str, object]:
    before = len(h.connector.posted)
    assert await h.say(h.teams.personal_message(who, text)) in (200, 202)
    posted = await h.connector.wait_for(
        lambda p: (
            h.connector.posted.index(p) >= before and p.conversation_id == f"a:{who.aad_object_id}"
        )
    )
    return posted.activity


def _personal_invoke(
    h: BotHarness, who: TeamsUser, verb: str, data: dict[str, object]
) -> dict[str, object]:
    act = h.teams.personal_message(who, "")
    act.pop("text")
    act["type"] = "invoke"
    act["name"] = "adaptiveCard/action"
    act["value"] = {
        "action": {"type": "Action.Execute", "verb": verb, "data": data},
        "trigger": "manual",
    }
    return act


async def _press(h: BotHarness, who: TeamsUser, verb: str, data: dict[str, object]) -> str:
    status, body = await h.post(
        _personal_invoke(h, who, verb, data), {"Authorization": f"Bearer {h.token}"}
    )
    assert status == 200
    return str(body)


def _card(activity: dict[str, Any]) -> dict[str, Any]:
    [attachment] = activity["attachments"]
    card: dict[str, Any] = attachment["content"]
    assert_valid_card(card)
    return card


async def test_items_and_pulse_in_the_personal_chat(
    secured: tuple[BotHarness, LocalIssuer],
) -> None:
    h, _ = secured
    await _setup(h)
    # One unit: its items, no question asked.
    only = _card(await _ask(h, NILS, "ärenden"))
    assert "Åre" in str(only)
    # Several units: a choice card whose buttons type the command with the unit.
    choice = _card(await _ask(h, SARA, "ärenden"))
    values = [a["data"]["msteams"]["value"] for a in choice["body"][1]["actions"]]
    assert values == ["ärenden Berg", "ärenden Östersund"]
    chosen = _card(await _ask(h, SARA, "ärenden Östersund"))
    assert "Östersund" in str(chosen) and "Berg" not in str(chosen)
    # A unit she has no part in: refused (unit names are public), nothing of it shown.
    refused = await _ask(h, SARA, "ärenden Åre")
    assert "Du hör inte till Åre" in str(refused["text"])
    assert "Du hör inte till någon enhet" in str((await _ask(h, ANNA, "ärenden"))["text"])
    # The pulse: its status for the only unit (none open), and never a way to start it here.
    status = await _ask(h, NILS, "puls")
    assert "Åre" in str(status.get("text"))
    assert "enhetens kanal" in str((await _ask(h, NILS, "puls starta"))["text"])


async def test_mine_with_row_buttons_preference_and_snooze(
    secured: tuple[BotHarness, LocalIssuer],
) -> None:
    h, _ = secured
    ids = await _setup(h)
    today = date.today()
    async with h.db.session() as s:
        for text, due in (
            ("Boka lokal", today - timedelta(days=5)),
            ("Skicka protokoll", today + timedelta(days=30)),
        ):
            s.add(
                ActionItem(
                    unit_id=ids["Östersund"], text=text, owner_aad_id=SARA.aad_object_id,
                    owner_name=SARA.name, due=due,
                )
            )  # fmt: skip
        s.add(
            ActionItem(
                unit_id=ids["Åre"], text="Nils uppgift", owner_aad_id=NILS.aad_object_id,
                owner_name=NILS.name, due=today,
            )
        )  # fmt: skip
    mine = _card(await _ask(h, SARA, "mitt"))
    shown = str(mine)
    assert "Boka lokal" in shown and "försenad" in shown and "Skicka protokoll" in shown
    assert "Nils uppgift" not in shown  # someone else's action in another unit
    done = [
        a
        for c in mine["body"]
        if isinstance(c, dict) and c.get("type") == "Container"
        for a in c["items"][1]["actions"]
        if a.get("verb") == "action.done"
    ]
    assert len(done) == 2
    await _press(h, SARA, "action.done", done[0]["data"])
    async with h.db.session() as s:
        statuses = sorted(
            a.status
            for a in (
                await s.execute(
                    select(ActionItem).where(col(ActionItem.owner_aad_id) == SARA.aad_object_id)
                )
            ).scalars()
        )
    assert statuses == ["done", "open"]

    assert "Nu: daily" in str((await _ask(h, SARA, "påminnelser"))["text"])
    assert "måndagar" in str((await _ask(h, SARA, "påminnelser veckovis"))["text"])
    assert "jag påminner dig igen" in str((await _ask(h, SARA, "påminn mig om 3 dagar"))["text"])
    assert "högst 14 dagar" in str((await _ask(h, SARA, "snooze 30 days"))["text"])
    async with h.db.session() as s:
        [snooze] = (await s.execute(select(NudgeSnooze))).scalars().all()
    assert (snooze.subject, snooze.until) == ("*", today + timedelta(days=3))
    # A row's button snoozes that row only; beyond the maximum it is refused.
    assert "jag påminner dig igen" in await _press(
        h, SARA, SNOOZE_VERB, {"subject": "action:1", "days": 3}
    )
    assert "högst 14 dagar" in await _press(
        h, SARA, SNOOZE_VERB, {"subject": "action:1", "days": 99}
    )
    bad = await _press(h, SARA, SNOOZE_VERB, {"subject": "<script>", "days": 3})
    assert "känner jag inte igen" in bad
