"""The sv/en catalogue: complete in both languages, and every text renders in Teams."""

from __future__ import annotations

import re
import string

import pytest

from bot.handlers import build_router
from i18n.texts import TEXTS

router = build_router()

LANGS = ("sv", "en")


def _placeholders(template: str) -> set[str]:
    return {field for _, field, _, _ in string.Formatter().parse(template) if field is not None}


def test_every_key_has_swedish_and_english_with_the_same_placeholders() -> None:
    problems = []
    for key, entry in TEXTS.items():
        missing = [lang for lang in LANGS if not entry.get(lang, "").strip()]
        if missing:
            problems.append(f"{key}: no {', '.join(missing)}")
        elif _placeholders(entry["sv"]) != _placeholders(entry["en"]):
            problems.append(
                f"{key}: sv {_placeholders(entry['sv'])} en {_placeholders(entry['en'])}"
            )
    assert not problems, "\n".join(problems)


def test_no_text_holds_something_teams_would_drop_as_html() -> None:
    """Teams treats `<enhet>` as an unknown HTML tag and shows nothing: the welcome card
    read "skriv @Samverkan setup ." Placeholders are written ‹enhet›."""
    tag = re.compile(r"<[A-Za-zÅÄÖåäö/!]")
    found = [f"{key}.{lang}" for key, e in TEXTS.items() for lang in LANGS if tag.search(e[lang])]
    assert not found, found


@pytest.mark.parametrize("lang", LANGS)
def test_every_usage_line_in_help_starts_with_its_command(lang: str) -> None:
    """The help card listed `ärende-visa <nr>`, which is no command; each `usage` in a
    command's help text must start with a word that command answers to."""
    wrong = []
    for entry in router.commands.values():
        words = {entry.spec.name, *entry.spec.aliases, *entry.words.values()}
        for usage in re.findall(r"`([^`]+)`", TEXTS[entry.help_key][lang]):
            if usage.split()[0].casefold() not in {w.casefold() for w in words}:
                wrong.append(f"{entry.help_key}.{lang}: `{usage}`")
    assert not wrong, wrong
