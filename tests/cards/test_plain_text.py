"""Text people type is shown as text: never a link the bot's card vouches for, never
formatting. Checked by rendering with a CommonMark renderer (markdown-it, the parser
family the Adaptive Cards renderers use), and over HTTP on the cards people see."""

from __future__ import annotations

import html
import json
import re
from typing import Any

from hypothesis import given
from hypothesis import strategies as st
from markdown_it import MarkdownIt

from cards.base import bullets, card, facts, plain, text, title, unlink, unlink_card
from cards.help import help_card
from tests.cardschema import assert_valid_card
from tests.support.harness import BotHarness, add_units
from tests.teams import Channel, TeamsUser, new_channel

MD = MarkdownIt("commonmark")
FORMATTING = re.compile(r"<(a|strong|em|h\d|ul|ol|li|blockquote|code|pre|img|hr)\b")
LINK = "[Logga in](https://evil.example/login)"
COORD = TeamsUser(name="Sara Samordnare", upn="sara@example.se")

markdownish = st.text(
    alphabet=st.sampled_from(list("abcåäö 019.-+#>*_[]()<>`~!|=:&;/\\@\n\t ")), max_size=80
)


def _shown(markdown: str) -> str:
    """What a reader sees: the rendered text without tags."""
    return html.unescape(re.sub(r"<[^>]+>", "", MD.render(markdown)))


@given(typed=markdownish)
def test_typed_text_never_renders_as_formatting_or_links(typed: str) -> None:
    rendered = MD.render(plain(typed))
    assert not FORMATTING.search(rendered), (typed, rendered)


@given(typed=markdownish.filter(lambda x: "\n" not in x and "\t" not in x))
def test_typed_text_shows_exactly_what_was_written(typed: str) -> None:
    # On one line, the words and every sign come out as typed (spaces at the ends aside).
    assert _shown(plain(typed)).strip().replace("\u00a0", " ") == typed.strip(" ")


@given(typed=markdownish, before=markdownish)
def test_composed_text_never_links(typed: str, before: str) -> None:
    # The last check on everything sent: whatever the pieces, no link survives.
    composed = unlink(f"{before} {typed} [Logga in](https://evil) <https://evil>")
    assert "<a " not in MD.render(composed)


def test_a_card_field_a_builder_forgot_is_still_not_a_link() -> None:
    made = card(
        [title(f"Kanal för {LINK}"), facts([("Plats", LINK)]), bullets([LINK])],
    )
    safe = unlink_card(made)
    assert_valid_card(safe)
    for block in _markdown_texts(safe):
        assert "<a " not in MD.render(block) and "Logga in" in _shown(block)
    assert unlink_card(card([text("Inget att ändra")])) == card([text("Inget att ändra")])
    # A unit name from the org file on the help card.
    helped = unlink_card(help_card("sv", [], unit=LINK, roles=[]))
    assert all("<a " not in MD.render(b) for b in _markdown_texts(helped))


def _markdown_texts(node: Any) -> list[str]:
    """Every text Teams renders as Markdown in a card: TextBlocks and facts."""
    out: list[str] = []
    if isinstance(node, dict):
        if node.get("type") == "TextBlock":
            out.append(node["text"])
        if node.get("type") == "FactSet":
            out += [f"{f['title']}: {f['value']}" for f in node["facts"]]
        for value in node.values():
            out += _markdown_texts(value)
    elif isinstance(node, list):
        for value in node:
            out += _markdown_texts(value)
    return out


# -- over HTTP: the cards people see -------------------------------------------------------


async def _say(h: BotHarness, channel: Channel, words: str, *, card_: bool) -> dict[str, Any]:
    before = len(h.connector.posted)
    assert await h.say(h.teams.channel_message(channel, COORD, words)) in (200, 202)
    reply = await h.connector.wait_for(
        lambda p: h.connector.posted.index(p) >= before and bool(p.cards if card_ else p.text)
    )
    return reply.activity


def _check(activity: dict[str, Any], *words: str) -> None:
    """No link anywhere in what the bot posted, and the person's words still shown."""
    blocks = _markdown_texts(activity.get("attachments") or [])
    if activity.get("text"):
        blocks.append(activity["text"])
    seen = " ".join(_shown(b) for b in blocks)
    for block in blocks:
        rendered = MD.render(block)
        assert "<a " not in rendered, block
    for word in words:
        assert word in seen, (word, seen[:500])


async def test_links_and_formatting_people_type_stay_text_on_every_card(
    harness: BotHarness,
) -> None:
    h = harness
    await add_units(h.db, {"Östersund": None})
    channel = new_channel()
    await h.say(h.teams.install_in_team(channel, COORD))
    await _say(h, channel, "setup Östersund", card_=False)
    typed = f"{LINK} **Viktigt** _nu_"

    created = await _say(h, channel, f"ärende {typed} | # Rubrik\n- lista {LINK}", card_=True)
    _check(created, LINK, "**Viktigt**", "_nu_", "# Rubrik", "- lista")
    listed = await _say(h, channel, "ärenden", card_=True)
    _check(listed, LINK, "**Viktigt**")

    await _say(h, channel, f"möte ny varje måndag 13–15 | {LINK}", card_=False)
    added = await _say(h, channel, f"dagordning lägg till {typed}", card_=False)
    _check(added, "Logga in")  # the confirmation (a text message) links nothing either
    agenda = await _say(h, channel, "dagordning", card_=True)
    _check(agenda, LINK, "**Viktigt**")
    series = await _say(h, channel, "möte", card_=True)
    _check(series, LINK)
    rendered = json.dumps(agenda, ensure_ascii=False)
    assert "evil.example" in rendered  # shown, as text


async def test_an_action_confirmed_with_a_mention_shows_typed_tags_as_text(
    harness: BotHarness,
) -> None:
    """The confirmation that @mentions the owner is an XML message: typed tags stay text."""
    h = harness
    await add_units(h.db, {"Östersund": None})
    channel = new_channel()
    await h.say(h.teams.install_in_team(channel, COORD))
    await _say(h, channel, "setup Östersund", card_=False)
    await _say(h, channel, "möte ny varje måndag 13–15", card_=False)
    nils = TeamsUser(name="Nils", upn="nils@example.se")
    # What a person types in the compose box arrives HTML-escaped, as Teams sends it.
    typed = html.escape('<a href="https://evil.example">Logga in</a>')
    act = h.teams.channel_message(channel, COORD, f"åtgärd Ring {typed} <at>Nils</at>")
    act["entities"].append(
        {
            "type": "mention",
            "text": "<at>Nils</at>",
            "mentioned": {"id": nils.channel_id, "name": "Nils"},
        }
    )
    await h.say(act)
    told = await h.connector.wait_for(lambda p: "Åtgärd #" in p.text)
    assert told.activity.get("textFormat") == "xml"
    assert "<a " not in told.text and "&lt;a href=" in told.text and "<at>Nils</at>" in told.text
