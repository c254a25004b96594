"""cards/mentions.py: the two halves Teams needs for a card mention, kept in step."""

from __future__ import annotations

from cards.base import card
from cards.mentions import MAX_MENTIONS, Mentioned, mention_line, mentioned_ids, with_mentions
from tests.cardschema import assert_valid_card, card_errors


def test_a_name_that_would_break_the_tag_is_cleaned_in_both_halves() -> None:
    people = [Mentioned("oid-1", "Eva <b>Ek</b> [x]"), Mentioned("oid-1", "Eva again")]
    out = with_mentions(card([mention_line("Till:", people)]), people)
    assert_valid_card(out)
    assert out["body"][0]["text"] == "Till: <at>Eva bEk/b x</at>"
    assert out["msteams"]["entities"] == [
        {
            "type": "mention",
            "text": "<at>Eva bEk/b x</at>",
            "mentioned": {"id": "oid-1", "name": "Eva bEk/b x"},
        }
    ]


def test_nobody_to_mention_leaves_the_card_as_it_was_and_many_are_capped() -> None:
    plain = card([mention_line("Till:", [])])
    assert with_mentions(plain, []) is plain
    many = [Mentioned(f"oid-{i}", f"P {i}") for i in range(MAX_MENTIONS + 5)]
    out = with_mentions(card([mention_line("Till:", many)]), many)
    assert mentioned_ids(out) == [f"oid-{i}" for i in range(MAX_MENTIONS)]
    assert_valid_card(out)


def test_an_entity_whose_tag_is_not_shown_is_an_invalid_card() -> None:
    out = with_mentions(card([mention_line("Till:", [])]), [Mentioned("oid-1", "Eva")])
    assert any("not in the card's text" in e for e in card_errors(out))
