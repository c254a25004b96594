"""Scope over HTTP (JWT on, real roles; SQLite and PostgreSQL): a unit's items, meetings,
agenda, action items, pulses and digests show only where they belong.

Every command and card action that carries an id of another unit's data, tried by a
person with no role from their personal chat and by another unit's coordinator from
their own channel, answers exactly as an id that does not exist, and stores nothing.
The rightful people still can.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest
from sqlalchemy import delete, select, update
from sqlmodel import col

from storage.item_models import Item, ItemEvent
from storage.meeting_models import ActionItem, AgendaItem
from storage.models import ChannelBinding, Conversation, RoleAssignment
from storage.pulse_models import PulseRespondent
from tests.fakes.issuer import LocalIssuer
from tests.security.scope_world import (
    A_COORD,
    B_COORD,
    B_STAFF,
    MISSING,
    OUTSIDER,
    TOP_COORD,
    TOP_MANAGER,
    B,
    World,
    all_text,
    build,
    fingerprint,
    members_event,
    message_shape,
    normalised,
    personal,
    press,
    say,
)
from tests.support.harness import BotHarness, connector, secured  # noqa: F401
from tests.teams import TeamsUser

CARD = "application/vnd.microsoft.card.adaptive"
Secured = tuple[BotHarness, LocalIssuer]


@dataclass(frozen=True)
class Probe:
    """One command (text) or card action (verb + data), with the same for a missing id."""

    name: str
    real: str | dict[str, Any]
    missing: str | dict[str, Any]
    verb: str | None = None


def probes(w: World) -> list[Probe]:
    item = {"item_id": w.item, "version": w.version}
    gone = {"item_id": MISSING, "version": 1}
    item_inputs = {
        "item.comment": {"comment": "Jag tittar på det"},
        "item.assign": {"owner": "Olof"},
        "item.acknowledge": {"due": "2099-01-01", "owner": "Olof"},
        "item.resolve": {"answer": "Löst"},
        "item.send_back": {"comment": "Tillbaka"},
        "item.escalate": {"reason": "Högre upp"},
    }
    answer = {"q_collab": "4", "q_contact": "yes"}
    out = [
        Probe("visa", f"visa {w.item}", f"visa {MISSING}"),
        Probe("lyft", f"lyft {w.item} Högre upp", f"lyft {MISSING} Högre upp"),
        Probe("beslut lyft", f"beslut lyft #{w.item} Högre", f"beslut lyft #{MISSING} Högre"),
        Probe("klar", f"klar {w.action}", f"klar {MISSING}"),
    ]
    out += [
        Probe(verb, {**item, **extra}, {**gone, **extra}, verb)
        for verb, extra in item_inputs.items()
    ]
    out += [
        Probe(
            "agenda.add",
            {"occurrence_id": w.occurrence, "text": "Min punkt"},
            {"occurrence_id": MISSING, "text": "Min punkt"},
            "agenda.add",
        ),
        Probe(
            "agenda.status",
            {"item_id": w.agenda_item, "occurrence_id": w.occurrence, "status": "accepted"},
            {"item_id": MISSING, "occurrence_id": w.occurrence, "status": "accepted"},
            "agenda.status",
        ),
        Probe("action.done", {"action_id": w.action}, {"action_id": MISSING}, "action.done"),
        Probe(
            "digest.expand",
            {"unit_id": w.units[B], "expanded": True},
            {"unit_id": MISSING, "expanded": True},
            "digest.expand",
        ),
        Probe(
            "digest.county_units",
            {"unit_id": w.units[B], "indicator": "x", "page": 1},
            {"unit_id": MISSING, "indicator": "x", "page": 1},
            "digest.county_units",
        ),
        Probe(
            "pulse.answer",
            {"pulse": w.pulse, **answer},
            {"pulse": "no-such-pulse", **answer},
            "pulse.answer",
        ),
        Probe("pulse.edit", {"pulse": w.pulse}, {"pulse": "no-such-pulse"}, "pulse.edit"),
        Probe("pulse.refresh", {"pulse": w.pulse}, {"pulse": "no-such-pulse"}, "pulse.refresh"),
        Probe(
            "pulse.comment_item",
            {"pulse": w.pulse, "comment": "0" * 32},
            {"pulse": "no-such-pulse", "comment": "0" * 32},
            "pulse.comment_item",
        ),
    ]
    return out


# Who attacks, and from where: ("personal", person) or ("channel A", person).
ATTACKERS = {
    "no-role-personal-chat": (OUTSIDER, "personal"),
    "coordinator-of-A-in-A-channel": (A_COORD, "channel A"),
}


async def attempt(w: World, who: TeamsUser, where: str, probe: Probe, what: Any) -> str:
    """The reply to one try, with ids taken out (see `normalised`)."""
    h = w.h
    if probe.verb is None:
        if where == "personal":
            act = h.teams.personal_message(who, what)
            conversation = f"a:{who.aad_object_id}"
        else:
            act = h.teams.channel_message(w.a, who, what)
            conversation = w.a.conversation_id
        return repr(message_shape(await say(h, act, conversation)))
    act = h.teams.invoke_action(w.a, who, probe.verb, what)
    if where == "personal":
        act = personal(act, who)
    return normalised(await press(h, act))


@pytest.mark.parametrize("attacker", sorted(ATTACKERS))
async def test_another_units_ids_answer_not_found_and_change_nothing(
    secured: Secured,  # noqa: F811
    attacker: str,
) -> None:
    h, _ = secured
    w = await build(h)
    who, where = ATTACKERS[attacker]
    for probe in probes(w):
        before = await fingerprint(h.db)
        got = await attempt(w, who, where, probe, probe.real)
        assert await fingerprint(h.db) == before, f"{probe.name} changed something"
        expected = await attempt(w, who, where, probe, probe.missing)
        # Word for word what a non-existent id gets: the answer tells nothing about B.
        assert got == expected, (probe.name, got, expected)
        assert "Krokom" not in got and "Hinder" not in got, (probe.name, got)


async def test_the_rightful_people_can(secured: Secured) -> None:  # noqa: F811
    h, _ = secured
    w = await build(h)
    item = {"item_id": w.item, "version": w.version}

    # B's staff, from their personal chat (they were seen in B's channel): read, comment,
    # propose an agenda item.
    chat = f"a:{B_STAFF.aad_object_id}"
    shown = await say(h, h.teams.personal_message(B_STAFF, f"visa {w.item}"), chat)
    assert "Hinder i Krokom" in all_text(shown) and shown.get("attachments")
    act = h.teams.invoke_action(w.b, B_STAFF, "item.comment", {**item, "comment": "Jag kollar"})
    assert (await press(h, personal(act, B_STAFF)))["type"] == CARD
    act = h.teams.invoke_action(
        w.b, B_STAFF, "agenda.add", {"occurrence_id": w.occurrence, "text": "Berits punkt"}
    )
    assert (await press(h, personal(act, B_STAFF)))["type"] == CARD

    # In B's channel: the same, and the pulse.
    shown = await say(h, h.teams.channel_message(w.b, B_STAFF, f"visa {w.item}"), w.b.channel_id)
    assert "Hinder i Krokom" in all_text(shown) and shown.get("attachments")
    act = h.teams.invoke_action(
        w.b, B_STAFF, "pulse.answer", {"pulse": w.pulse, "q_collab": "4", "q_contact": "yes"}
    )
    assert (await press(h, act))["type"] == CARD
    for verb in ("pulse.refresh", "pulse.edit"):
        act = h.teams.invoke_action(w.b, B_STAFF, verb, {"pulse": w.pulse})
        assert (await press(h, act))["type"] == CARD

    # B's coordinator, from a personal chat (their role): the coordinator's buttons too.
    act = h.teams.invoke_action(w.b, B_COORD, "item.assign", {**item, "owner": "Berit"})
    assert (await press(h, personal(act, B_COORD)))["type"] == CARD
    data = {"item_id": w.agenda_item, "occurrence_id": w.occurrence, "status": "accepted"}
    act = h.teams.invoke_action(w.b, B_COORD, "agenda.status", data)
    assert (await press(h, personal(act, B_COORD)))["type"] == CARD
    act = h.teams.invoke_action(w.b, B_COORD, "digest.expand", {"unit_id": w.units[B]})
    assert (await press(h, personal(act, B_COORD)))["type"] == CARD
    act = h.teams.invoke_action(w.b, B_COORD, "action.done", {"action_id": w.action})
    assert "är klar" in all_text(await press(h, personal(act, B_COORD)))
    # The county's coordinator reaches B from above: roles inherit down the chain.
    chat = f"a:{TOP_COORD.aad_object_id}"
    shown = await say(h, h.teams.personal_message(TOP_COORD, f"visa {w.item}"), chat)
    assert "Hinder i Krokom" in all_text(shown)
    chat = f"a:{B_COORD.aad_object_id}"
    lifted = await say(h, h.teams.personal_message(B_COORD, f"lyft {w.item} Behöver länet"), chat)
    assert "Rådet" in all_text(lifted)

    async with h.db.read() as s:
        trail = (
            (await s.execute(select(col(ItemEvent.event)).where(col(ItemEvent.item_id) == w.item)))
            .scalars()
            .all()
        )
        row = await s.get(Item, w.item)
        proposals = (await s.execute(select(col(AgendaItem.text)))).scalars().all()
        agenda = await s.get(AgendaItem, w.agenda_item)
        action = await s.get(ActionItem, w.action)
        answers = (await s.execute(select(PulseRespondent))).scalars().all()
    assert {"commented", "assigned", "escalated"} <= set(trail)
    assert row is not None and row.current_unit_id == w.units["Rådet"]  # lifted last
    assert "Berits punkt" in proposals
    assert agenda is not None and agenda.status == "accepted"
    assert action is not None and action.status == "done"
    assert len(answers) == 1


async def test_teams_membership_gives_reach_from_the_personal_chat_and_leaving_ends_it(
    secured: Secured,  # noqa: F811
) -> None:
    h, _ = secured
    w = await build(h)
    nora = TeamsUser(name="Nora Ny", upn="nora.ny@example.se")
    h.connector.add_member(
        nora.channel_id, aad_object_id=nora.aad_object_id, name=nora.name, upn=nora.upn
    )
    chat = f"a:{nora.aad_object_id}"
    missing = message_shape(await say(h, h.teams.personal_message(nora, f"visa {MISSING}"), chat))

    async def visa() -> dict[str, Any]:
        return await say(h, h.teams.personal_message(nora, f"visa {w.item}"), chat)

    assert message_shape(await visa()) == missing  # not in B's team (yet): not found
    assert await h.say(members_event(h, w.b, nora, added=True)) in (200, 202)
    shown = await visa()
    assert "Hinder i Krokom" in all_text(shown) and shown.get("attachments")
    assert await h.say(members_event(h, w.b, nora, added=False)) in (200, 202)
    assert message_shape(await visa()) == missing


async def test_a_channel_shows_only_its_own_units_digest(secured: Secured) -> None:  # noqa: F811
    h, _ = secured
    w = await build(h)
    # Maja manages Rådet, so both A and B; in A's channel everyone would see what she asks.
    asked = await say(
        h, h.teams.channel_message(w.a, TOP_MANAGER, "sammanställning Krokom"), w.a.channel_id
    )
    assert "bara kanalens egen enhet" in all_text(asked) and not asked.get("attachments")
    act = h.teams.invoke_action(w.a, TOP_MANAGER, "digest.expand", {"unit_id": w.units[B]})
    gone = h.teams.invoke_action(w.a, TOP_MANAGER, "digest.expand", {"unit_id": MISSING})
    assert normalised(await press(h, act)) == normalised(await press(h, gone))

    # A's own digest in A's channel, and B's in her personal chat, still come.
    own = await say(h, h.teams.channel_message(w.a, TOP_MANAGER, "sammanställning"), w.a.channel_id)
    assert own.get("attachments") and "Östersund" in all_text(own)
    chat = f"a:{TOP_MANAGER.aad_object_id}"
    theirs = await say(h, h.teams.personal_message(TOP_MANAGER, "sammanställning Krokom"), chat)
    assert theirs.get("attachments") and "Krokom" in all_text(theirs)


CHANNEL_UNIT_COMMANDS = (
    "ärende Något i en chatt",
    "möte",
    "möte ny första onsdagen varje månad 9-10",
    "dagordning",
    "dagordning lägg till Från chatten",
    "beslut Vi bestämmer i chatten",
    "åtgärd Gör något",
    "åtgärder",
    "klar 1",
    "protokoll",
)
# Listed for the personal chat in the manifest: they answer there for the person's own
# units (their roles, the channels they were seen in), never through a chat binding.
PERSONAL_UNIT_COMMANDS = ("ärenden", "puls", "puls start")


async def test_this_channels_unit_is_never_a_personal_chat(secured: Secured) -> None:  # noqa: F811
    h, _ = secured
    w = await build(h)
    # What the old `setup.move` from a personal chat left behind: B bound to a chat.
    chat = f"a:{B_COORD.aad_object_id}"
    await say(h, h.teams.personal_install(B_COORD), chat)  # the bot stores the chat
    async with h.db.session() as s:
        conv = (
            await s.execute(select(Conversation).where(col(Conversation.conversation_id) == chat))
        ).scalar_one()
        await s.execute(
            update(ChannelBinding)
            .where(col(ChannelBinding.unit_id) == w.units[B])
            .values(conversation_pk=conv.id)
        )
    for text in CHANNEL_UNIT_COMMANDS:
        before = await fingerprint(h.db)
        reply = await say(h, h.teams.personal_message(B_COORD, text), chat)
        assert "inte kopplad" in all_text(reply) and not reply.get("attachments"), text
        assert await fingerprint(h.db) == before, text
    for text in PERSONAL_UNIT_COMMANDS:
        before = await fingerprint(h.db)
        reply = await say(h, h.teams.personal_message(B_COORD, text), chat)
        assert "inte kopplad" not in all_text(reply), text
        assert await fingerprint(h.db) == before, text  # nothing started, bound or stored
    assert "enhetens kanal" in all_text(
        await say(h, h.teams.personal_message(B_COORD, "puls start"), chat)
    )
    before = await fingerprint(h.db)
    act = h.teams.invoke_action(w.b, B_COORD, "item.create", {"title": "Från chatten"})
    assert "inte kopplad" in all_text(await press(h, personal(act, B_COORD)))
    assert await fingerprint(h.db) == before


async def test_a_digest_subscription_shows_nothing_once_the_role_is_gone(
    secured: Secured,  # noqa: F811
) -> None:
    h, _ = secured
    await build(h)
    chat = f"a:{TOP_MANAGER.aad_object_id}"

    async def ask(text: str) -> dict[str, Any]:
        return await say(h, h.teams.personal_message(TOP_MANAGER, text), chat)

    assert "Krokom" in all_text(await ask("sammanställning prenumerera Krokom"))
    mine = await ask("sammanställning")
    assert mine.get("attachments") and "Krokom" in all_text(mine)
    async with h.db.session() as s:  # the org file no longer names her
        await s.execute(delete(RoleAssignment).where(col(RoleAssignment.person) == TOP_MANAGER.upn))
    gone = await ask("sammanställning")
    assert not gone.get("attachments") and "Krokom" not in all_text(gone)


@pytest.mark.parametrize("where", ["personal", "channel A"])
async def test_commands_without_unit_data_work_anywhere_and_show_none(
    secured: Secured,  # noqa: F811
    where: str,
) -> None:
    h, _ = secured
    w = await build(h)
    who = OUTSIDER if where == "personal" else A_COORD

    async def ask(text: str) -> dict[str, Any]:
        if where == "personal":
            act = h.teams.personal_message(who, text)
            return await say(h, act, f"a:{who.aad_object_id}")
        return await say(h, h.teams.channel_message(w.a, who, text), w.a.channel_id)

    before = await fingerprint(h.db)
    units = all_text(await ask("enheter"))  # the chain is no secret: names and ✓ only
    assert "Krokom ✓" in units and "Hinder" not in units and "Ring kommunen" not in units
    assert "hjälp" in all_text(await ask("hjälp"))
    assert "English" in all_text(await ask("språk en"))
    assert await fingerprint(h.db) == before
