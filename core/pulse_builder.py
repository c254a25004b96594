"""The template builder card's data -> a pulse template, or the first problem with it.

Pure. The builder card (cards/pulse_builder.py, `puls ny mall`) has a name and up to
MAX_QUESTIONS question rows; each row has a text, a kind, options (comma-separated,
for single and multiple choice) and the labels of the scale's ends. A row with no
text is empty and skipped. The same function checks the preview and the save (the
save button carries the builder's values, not a finished template, so whatever a
client sends is checked again here).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from core.personnummer import contains_identity_number
from core.pulse_questions import (
    MAX_OPTIONS,
    MAX_QUESTIONS,
    InvalidTemplate,
    Kind,
    Option,
    Question,
    Template,
    validate_template,
)
from core.pulse_templates import KIND_NAMES, slug

NAME = "b_name"
TEXT, KIND, OPTIONS, LOW, HIGH = "b_text_", "b_kind_", "b_opts_", "b_low_", "b_high_"
FIELDS = (TEXT, KIND, OPTIONS, LOW, HIGH)
MAX_NAME = 60
MAX_QUESTION = 200
MAX_LABEL = 40
MAX_OPTIONS_TEXT = 400
# The kinds offered on the card, in its order (names as in the org file).
BUILDER_KINDS = ("scale5", "scale10", "yesno", "choice", "multi", "text")


class BuilderProblem(Exception):
    """`code` names the catalogue text `pulse.builder.<code>`; `number` the question (1–5)."""

    def __init__(self, code: str, number: int = 0) -> None:
        super().__init__(f"{code} (question {number})")
        self.code = code
        self.number = number


def builder_values(data: Mapping[str, Any]) -> dict[str, str]:
    """Only the builder's own fields, as text (what the preview's buttons carry on)."""
    keys = {NAME} | {f + str(i) for f in FIELDS for i in range(1, MAX_QUESTIONS + 1)}
    return {k: v for k, v in data.items() if k in keys and isinstance(v, str)}


def _field(data: Mapping[str, Any], key: str, limit: int, number: int) -> str:
    raw = data.get(key)
    if raw is None:
        return ""
    if not isinstance(raw, str):
        raise BuilderProblem("tampered", number)
    value = " ".join(raw.split())
    if len(value) > limit:
        raise BuilderProblem("too_long", number)
    if contains_identity_number(value):
        raise BuilderProblem("personnummer", number)
    return value


def _both(value: str) -> dict[str, str]:
    return {"sv": value, "en": value} if value else {}


def template_from_builder(data: Mapping[str, Any]) -> Template:
    """The template the builder describes; raises BuilderProblem."""
    name = _field(data, NAME, MAX_NAME, 0)
    key = slug(name)
    if not name or not key:
        raise BuilderProblem("name")
    questions: list[Question] = []
    for number in range(1, MAX_QUESTIONS + 1):
        text = _field(data, TEXT + str(number), MAX_QUESTION, number)
        options_text = _field(data, OPTIONS + str(number), MAX_OPTIONS_TEXT, number)
        low = _field(data, LOW + str(number), MAX_LABEL, number)
        high = _field(data, HIGH + str(number), MAX_LABEL, number)
        if not text:
            if options_text or low or high:
                raise BuilderProblem("text", number)
            continue
        kind_name = data.get(KIND + str(number)) or "scale5"
        if kind_name not in BUILDER_KINDS:
            raise BuilderProblem("tampered", number)
        kind = KIND_NAMES[str(kind_name)]
        options: tuple[Option, ...] = ()
        if kind in (Kind.CHOICE, Kind.MULTI):
            labels = [x.strip() for x in options_text.split(",") if x.strip()]
            folded = {x.casefold() for x in labels}
            if not 2 <= len(labels) <= MAX_OPTIONS or len(folded) != len(labels):
                raise BuilderProblem("options", number)
            if any(len(x) > MAX_LABEL for x in labels):
                raise BuilderProblem("too_long", number)
            options = tuple(Option(f"o{i}", _both(x)) for i, x in enumerate(labels, 1))
        if kind is Kind.LIKERT and not (low and high):
            raise BuilderProblem("labels", number)
        scale = kind in (Kind.LIKERT, Kind.SCALE10)
        questions.append(
            Question(
                id=f"f{number}",
                kind=kind,
                text=_both(text),
                required=kind is not Kind.TEXT,
                low=_both(low) if scale else {},
                high=_both(high) if scale else {},
                options=options,
            )
        )
    if not questions:
        raise BuilderProblem("none")
    template = Template(key=key, name=_both(name), questions=tuple(questions))
    try:
        validate_template(template)
    except InvalidTemplate:  # not reachable from the checks above; refused all the same
        raise BuilderProblem("tampered") from None
    return template
