"""A person's answer: card values (inputs `q_<id>`) checked against the template and
turned into the values stored, or the reason they are refused. Pure.

One answer per person and no edits (`pulse_respondents`, storage/answer_writer.py) make
each stored answer one person's: the free-text rule of core/pulse_results.py counts on it.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from core.personnummer import contains_identity_number
from core.pulse_questions import (
    LIKERT_MAX,
    LIKERT_MIN,
    SCALE10_MAX,
    SCALE10_MIN,
    Kind,
    Question,
    Template,
)

MAX_TEXT = 500
INPUT_PREFIX = "q_"
# The numbers each scale accepts, both ends included.
_SCALES = {Kind.LIKERT: (LIKERT_MIN, LIKERT_MAX), Kind.SCALE10: (SCALE10_MIN, SCALE10_MAX)}


class Refusal(StrEnum):
    """Why an answer is not stored. Each has a short text for the person."""

    TAMPERED = "tampered"
    OUT_OF_RANGE = "out_of_range"
    MISSING = "missing"
    EMPTY = "empty"
    TOO_LONG = "too_long"
    PERSONNUMMER = "personnummer"


@dataclass(frozen=True)
class AnswerCheck:
    values: dict[str, int | str | list[str]] | None
    refusal: Refusal | None = None
    question: str | None = None  # which question the refusal is about

    @property
    def ok(self) -> bool:
        return self.refusal is None


def _refuse(refusal: Refusal, question: str | None = None) -> AnswerCheck:
    return AnswerCheck(values=None, refusal=refusal, question=question)


def validate_answer(template: Template, data: Mapping[str, Any]) -> AnswerCheck:
    """Turn card data (inputs are `q_<id>`) into stored values, or say why not.

    Card inputs arrive as strings; anything the card could not have produced
    (an unknown question, a nested object, a number outside 1–5, an option that
    does not exist) is refused, as is free text holding a personnummer.
    """
    values: dict[str, int | str | list[str]] = {}
    known = {q.id for q in template.questions}
    for key, raw in data.items():
        if not key.startswith(INPUT_PREFIX):
            continue
        if key[len(INPUT_PREFIX) :] not in known:
            return _refuse(Refusal.TAMPERED)
        if (raw is not None and not isinstance(raw, str | int)) or isinstance(raw, bool):
            return _refuse(Refusal.TAMPERED, key[len(INPUT_PREFIX) :])
    for q in template.questions:
        raw = data.get(INPUT_PREFIX + q.id)
        if raw is None or (isinstance(raw, str) and not raw.strip()):
            if q.required:
                return _refuse(Refusal.MISSING, q.id)
            continue
        if q.kind is Kind.TEXT:
            if not isinstance(raw, str):
                return _refuse(Refusal.TAMPERED, q.id)
            value = raw.strip()
            if len(value) > MAX_TEXT:
                return _refuse(Refusal.TOO_LONG, q.id)
            if contains_identity_number(value):
                return _refuse(Refusal.PERSONNUMMER, q.id)
            values[q.id] = value
        elif q.kind in _SCALES:
            number = _as_int(raw)
            if number is None:
                return _refuse(Refusal.TAMPERED, q.id)
            low, high = _SCALES[q.kind]
            if not low <= number <= high:
                return _refuse(Refusal.OUT_OF_RANGE, q.id)
            values[q.id] = number
        elif q.kind is Kind.YESNO:
            if raw not in ("yes", "no"):
                return _refuse(Refusal.OUT_OF_RANGE, q.id)
            values[q.id] = str(raw)
        elif q.kind is Kind.MULTI:
            chosen = _multi(q, raw)
            if chosen is None:
                return _refuse(Refusal.OUT_OF_RANGE, q.id)
            if not chosen:
                if q.required:
                    return _refuse(Refusal.MISSING, q.id)
                continue
            values[q.id] = chosen
        else:
            if raw not in {o.id for o in q.options}:
                return _refuse(Refusal.OUT_OF_RANGE, q.id)
            values[q.id] = str(raw)
    if not values:
        return _refuse(Refusal.EMPTY)
    return AnswerCheck(values=values)


def _multi(q: Question, raw: object) -> list[str] | None:
    """A multiple choice as the card sends it ("a,b") or as stored (["a", "b"]): the
    chosen option ids in the template's order, or None if any is not an option (or
    one is chosen twice)."""
    if isinstance(raw, str):
        parts = [p.strip() for p in raw.split(",") if p.strip()]
    else:
        return None
    ids = [o.id for o in q.options]
    if len(set(parts)) != len(parts) or any(p not in ids for p in parts):
        return None
    return [i for i in ids if i in parts]


def _as_int(raw: object) -> int | None:
    if isinstance(raw, int) and not isinstance(raw, bool):
        return raw
    if isinstance(raw, str) and re.fullmatch(r"-?\d{1,3}", raw.strip()):
        return int(raw.strip())
    return None


def stored_values_ok(template: Template, values: Mapping[str, Any]) -> bool:
    """A stored answer still fits the template (defence when reading rows back)."""
    check = validate_answer(template, {INPUT_PREFIX + k: _as_input(v) for k, v in values.items()})
    return check.ok


def _as_input(value: Any) -> Any:
    if isinstance(value, list):
        return ",".join(str(v) for v in value) if all(isinstance(v, str) for v in value) else value
    return str(value) if isinstance(value, int) and not isinstance(value, bool) else value
