"""Pulse answers: card values checked against the template."""

from __future__ import annotations

import pytest

from core.pulse_answers import Refusal, validate_answer
from core.pulse_templates import SAMVERKANSPULS as T


@pytest.mark.parametrize(
    ("data", "refusal"),
    [
        ({"q_collab": "6", "q_contact": "yes"}, Refusal.OUT_OF_RANGE),
        ({"q_collab": "0", "q_contact": "yes"}, Refusal.OUT_OF_RANGE),
        ({"q_collab": "4", "q_contact": "maybe"}, Refusal.OUT_OF_RANGE),
        ({"q_collab": "fyra", "q_contact": "yes"}, Refusal.TAMPERED),
        ({"q_collab": {"x": 1}, "q_contact": "yes"}, Refusal.TAMPERED),
        ({"q_collab": True, "q_contact": "yes"}, Refusal.TAMPERED),
        ({"q_collab": "4", "q_contact": "yes", "q_admin": "1"}, Refusal.TAMPERED),
        ({"q_contact": "yes"}, Refusal.MISSING),
        ({"q_collab": "4", "q_contact": "no", "q_example": "x" * 501}, Refusal.TOO_LONG),
        (
            {"q_collab": "4", "q_contact": "no", "q_example": "Pat 19121212-1212 fick hjälp"},
            Refusal.PERSONNUMMER,
        ),
    ],
)
def test_bad_answers_are_refused(data: dict[str, object], refusal: Refusal) -> None:
    check = validate_answer(T, data)
    assert check.refusal is refusal and check.values is None


def test_good_answer() -> None:
    check = validate_answer(
        T,
        {
            "action": "pulse.answer",
            "pulse": "x",
            "q_collab": "4",
            "q_contact": "yes",
            "q_example": " ",
        },
    )
    assert check.values == {"collab": 4, "contact": "yes"}
