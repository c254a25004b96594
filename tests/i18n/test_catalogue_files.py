"""The catalogue files (i18n/catalogue/*.yaml): what the loader refuses, and that every file
is registered and every holiday core names has a text."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

import pytest

from core.holidays import days_off
from i18n.holidays import holiday_key
from i18n.texts import CATALOGUE, TEXTS, load_catalogue


def _file(folder: Path, name: str, body: str) -> Path:
    path = folder / name
    path.write_text(body, encoding="utf-8")
    return path


def test_files_load_in_order(tmp_path: Path) -> None:
    a = _file(tmp_path, "a.yaml", "x.one:\n  sv: Ett {n}\n  en: One {n}\n")
    b = _file(tmp_path, "b.yaml", "# only Swedish: English falls back\nx.two:\n  sv: Två\n")
    assert load_catalogue([a, b]) == {
        "x.one": {"sv": "Ett {n}", "en": "One {n}"},
        "x.two": {"sv": "Två"},
    }


def test_a_key_in_two_files_is_refused(tmp_path: Path) -> None:
    a = _file(tmp_path, "a.yaml", "x.same:\n  sv: Ett\n  en: One\n")
    b = _file(tmp_path, "b.yaml", "x.other:\n  sv: Annan\nx.same:\n  sv: Två\n  en: Two\n")
    with pytest.raises(ValueError, match=r"defined twice: \['x\.same'\]"):
        load_catalogue([a, b])


def test_a_key_twice_in_one_file_is_refused(tmp_path: Path) -> None:
    """YAML itself keeps the last of two equal keys without a word."""
    a = _file(tmp_path, "a.yaml", "x.same:\n  sv: Ett\nx.same:\n  sv: Två\n")
    with pytest.raises(ValueError, match=r"defined twice: 'x\.same'"):
        load_catalogue([a])


def test_an_entry_without_swedish_is_refused(tmp_path: Path) -> None:
    a = _file(tmp_path, "a.yaml", "x.ok:\n  sv: Ja\nx.english_only:\n  en: Yes\n")
    with pytest.raises(ValueError, match=r"'x\.english_only' has no sv text"):
        load_catalogue([a])


def test_a_language_other_than_sv_and_en_is_refused(tmp_path: Path) -> None:
    a = _file(tmp_path, "a.yaml", "x.key:\n  sv: Ja\n  en: Yes\n  se: Juo\n")
    with pytest.raises(ValueError, match=r"other than sv/en: \['se'\]"):
        load_catalogue([a])


@pytest.mark.parametrize(
    "body", ["- just\n- a list\n", "x.key: a bare string\n", "x.key:\n  sv: 12\n"]
)
def test_what_is_not_a_table_of_texts_is_refused(tmp_path: Path, body: str) -> None:
    with pytest.raises(ValueError):
        load_catalogue([_file(tmp_path, "a.yaml", body)])


def test_every_catalogue_file_is_registered() -> None:
    """Registration is an explicit list; a file left out of it would never be read."""
    folder = resources.files("i18n") / "catalogue"
    shipped = {f.name.removesuffix(".yaml") for f in folder.iterdir() if f.name.endswith(".yaml")}
    assert shipped == set(CATALOGUE)


def test_every_day_off_core_names_has_its_text() -> None:
    """core.holidays names the days in Swedish; the card says the catalogue's name."""
    names = {name for year in range(2024, 2031) for name in days_off(year).values()}
    assert {TEXTS[holiday_key(name)]["sv"] for name in names} == names
