"""A coordinator installs the bot, binds a channel and asks for help — over HTTP."""

from __future__ import annotations

from sqlalchemy import select
from sqlmodel import col

from storage.models import ChannelBinding, Conversation
from tests.cardschema import assert_valid_card
from tests.support.harness import BotHarness, add_units, user
from tests.teams import new_channel

COUNTY = {
    "Regionens samverkansråd": None,
    "Östersund": "Regionens samverkansråd",
    "Krokom": "Regionens samverkansråd",
}


async def test_install_in_team_stores_reference_and_welcomes_with_unbound_units(
    harness: BotHarness,
) -> None:
    await add_units(harness.db, COUNTY)
    channel = new_channel()
    status, _ = await harness.post(harness.teams.install_in_team(channel, user()))
    assert status in (200, 202)
    welcome = await harness.connector.wait_for(
        lambda p: p.conversation_id == channel.conversation_id
    )
    [card] = welcome.cards
    assert_valid_card(card)
    texts = str(card)
    assert "Östersund" in texts and "Krokom" in texts and "setup" in texts
    async with harness.db.session() as s:
        conv = (await s.execute(select(Conversation))).scalar_one()
    assert conv.conversation_id == channel.conversation_id
    assert conv.reference["serviceUrl"].startswith("http://127.0.0.1")
    assert conv.active


async def test_setup_binds_channel_and_help_lists_commands(harness: BotHarness) -> None:
    await add_units(harness.db, COUNTY)
    channel = new_channel()
    await harness.post(harness.teams.install_in_team(channel, user()))
    # Local mode: the person at the keyboard is admin.
    status, _ = await harness.post(
        harness.teams.channel_message(channel, user(), "/setup östersund")
    )
    assert status in (200, 202)
    done = await harness.connector.wait_for(lambda p: "Östersund" in p.text and "Klart" in p.text)
    assert done.reply_to is None or done.conversation_id.startswith(channel.conversation_id)
    async with harness.db.session() as s:
        binding = (
            await s.execute(select(ChannelBinding).where(col(ChannelBinding.active).is_(True)))
        ).scalar_one()
    assert binding.team_id == channel.team_id

    await harness.post(harness.teams.channel_message(channel, user(), "HJÄLP"))
    help_post = await harness.connector.wait_for(
        lambda p: any("kommandon" in str(c) for c in p.cards)
    )
    [card] = help_post.cards
    assert_valid_card(card)
    assert "Östersund" in str(card)
    assert "**koppla**" in str(card)


async def test_near_miss_unit_name_gets_suggestions(harness: BotHarness) -> None:
    await add_units(harness.db, COUNTY)
    channel = new_channel()
    await harness.post(harness.teams.channel_message(channel, user(), "setup Östersnd"))
    reply = await harness.connector.wait_for(lambda p: "Menade du" in p.text)
    assert "Östersund" in reply.text
    async with harness.db.session() as s:
        assert (await s.execute(select(ChannelBinding))).first() is None


async def test_unknown_command_suggests_and_shows_help(harness: BotHarness) -> None:
    channel = new_channel()
    await harness.post(harness.teams.channel_message(channel, user(), "hjälpp"))
    reply = await harness.connector.wait_for(lambda p: bool(p.cards))
    assert "Menade du" in str(reply.cards[0]) and "hjälp" in str(reply.cards[0])
    assert_valid_card(reply.cards[0])


async def test_english_user_gets_english_help(harness: BotHarness) -> None:
    channel = new_channel()
    act = harness.teams.channel_message(channel, user(), "help")
    act["locale"] = "en-GB"
    await harness.post(act)
    reply = await harness.connector.wait_for(lambda p: bool(p.cards))
    assert "commands" in str(reply.cards[0])


async def test_binding_an_already_bound_unit_asks_before_moving(harness: BotHarness) -> None:
    await add_units(harness.db, COUNTY)
    first, second = new_channel("Team A"), new_channel("Team B")
    for ch in (first, second):
        await harness.post(harness.teams.install_in_team(ch, user()))
    await harness.post(harness.teams.channel_message(first, user(), "setup Krokom"))
    await harness.connector.wait_for(lambda p: "Klart" in p.text)
    await harness.post(harness.teams.channel_message(second, user(), "setup Krokom"))
    ask = await harness.connector.wait_for(lambda p: any("Flytta" in str(c) for c in p.cards))
    [card] = ask.cards
    assert_valid_card(card)
    yes = next(a for a in card["actions"] if a["data"]["action"] == "setup.move")

    # Nothing moved before the confirmation.
    async with harness.db.session() as s:
        bound = (
            (await s.execute(select(ChannelBinding).where(col(ChannelBinding.active).is_(True))))
            .scalars()
            .all()
        )
    assert [b.team_id for b in bound] == [first.team_id]

    await harness.post(harness.teams.card_submit(second, user(), yes["data"], reply_to=ask.id))
    await harness.connector.wait_for(
        lambda p: p.conversation_id.startswith(second.conversation_id) and "Klart" in p.text
    )
    async with harness.db.session() as s:
        bound = (
            (await s.execute(select(ChannelBinding).where(col(ChannelBinding.active).is_(True))))
            .scalars()
            .all()
        )
    assert [b.team_id for b in bound] == [second.team_id]

    # Pressing the same (now stale) button again changes nothing and says so.
    before = len(harness.connector.posted)
    await harness.post(harness.teams.card_submit(second, user(), yes["data"], reply_to=ask.id))
    stale = await harness.connector.wait_for(lambda p: "gäller inte längre" in p.text)
    assert harness.connector.posted.index(stale) >= before


async def test_removing_the_bot_deactivates_bindings(harness: BotHarness) -> None:
    await add_units(harness.db, COUNTY)
    channel = new_channel()
    await harness.post(harness.teams.install_in_team(channel, user()))
    await harness.post(harness.teams.channel_message(channel, user(), "setup Krokom"))
    await harness.connector.wait_for(lambda p: "Klart" in p.text)
    status, _ = await harness.post(harness.teams.remove_from_team(channel, user()))
    assert status in (200, 202)
    async with harness.db.session() as s:
        binding = (await s.execute(select(ChannelBinding))).scalar_one()
        conv = (await s.execute(select(Conversation))).scalar_one()
    assert not binding.active and not conv.active
