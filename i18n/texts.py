"""Everything the bot says, in Swedish and English.

The catalogue is data: one YAML file per family of messages under i18n/catalogue/, each
mapping a message id to its texts (`{sv: ..., en: ...}`); that is what translators edit.
`t(lang, key, **args)` formats. Swedish is the default; a missing English text falls back to
Swedish rather than failing. The files are named in an explicit list below and merged at
import: a key defined twice (in one file or across files), an entry without Swedish, or a
language other than sv and en is an error.
"""

from __future__ import annotations

from collections.abc import Iterable
from importlib import resources
from importlib.resources.abc import Traversable
from typing import Any, Literal, get_args

import yaml

Lang = Literal["sv", "en"]
LANGS: tuple[str, ...] = get_args(Lang)

# The families, in the order TEXTS keeps (i18n/catalogue/NAME.yaml).
CATALOGUE = (
    "base",
    "bounds",
    "digest",
    "edges",
    "items",
    "meetings",
    "pulse",
    "pulse_builder",
    "pulse_delivery",
    "tenancy",
    "files",
    "reasons",
    "people",
    "calendar",
)

# libyaml's parser where PyYAML was built with it: a few times faster at import.
_BaseLoader: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _Loader(_BaseLoader):
    """Safe loading that refuses a mapping key given twice (PyYAML keeps the last)."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        seen: set[object] = set()
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=deep)
            if key in seen:
                raise ValueError(f"text defined twice: {key!r} ({key_node.start_mark})")
            seen.add(key)
        return super().construct_mapping(node, deep=deep)


def _read(file: Traversable) -> dict[str, dict[str, str]]:
    data = yaml.load(file.read_text(encoding="utf-8"), Loader=_Loader)
    if not isinstance(data, dict):
        raise ValueError(f"{file.name}: not a table of message ids")
    for key, entry in data.items():
        if not isinstance(entry, dict) or "sv" not in entry:
            raise ValueError(f"{file.name}: {key!r} has no sv text")
        others = sorted(set(entry) - set(LANGS))
        if others:
            raise ValueError(f"{file.name}: {key!r} has languages other than sv/en: {others}")
        if not isinstance(key, str) or not all(isinstance(v, str) for v in entry.values()):
            raise ValueError(f"{file.name}: {key!r} is not text")
    return data


def load_catalogue(files: Iterable[Traversable]) -> dict[str, dict[str, str]]:
    """The files' tables merged in order; a key in two files is an error."""
    merged: dict[str, dict[str, str]] = {}
    for file in files:
        table = _read(file)
        twice = merged.keys() & table.keys()
        if twice:
            raise ValueError(f"texts defined twice: {sorted(twice)} (again in {file.name})")
        merged.update(table)
    return merged


_FOLDER = resources.files("i18n") / "catalogue"
TEXTS = load_catalogue(_FOLDER / f"{name}.yaml" for name in CATALOGUE)


def t(lang: str, key: str, **args: object) -> str:
    entry = TEXTS[key]
    template = entry.get(lang) or entry["sv"]
    return template.format(**args) if args else template


def role_name(lang: str, role: str) -> str:
    return t(lang, f"role.{role}")
