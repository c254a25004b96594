"""A proposal for the agenda waits for the coordinators' acceptance: the confirmation card
@mentions them (Teams card mention), over HTTP with real roles and the fake connector."""

from __future__ import annotations

from cards.mentions import mentioned_ids
from tests.cardschema import assert_valid_card
from tests.fakes.issuer import LocalIssuer
from tests.support.harness import BotHarness, add_units
from tests.teams import TeamsUser, new_channel

COUNTY = {"Regionens samverkansråd": None, "Östersund": "Regionens samverkansråd"}
COORD = TeamsUser(name="Sara Samordnare", upn="sara.samordnare@example.se")
NILS = TeamsUser(name="Nils Sjuksköterska", upn="nils@example.se")


async def test_a_proposal_mentions_the_coordinators(
    secured: tuple[BotHarness, LocalIssuer],
) -> None:
    h, _ = secured
    await add_units(h.db, COUNTY, [("Östersund", COORD.upn, "coordinator")])
    for person in (COORD, NILS):
        h.connector.add_member(
            person.channel_id, aad_object_id=person.aad_object_id, name=person.name, upn=person.upn
        )
    channel = new_channel()
    await h.say(h.teams.channel_message(channel, COORD, "setup Östersund"))
    await h.connector.wait_for(lambda p: "Klart" in p.text)
    await h.say(
        h.teams.channel_message(channel, COORD, "möte ny första tisdagen varje månad 13–15")
    )
    await h.connector.wait_for(lambda p: "Samverkansmöte" in p.text)

    await h.say(h.teams.channel_message(channel, NILS, "dagordning lägg till Väntetider [länk]"))
    posted = await h.connector.wait_for(lambda p: any("Punkt 1" in str(c) for c in p.cards))
    [proposal] = posted.cards
    assert_valid_card(proposal)
    assert mentioned_ids(proposal) == [COORD.aad_object_id]
    assert "Väntar på godkännande av <at>Sara Samordnare</at>" in str(proposal)
    assert "Väntetider \\[länk\\]" in proposal["body"][0]["text"]  # shown as typed

    # The coordinator's own proposal names nobody: a plain confirmation.
    await h.say(h.teams.channel_message(channel, COORD, "dagordning lägg till Budget"))
    mine = await h.connector.wait_for(lambda p: "Punkt 2" in p.text)
    assert "<at>" not in mine.text and not mine.cards
