"""What a pulse asks: question kinds, questions and templates, their validation and
their stored form (`Pulse.template`, `PulseTemplate.definition`). Pure.

The shipped templates are in core/pulse_templates.py, the builder card's in
core/pulse_builder.py; a person's answer to a template is checked by
core/pulse_answers.py.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

MAX_QUESTIONS = 5
MAX_OPTIONS = 8
LIKERT_MIN, LIKERT_MAX = 1, 5
SCALE10_MIN, SCALE10_MAX = 0, 10
_QUESTION_ID = re.compile(r"^[a-z][a-z0-9_]{0,19}$")


class Kind(StrEnum):
    LIKERT = "likert"  # scale 1–5 with labelled ends
    SCALE10 = "scale10"  # 0–10, ends optionally labelled
    CHOICE = "choice"  # single choice
    MULTI = "multi"  # multiple choice: stored as the list of chosen option ids
    YESNO = "yesno"
    TEXT = "text"  # free text (usually optional)


SCALES = (Kind.LIKERT, Kind.SCALE10)
WITH_OPTIONS = (Kind.CHOICE, Kind.MULTI)


def scale_range(kind: Kind) -> range:
    """The values of a scale question, in display order."""
    if kind is Kind.SCALE10:
        return range(SCALE10_MIN, SCALE10_MAX + 1)
    return range(LIKERT_MIN, LIKERT_MAX + 1)


@dataclass(frozen=True)
class Option:
    id: str
    label: Mapping[str, str]


@dataclass(frozen=True)
class Question:
    id: str
    kind: Kind
    text: Mapping[str, str]
    required: bool = True
    # Scales: the labels of the lowest and highest value (required for 1–5).
    low: Mapping[str, str] = field(default_factory=dict)
    high: Mapping[str, str] = field(default_factory=dict)
    options: tuple[Option, ...] = ()

    def label(self, lang: str) -> str:
        return self.text.get(lang) or self.text["sv"]


@dataclass(frozen=True)
class Template:
    key: str
    name: Mapping[str, str]
    questions: tuple[Question, ...]
    # The Likert question whose mean is the indicator "staff-rated collaboration".
    indicator_question: str | None = None

    def question(self, qid: str) -> Question | None:
        return next((q for q in self.questions if q.id == qid), None)


class InvalidTemplate(ValueError):
    pass


def validate_template(template: Template) -> None:
    """Raise InvalidTemplate unless the template is one we can put on a card."""
    if not 1 <= len(template.questions) <= MAX_QUESTIONS:
        raise InvalidTemplate(f"a pulse has 1–{MAX_QUESTIONS} questions")
    if not template.name.get("sv"):
        raise InvalidTemplate("the template needs a Swedish name")
    ids = [q.id for q in template.questions]
    if len(set(ids)) != len(ids):
        raise InvalidTemplate("question ids must be unique")
    for q in template.questions:
        if not _QUESTION_ID.match(q.id):
            raise InvalidTemplate(f"question id {q.id!r}: lower-case letters, digits, _")
        if not q.text.get("sv") or not q.text.get("en"):
            raise InvalidTemplate(f"question {q.id}: text in Swedish and English")
        if q.kind is Kind.LIKERT and not (q.low.get("sv") and q.high.get("sv")):
            raise InvalidTemplate(f"question {q.id}: a Likert question labels both ends")
        if q.kind in WITH_OPTIONS:
            opt_ids = [o.id for o in q.options]
            if not 2 <= len(opt_ids) <= MAX_OPTIONS or len(set(opt_ids)) != len(opt_ids):
                raise InvalidTemplate(f"question {q.id}: 2–{MAX_OPTIONS} distinct options")
            for o in q.options:
                if not _QUESTION_ID.match(o.id) or not o.label.get("sv"):
                    raise InvalidTemplate(
                        f"question {q.id}: option {o.id!r} needs an id and a label"
                    )
        elif q.options:
            raise InvalidTemplate(f"question {q.id}: only choice questions have options")
    if template.indicator_question is not None:
        target = template.question(template.indicator_question)
        if target is None or target.kind is not Kind.LIKERT:
            raise InvalidTemplate("indicator_question must name a Likert question")


def template_to_dict(template: Template) -> dict[str, Any]:
    return {
        "key": template.key,
        "name": dict(template.name),
        "indicator_question": template.indicator_question,
        "questions": [
            {
                "id": q.id,
                "kind": q.kind.value,
                "text": dict(q.text),
                "required": q.required,
                "low": dict(q.low),
                "high": dict(q.high),
                "options": [{"id": o.id, "label": dict(o.label)} for o in q.options],
            }
            for q in template.questions
        ],
    }


def template_from_dict(data: Mapping[str, Any]) -> Template:
    """Parse and validate (raises InvalidTemplate)."""
    try:
        questions = tuple(
            Question(
                id=str(q["id"]),
                kind=Kind(q["kind"]),
                text=dict(q["text"]),
                required=bool(q.get("required", Kind(q["kind"]) is not Kind.TEXT)),
                low=dict(q.get("low") or {}),
                high=dict(q.get("high") or {}),
                options=tuple(
                    Option(id=str(o["id"]), label=dict(o["label"])) for o in q.get("options") or []
                ),
            )
            for q in data["questions"]
        )
        template = Template(
            key=str(data["key"]),
            name=dict(data["name"]),
            questions=questions,
            indicator_question=data.get("indicator_question"),
        )
    except (KeyError, TypeError, ValueError) as exc:
        if isinstance(exc, InvalidTemplate):
            raise
        raise InvalidTemplate(f"not a pulse template: {exc}") from None
    validate_template(template)
    return template
