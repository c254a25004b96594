"""Pulse templates as people write them: in the org file, and the shipped library.

Pure. `template_from_config` reads the short form used in the org file (texts may be
plain Swedish strings; kinds have friendly names) into a validated `core.pulse_questions.Template`.

In the org file, templates sit under `defaults.pulse.templates`, a mapping from the
template's key to its definition, at county level (every unit) or in a unit's own
`defaults` (that unit only; mappings deep-merge, so a unit adds to the county's):

    defaults:
      pulse:
        template: samverkanspuls          # what `puls starta` and the schedule use
        templates:
          arbetslaget:
            name: Arbetslagets samverkan  # or {sv: ..., en: ...}
            levels: [team]                # optional: only units at these levels
            questions:
              - {id: samarbete, kind: scale5, text: "Hur fungerar samarbetet?",
                 low: Mycket dåligt, high: Mycket bra}
              - {id: rekommendera, kind: scale10, text: "Hur troligt ...?"}
              - {id: kontakt, kind: yesno, text: "Vet du vem du ska kontakta?"}
              - {id: kanal, kind: choice, text: "Hur når du oftast kommunen?",
                 options: {telefon: Telefon, chatt: Chatt, mote: Möte}}
              - {id: teman, kind: multi, text: "Vad tog ni upp?", options: [...]}
              - {id: forslag, kind: text, text: "Förslag (frivilligt)"}

Kinds: `scale5` (1–5, both ends labelled; also `likert`), `scale10` (0–10; also
`nps`), `yesno`, `choice` (single; also `single`), `multi` (also `multiple`), `text`
(optional unless `required: true`). Options: a mapping id → label, or a list of
labels (ids made from them). A text with only Swedish is used for English too.

The library (`LIBRARY`, from `core/pulse_library.yaml`) holds the shipped Swedish templates, drawn from the source
documents on local collaboration in primary care: the staff's rated experience of
collaboration ("medarbetarnas värderade upplevelse av samarbete", Jönköping's
support for strengthened local collaboration), knowing whom to contact at the other
organisation, and the local arena's work (clear meeting places with a clear
agenda, joint follow-up, good examples and improvement proposals).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from importlib import resources
from typing import Any

import yaml

from core.pulse_questions import (
    InvalidTemplate,
    Kind,
    Option,
    Question,
    Template,
    validate_template,
)

LEVELS = ("macro", "topic", "cluster", "team")
KIND_NAMES: dict[str, Kind] = {
    "scale5": Kind.LIKERT,
    "likert": Kind.LIKERT,
    "scale10": Kind.SCALE10,
    "nps": Kind.SCALE10,
    "yesno": Kind.YESNO,
    "choice": Kind.CHOICE,
    "single": Kind.CHOICE,
    "multi": Kind.MULTI,
    "multiple": Kind.MULTI,
    "text": Kind.TEXT,
}
TEMPLATE_KEYS = ("name", "levels", "questions", "indicator_question")
QUESTION_KEYS = ("id", "kind", "text", "required", "low", "high", "options")
_KEY = re.compile(r"^[a-z0-9][a-z0-9_-]{0,39}$")


def slug(text: str, limit: int = 40) -> str:
    """A key from a name: "Vår arena – hösten" -> "var_arena_hosten"."""
    plain = unicodedata.normalize("NFKD", text.lower()).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "_", plain).strip("_")[:limit].rstrip("_")


def _texts(value: Any, what: str, *, required: bool = True) -> dict[str, str]:
    if value is None or value == "":
        if required:
            raise InvalidTemplate(f"{what}: required")
        return {}
    if isinstance(value, str):
        return {"sv": value.strip(), "en": value.strip()}
    if isinstance(value, Mapping) and all(isinstance(v, str) for v in value.values()):
        sv = str(value.get("sv") or "").strip()
        if not sv:
            raise InvalidTemplate(f"{what}: needs Swedish (sv)")
        return {"sv": sv, "en": str(value.get("en") or sv).strip()}
    raise InvalidTemplate(f"{what}: text, or {{sv: ..., en: ...}}")


def _options(value: Any, what: str) -> tuple[Option, ...]:
    if value is None:
        return ()
    if isinstance(value, Mapping):
        pairs = [(str(k), v) for k, v in value.items()]
    elif isinstance(value, list):
        pairs = [(slug(v, 20) if isinstance(v, str) else "", v) for v in value]
    else:
        raise InvalidTemplate(f"{what}: a list of labels or a mapping of id to label")
    return tuple(Option(id=oid, label=_texts(label, f"{what}.{oid}")) for oid, label in pairs)


def _question(data: Any, path: str) -> Question:
    if not isinstance(data, Mapping):
        raise InvalidTemplate(f"{path}: a mapping with id, kind and text")
    unknown = sorted(str(k) for k in data if k not in QUESTION_KEYS)
    if unknown:
        raise InvalidTemplate(f"{path}: unknown key {unknown[0]!r} ({', '.join(QUESTION_KEYS)})")
    kind = KIND_NAMES.get(str(data.get("kind", "")).strip().lower())
    if kind is None:
        raise InvalidTemplate(f"{path}.kind: one of {', '.join(KIND_NAMES)}")
    required = data.get("required", kind is not Kind.TEXT)
    if not isinstance(required, bool):
        raise InvalidTemplate(f"{path}.required: true or false")
    return Question(
        id=str(data.get("id", "")),
        kind=kind,
        text=_texts(data.get("text"), f"{path}.text"),
        required=required,
        low=_texts(data.get("low"), f"{path}.low", required=False),
        high=_texts(data.get("high"), f"{path}.high", required=False),
        options=_options(data.get("options"), f"{path}.options"),
    )


def template_from_config(key: str, data: Any) -> Template:
    """One template from the org file's short form; raises InvalidTemplate saying where."""
    if not isinstance(key, str) or not _KEY.match(key):
        raise InvalidTemplate(f"{key!r}: a key of lower-case letters, digits, _ or -")
    if not isinstance(data, Mapping):
        raise InvalidTemplate(f"{key}: a mapping with name and questions")
    unknown = sorted(str(k) for k in data if k not in TEMPLATE_KEYS)
    if unknown:
        raise InvalidTemplate(f"{key}: unknown key {unknown[0]!r} ({', '.join(TEMPLATE_KEYS)})")
    questions = data.get("questions")
    if not isinstance(questions, list):
        raise InvalidTemplate(f"{key}.questions: a list of questions")
    template = Template(
        key=key,
        name=_texts(data.get("name"), f"{key}.name"),
        questions=tuple(_question(q, f"{key}.questions[{i}]") for i, q in enumerate(questions)),
        indicator_question=data.get("indicator_question"),
    )
    try:
        validate_template(template)
    except InvalidTemplate as exc:
        raise InvalidTemplate(f"{key}: {exc}") from None
    levels_of(key, data)
    return template


def levels_of(key: str, data: Any) -> tuple[str, ...] | None:
    """The levels a configured template is limited to (None: every level)."""
    raw = data.get("levels") if isinstance(data, Mapping) else None
    if raw is None:
        return None
    if not isinstance(raw, list) or not raw or any(x not in LEVELS for x in raw):
        raise InvalidTemplate(f"{key}.levels: a list of {', '.join(LEVELS)}")
    return tuple(raw)


def configured_templates(pulse_defaults: Any) -> dict[str, Any]:
    """The raw `templates` mapping of a unit's `defaults.pulse` (empty if none)."""
    if not isinstance(pulse_defaults, Mapping):
        return {}
    raw = pulse_defaults.get("templates")
    return dict(raw) if isinstance(raw, Mapping) else {}


def template_problems(pulse_defaults: Any) -> list[tuple[str, str]]:
    """(path below `pulse`, message) for every template in `defaults.pulse` that is
    not valid: the org file check reports them all at once."""
    if not isinstance(pulse_defaults, Mapping) or "templates" not in pulse_defaults:
        return []
    raw = pulse_defaults["templates"]
    if not isinstance(raw, Mapping):
        return [("templates", "a mapping of template key to {name, questions}")]
    problems = []
    for key, data in raw.items():
        try:
            template_from_config(key, data)
        except InvalidTemplate as exc:
            problems.append((f"templates.{key}", str(exc)))
    return problems


def configured_for(pulse_defaults: Any, key: str, level: str | None) -> Template | None:
    """The template `key` from a unit's `defaults.pulse`, if it is there, valid, and
    allowed at the unit's level."""
    data = configured_templates(pulse_defaults).get(key)
    if data is None:
        return None
    try:
        template = template_from_config(key, data)
        levels = levels_of(key, data)
    except InvalidTemplate:
        return None
    if levels is not None and level not in levels:
        return None
    return template


def available_keys(pulse_defaults: Any, level: str | None) -> list[str]:
    """Every template key a unit can start: its configured ones and the library."""
    own = configured_templates(pulse_defaults)
    keys = {k for k in own if configured_for(pulse_defaults, k, level)}
    return sorted(keys | {k for k in LIBRARY if library_template(k, level)})


# -- the shipped library -------------------------------------------------------------------

# The template a unit uses when its org file names none (storage/pulse_settings.py).
SAMVERKANSPULS = Template(
    key="samverkanspuls",
    name={"sv": "Samverkanspuls", "en": "Collaboration pulse"},
    indicator_question="collab",
    questions=(
        Question(
            id="collab",
            kind=Kind.LIKERT,
            text={
                "sv": "Hur väl fungerar samarbetet mellan vårdcentral och kommun?",
                "en": "How well does collaboration between the health centre and the municipality work?",
            },
            low={"sv": "Mycket dåligt", "en": "Very poorly"},
            high={"sv": "Mycket bra", "en": "Very well"},
        ),
        Question(
            id="contact",
            kind=Kind.YESNO,
            text={
                "sv": "Vet du vem du ska kontakta i den andra organisationen?",
                "en": "Do you know whom to contact at the other organisation?",
            },
        ),
        Question(
            id="example",
            kind=Kind.TEXT,
            required=False,
            text={
                "sv": "Ett gott exempel eller ett förbättringsförslag (frivilligt)",
                "en": "One good example or improvement proposal (optional)",
            },
        ),
    ),
)
BUILT_IN: dict[str, Template] = {SAMVERKANSPULS.key: SAMVERKANSPULS}
validate_template(SAMVERKANSPULS)

# Data, not code: read once from the package when this module is imported.
_LIBRARY_CONFIG: dict[str, dict[str, Any]] = yaml.safe_load(
    resources.files("core").joinpath("pulse_library.yaml").read_text(encoding="utf-8")
)

LIBRARY_LEVELS: dict[str, tuple[str, ...] | None] = {
    key: levels_of(key, data) for key, data in _LIBRARY_CONFIG.items()
}
LIBRARY: dict[str, Template] = {
    **BUILT_IN,
    **{key: template_from_config(key, data) for key, data in _LIBRARY_CONFIG.items()},
}


def library_template(key: str, level: str | None) -> Template | None:
    """A shipped template, if it is allowed at the unit's level."""
    levels = LIBRARY_LEVELS.get(key)
    if levels is not None and level not in levels:
        return None
    return LIBRARY.get(key)
