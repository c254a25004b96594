"""Pulse questions: the template's stored form and its limits."""

from __future__ import annotations

import pytest

from core.pulse_questions import InvalidTemplate, template_from_dict, template_to_dict
from core.pulse_templates import SAMVERKANSPULS as T


def test_default_template_round_trips() -> None:
    assert template_from_dict(template_to_dict(T)) == T
    assert [q.kind.value for q in T.questions] == ["likert", "yesno", "text"]


def test_template_limits() -> None:
    data = template_to_dict(T)
    data["questions"] = data["questions"] * 2
    with pytest.raises(InvalidTemplate):
        template_from_dict(data)  # duplicate ids and six questions
    with pytest.raises(InvalidTemplate):
        template_from_dict({**template_to_dict(T), "questions": []})
