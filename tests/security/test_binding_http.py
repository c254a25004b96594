"""Binding changes over HTTP (JWT on, real roles; SQLite and PostgreSQL).

A channel that serves one unit is only given to another with a coordinator of the unit it
serves (or an admin) and after a confirm card; binding only ever happens in a channel.
"""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select
from sqlmodel import SQLModel, col

from storage.models import ChannelBinding
from tests.cardschema import assert_valid_card
from tests.fakes.issuer import LocalIssuer
from tests.security.scope_world import (
    A_COORD,
    B_COORD,
    TOP_COORD,
    A,
    B,
    World,
    all_text,
    build,
    group_chat,
    personal,
    say,
)
from tests.support.harness import BotHarness, connector, secured  # noqa: F401
from tests.teams import Channel, TeamsUser

Secured = tuple[BotHarness, LocalIssuer]


async def bound(w: World) -> dict[int, str]:
    """Unit id -> the channel (conversation id) it is bound to now."""
    async with w.h.db.read() as s:
        rows = await s.execute(
            select(
                col(ChannelBinding.unit_id),
                SQLModel.metadata.tables["conversations"].c.conversation_id,
            )
            .join(
                SQLModel.metadata.tables["conversations"],
                SQLModel.metadata.tables["conversations"].c.id == ChannelBinding.conversation_pk,
            )
            .where(col(ChannelBinding.active).is_(True))
        )
        return {unit: conv for unit, conv in rows.all()}


async def rows_of(w: World, *tables: str) -> dict[str, list[str]]:
    async with w.h.db.read() as s:
        return {
            t: sorted(
                repr(tuple(r)) for r in (await s.execute(select(SQLModel.metadata.tables[t]))).all()
            )
            for t in tables
        }


async def in_channel(w: World, channel: Channel, who: TeamsUser, text: str) -> dict[str, Any]:
    return await say(w.h, w.h.teams.channel_message(channel, who, text), channel.conversation_id)


def move_buttons(reply: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    [attachment] = reply["attachments"]
    card = attachment["content"]
    assert_valid_card(card)
    yes = next(a["data"] for a in card["actions"] if a["data"]["action"] == "setup.move")
    no = next(a["data"] for a in card["actions"] if a["data"]["action"] == "setup.keep")
    return yes, no


async def submit(
    w: World, channel: Channel, who: TeamsUser, data: dict[str, Any]
) -> dict[str, Any]:
    return await say(w.h, w.h.teams.card_submit(channel, who, data), channel.conversation_id)


async def test_koppla_own_unit_in_another_units_channel_is_refused(secured: Secured) -> None:  # noqa: F811
    h, _ = secured
    w = await build(h, bind_a=False)  # A has no channel yet; B's channel serves B
    before = await bound(w)
    assert before == {w.units[B]: w.b.conversation_id}

    refused = all_text(await in_channel(w, w.b, A_COORD, f"koppla {A}"))
    # Told what it takes: a coordinator of the unit the channel serves.
    assert B in refused and B_COORD.upn in refused and "samordnare" in refused
    assert await bound(w) == before

    # A forged confirm card naming this channel's binding: refused the same way.
    here = (await _binding_ids(w))[w.units[B]]
    forged = {"action": "setup.move", "unit_id": w.units[A], "here_binding_id": here}
    refused = all_text(await submit(w, w.b, A_COORD, forged))
    assert B_COORD.upn in refused
    assert await bound(w) == before


async def test_moving_own_unit_into_another_units_channel_is_refused(secured: Secured) -> None:  # noqa: F811
    h, _ = secured
    w = await build(h)  # A and B each have a channel
    before = await bound(w)
    refused = all_text(await in_channel(w, w.b, A_COORD, f"koppla {A}"))
    assert B_COORD.upn in refused and "attachments" not in refused
    ids = await _binding_ids(w)
    forged = {
        "action": "setup.move",
        "unit_id": w.units[A],
        "binding_id": ids[w.units[A]],
        "here_binding_id": ids[w.units[B]],
    }
    refused = all_text(await submit(w, w.b, A_COORD, forged))
    assert B_COORD.upn in refused
    assert await bound(w) == before


async def test_rebinding_takes_the_served_units_coordinator_and_a_confirmation(
    secured: Secured,  # noqa: F811
) -> None:
    h, _ = secured
    w = await build(h, bind_a=False)
    before = await bound(w)
    # Rut coordinates Rådet, so both Östersund and Krokom: she is asked first.
    ask = await in_channel(w, w.b, TOP_COORD, f"koppla {A}")
    assert "Koppla kanalen till" in all_text(ask) and B in all_text(ask)
    yes, no = move_buttons(ask)
    assert await bound(w) == before  # nothing before the confirmation

    # The card pressed by someone who coordinates only Östersund: refused, nothing changes.
    assert B_COORD.upn in all_text(await submit(w, w.b, A_COORD, yes))
    assert await bound(w) == before
    # "No": nothing changes.
    assert "ligger kvar" in all_text(await submit(w, w.b, TOP_COORD, no))
    assert await bound(w) == before

    done = all_text(await submit(w, w.b, TOP_COORD, yes))
    assert "Klart" in done and B in done  # and it says Krokom lost its channel
    assert await bound(w) == {w.units[A]: w.b.conversation_id}
    # Pressed again: the bindings have changed since, so nothing happens.
    assert "gäller inte längre" in all_text(await submit(w, w.b, TOP_COORD, yes))
    assert await bound(w) == {w.units[A]: w.b.conversation_id}


@pytest.mark.parametrize("where", ["personal", "groupChat"])
async def test_binding_happens_only_in_a_channel(secured: Secured, where: str) -> None:  # noqa: F811
    h, _ = secured
    w = await build(h)
    ids = await _binding_ids(w)
    watched = ("channel_bindings", "conversations", "audit_log")
    before = await rows_of(w, *watched)

    def there(act: dict[str, Any]) -> dict[str, Any]:
        return personal(act, A_COORD) if where == "personal" else group_chat(act)

    conversation = f"a:{A_COORD.aad_object_id}" if where == "personal" else "19:groupchat-1"
    card = {"unit_id": w.units[A], "binding_id": ids[w.units[A]]}
    for act in (
        h.teams.channel_message(w.a, A_COORD, f"koppla {A}"),
        h.teams.card_submit(w.a, A_COORD, {"action": "setup.move", **card}),
        h.teams.card_submit(w.a, A_COORD, {"action": "setup.keep", **card}),
    ):
        reply = await say(h, there(act), conversation)
        assert "bara i en kanal" in all_text(reply), reply
    status, body = await h.post(
        there(h.teams.invoke_action(w.a, A_COORD, "setup.move", card)),
        {"Authorization": f"Bearer {h.token}"},
    )
    assert status == 200 and "bara i en kanal" in all_text(body)
    assert await rows_of(w, *watched) == before


async def _binding_ids(w: World) -> dict[int, int]:
    async with w.h.db.read() as s:
        rows = await s.execute(
            select(col(ChannelBinding.unit_id), col(ChannelBinding.id)).where(
                col(ChannelBinding.active).is_(True)
            )
        )
        return {unit: bid for unit, bid in rows.all() if bid is not None}
