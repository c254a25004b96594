"""The pulse template builder (`puls ny mall`): the form, its preview, and "saved"."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from cards.base import Card, Element, card, execute, heading, plain, submit, text, title
from cards.pulse import pulse_card
from core.pulse_builder import (
    BUILDER_KINDS,
    HIGH,
    KIND,
    LOW,
    MAX_LABEL,
    MAX_NAME,
    MAX_OPTIONS_TEXT,
    MAX_QUESTION,
    NAME,
    OPTIONS,
    TEXT,
)
from core.pulse_questions import MAX_QUESTIONS, Template
from i18n.texts import t

PREVIEW = "pulse.template.preview"
SAVE = "pulse.template.save"
EDIT = "pulse.template.edit"


def _button(
    label: str, verb: str, data: Mapping[str, Any], style: str | None = None, *, inputs: bool = True
) -> Element:
    """Action.Execute with an Action.Submit fallback, both carrying `data`. Without
    `inputs`, the card's inputs are neither sent nor checked (the preview's sample
    answers are not the coordinator's to fill in)."""
    payload = {**data, "action": verb}
    el = execute(label, verb, payload, style=style)
    el["fallback"] = submit(label, payload, style=style)
    if not inputs:
        el["associatedInputs"] = el["fallback"]["associatedInputs"] = "none"
    return el


def _input_text(
    key: str, label: str, values: Mapping[str, str], limit: int, placeholder: str | None = None
) -> Element:
    el: Element = {"type": "Input.Text", "id": key, "label": label, "maxLength": limit}
    if placeholder:
        el["placeholder"] = placeholder
    if values.get(key):
        el["value"] = values[key]
    return el


def _question_rows(lang: str, number: int, values: Mapping[str, str]) -> Element:
    n = str(number)
    kind: Element = {
        "type": "Input.ChoiceSet",
        "id": KIND + n,
        "label": t(lang, "pulse.builder.kind"),
        "style": "compact",
        "value": values.get(KIND + n) or "scale5",
        "choices": [
            {"title": t(lang, f"pulse.builder.kind_{k}"), "value": k} for k in BUILDER_KINDS
        ],
    }
    ends = {
        "type": "ColumnSet",
        "columns": [
            {
                "type": "Column",
                "width": "stretch",
                "items": [_input_text(LOW + n, t(lang, "pulse.builder.low"), values, MAX_LABEL)],
            },
            {
                "type": "Column",
                "width": "stretch",
                "items": [_input_text(HIGH + n, t(lang, "pulse.builder.high"), values, MAX_LABEL)],
            },
        ],
    }
    items: list[Element] = [
        heading(t(lang, "pulse.builder.question", number=number)),
        _input_text(TEXT + n, t(lang, "pulse.builder.text"), values, MAX_QUESTION),
        kind,
        _input_text(
            OPTIONS + n,
            t(lang, "pulse.builder.options"),
            values,
            MAX_OPTIONS_TEXT,
            t(lang, "pulse.builder.options_hint"),
        ),
        ends,
    ]
    return {"type": "Container", "items": items, "separator": True, "spacing": "Medium"}


def builder_card(
    lang: str, values: Mapping[str, str] | None = None, error: str | None = None
) -> Card:
    """The empty (or, after "Ändra" or a problem, filled-in) builder form."""
    values = values or {}
    body: list[Element] = [title(t(lang, "pulse.builder.title"))]
    if error:
        body.append(text(error, color="Attention", weight="Bolder"))
    body.append(text(t(lang, "pulse.builder.intro"), subtle=True))
    name = _input_text(NAME, t(lang, "pulse.builder.name"), values, MAX_NAME)
    name["isRequired"] = True
    name["errorMessage"] = t(lang, "pulse.builder.name_needed")
    body.append(name)
    body += [_question_rows(lang, i, values) for i in range(1, MAX_QUESTIONS + 1)]
    return card(body, [_button(t(lang, "pulse.builder.preview"), PREVIEW, {}, "positive")])


def preview_card(
    lang: str, template: Template, values: Mapping[str, str], threshold: int = 5
) -> Card:
    """The pulse as people will see it, and "Spara" / "Ändra" (both carry the builder's
    values on: the save checks them again)."""
    shown = pulse_card(lang, "preview", template, closes="…", threshold=threshold)
    body: list[Element] = [
        text(t(lang, "pulse.builder.preview_title"), color="Accent", weight="Bolder"),
        {"type": "Container", "style": "emphasis", "items": shown["body"]},
        text(t(lang, "pulse.builder.preview_hint", template=template.key), subtle=True),
    ]
    actions = [
        _button(t(lang, "pulse.builder.save"), SAVE, values, "positive", inputs=False),
        _button(t(lang, "pulse.builder.edit"), EDIT, values, inputs=False),
    ]
    return card(body, actions)


def saved_card(lang: str, template: Template, unit: str) -> Card:
    name = template.name.get(lang) or template.name["sv"]
    return card(
        [
            title(t(lang, "pulse.builder.saved_title", name=plain(name))),
            text(t(lang, "pulse.builder.saved_body", unit=unit, template=template.key)),
        ]
    )
