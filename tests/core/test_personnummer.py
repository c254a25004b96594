"""The personnummer/samordningsnummer guard over every way of writing one that a person
may type or paste (dashes, minus signs, invisible characters, full-width digits,
spaces between groups), and ordinary forum text that must pass."""

from __future__ import annotations

import sys
import unicodedata
from datetime import date, timedelta

from hypothesis import given
from hypothesis import strategies as st

from core.personnummer import (
    contains_identity_number,
    find_identity_numbers,
    luhn_ok,
    normalise,
)


def _check_digit(nine: str) -> str:
    for d in "0123456789":
        if luhn_ok(nine + d):
            return d
    raise AssertionError("no Luhn digit")


births = st.dates(min_value=date(1900, 1, 1), max_value=date(2025, 12, 31))
serials = st.integers(min_value=0, max_value=999).map(lambda n: f"{n:03d}")


@st.composite
def identity_numbers(draw: st.DrawFn) -> tuple[str, str]:
    """(as written, the ten Luhn-checked digits) for a valid number in a plain format."""
    born = draw(births)
    day = born.day + (60 if draw(st.booleans()) else 0)  # samordningsnummer: day + 60
    yymmdd = f"{born:%y%m}{day:02d}"
    nine = yymmdd + draw(serials)
    ten = nine + _check_digit(nine)
    century = f"{born.year // 100}"
    style = draw(
        st.sampled_from(["short-dash", "short-plus", "short", "long-dash", "long", "long-space"])
    )
    written = {
        "short-dash": f"{ten[:6]}-{ten[6:]}",
        "short-plus": f"{ten[:6]}+{ten[6:]}",
        "short": ten,
        "long-dash": f"{century}{ten[:6]}-{ten[6:]}",
        "long": f"{century}{ten}",
        "long-space": f"{century}{ten[:6]} {ten[6:]}",
    }[style]
    return written, ten


# What people's keyboards, Word's autocorrect and web pages put where a dash belongs.
DASHES = [
    "-",
    "\u2013",  # en dash (Word's autocorrect)
    "\u2014",  # em dash
    "\u2212",  # minus sign
    "\u2011",  # non-breaking hyphen
    "\u2010",  # hyphen
    "\u2012",  # figure dash
    "\ufe63",  # small hyphen-minus
    "\uff0d",  # full-width hyphen-minus
    "\u2015",  # horizontal bar
]
SPACES = [" ", "  ", "\u00a0", "\u202f", "\u2009", "\u2007", "\u3000"]
INVISIBLE = [
    "\u200b",  # zero-width space
    "\u200c",  # zero-width non-joiner
    "\u200d",  # zero-width joiner
    "\u2060",  # word joiner
    "\u00ad",  # soft hyphen
    "\ufeff",  # byte order mark
    "\u200e",  # left-to-right mark
]


def _full_width(ch: str) -> str:
    return chr(ord(ch) - ord("0") + 0xFF10) if ch.isdigit() else ch


@st.composite
def disguised_numbers(draw: st.DrawFn) -> str:
    """A valid number written with any mix of the variants above."""
    born = draw(births)
    day = born.day + (60 if draw(st.booleans()) else 0)
    nine = f"{born:%y%m}{day:02d}" + draw(serials)
    digits = nine + _check_digit(nine)
    if draw(st.booleans()):
        digits = f"{born.year // 100}" + digits
    # Where the pieces break: a dash or plus before the serial, spaces between fields.
    dash = draw(st.sampled_from([*DASHES, "+", "\uff0b", None]))
    spaced = draw(st.sets(st.sampled_from(range(2, len(digits) - 1, 2))))
    pieces: list[str] = []
    for i, ch in enumerate(digits):
        if i == len(digits) - 4 and dash is not None:
            around = draw(st.sampled_from(["", " ", "\u00a0"]))
            pieces.append(around + dash + around)
        elif i in spaced:
            pieces.append(draw(st.sampled_from(SPACES)))
        pieces.append(_full_width(ch) if draw(st.booleans()) else ch)
    text = "".join(pieces)
    # Invisible characters anywhere inside.
    for _ in range(draw(st.integers(min_value=0, max_value=4))):
        at = draw(st.integers(min_value=1, max_value=len(text) - 1))
        text = text[:at] + draw(st.sampled_from(INVISIBLE)) + text[at:]
    return text


words = st.text(alphabet="abcdefghijklmnopqrstuvwxyzåäö ,.", max_size=40)


@given(number=identity_numbers(), before=words, after=words)
def test_every_valid_number_is_found_in_free_text(
    number: tuple[str, str], before: str, after: str
) -> None:
    written, _ = number
    text = f"{before} {written} {after}"
    assert contains_identity_number(text)
    assert written in find_identity_numbers(text)


@given(written=disguised_numbers(), before=words, after=words)
def test_disguised_numbers_are_found(written: str, before: str, after: str) -> None:
    assert contains_identity_number(f"{before} {written} {after}"), ascii(written)


@given(number=identity_numbers(), wrong=st.integers(min_value=1, max_value=9))
def test_a_wrong_check_digit_is_not_an_identity_number(number: tuple[str, str], wrong: int) -> None:
    _, ten = number
    broken = ten[:9] + str((int(ten[9]) + wrong) % 10)
    for dash in DASHES:
        assert not contains_identity_number(f"ring {broken[:6]}{dash}{broken[6:]}")
    assert not contains_identity_number(f"ring {broken[:4]} {broken[4:6]}-{broken[6:]}")


@given(born=births, serial=serials)
def test_impossible_dates_are_not_identity_numbers(born: date, serial: str) -> None:
    # Month 13 never exists, whatever the check digit.
    nine = f"{born:%y}13{born:%d}" + serial
    assert not contains_identity_number(nine + _check_digit(nine))


# -- ordinary text passes -------------------------------------------------------------------

days = st.dates(min_value=date(1990, 1, 1), max_value=date(2060, 12, 31))
hours = st.integers(min_value=0, max_value=23).map(lambda h: f"{h:02d}")


@given(day=days, other=days, start=hours, end=hours, dash=st.sampled_from(DASHES))
def test_dates_times_and_date_ranges_pass(
    day: date, other: date, start: str, end: str, dash: str
) -> None:
    iso, to = day.isoformat(), other.isoformat()
    for text in (
        f"Möte {iso}",
        f"Möte {iso} {start}{dash}{end}",
        f"Möte {iso} kl. {start}.{end}",
        f"Möte {iso} {start}{end}",
        f"Period {iso}{dash}{to}",
        f"Period {iso} {dash} {to}",
        f"{iso.replace('-', dash)} {start}{dash}{end}",
    ):
        assert not contains_identity_number(text), text


@st.composite
def mobile_numbers(draw: st.DrawFn) -> str:
    """A Swedish mobile number (07X NNN NN NN), ten digits."""
    return "07" + draw(st.text(alphabet="0123456789", min_size=8, max_size=8))


@given(number=mobile_numbers(), dash=st.sampled_from(DASHES))
def test_phone_numbers_with_the_area_code_apart_pass(number: str, dash: str) -> None:
    # The usual ways of writing one split after the area code: never a personnummer's shape.
    for text in (
        f"{number[:3]}{dash}{number[3:6]} {number[6:8]} {number[8:]}",
        f"{number[:3]} {number[3:6]} {number[6:8]} {number[8:]}",
        f"{number[:3]}{dash}{number[3:]}",
        f"+46 {number[1:3]} {number[3:6]} {number[6:8]} {number[8:]}",
        f"+46 {number[1:3]}{dash}{number[3:6]} {number[6:8]} {number[8:]}",
    ):
        assert not contains_identity_number(f"Ring {text}"), text


@given(number=mobile_numbers())
def test_phone_numbers_failing_luhn_pass_in_any_form(number: str) -> None:
    if luhn_ok(number):
        number = number[:9] + str((int(number[9]) + 1) % 10)
    for text in (
        number,
        f"{number[:6]}-{number[6:]}",
        f"{number[:4]} {number[4:6]} {number[6:8]} {number[8:]}",
        f"{number[:4]}-{number[4:6]} {number[6:8]} {number[8:]}",
    ):
        assert not contains_identity_number(f"Ring {text}"), text


@given(
    amounts=st.lists(st.integers(min_value=0, max_value=10**12), min_size=1, max_size=4),
    space=st.sampled_from(SPACES),
)
def test_amounts_with_thousands_separators_pass(amounts: list[int], space: str) -> None:
    written = [f"{a:,}".replace(",", space) for a in amounts]
    assert not contains_identity_number("Budget: " + " ".join(written) + " kr"), written
    assert not contains_identity_number(f"Kostnad {written[0]},50 kr")


def test_ordinary_numbers_in_forum_text_pass() -> None:
    for text in (
        "Möte 2026-12-03 kl. 13.00 i rum 4",
        "Ring 070-123 45 67 eller 063-14 30 00",
        "Ring 08–123 456 78",
        "Utskrivningsklara dagar: 3,5 (mål 2,0) under 2026 Q1",
        "Ärende #1234567 lyft till klustret",
        "Kolada U21468 för 2022-2025",
        "Möte 2026-12-03–2026-12-05, 13–15 varje dag",
        "Budget 1 250 000 kr, utfall 1 312 500 kr",
    ):
        assert not contains_identity_number(text), text


# -- the normalisation ------------------------------------------------------------------------


def test_every_unicode_dash_reads_as_a_hyphen() -> None:
    dashes = [chr(c) for c in range(sys.maxunicode + 1) if unicodedata.category(chr(c)) == "Pd"] + [
        "\u2212",
        "\u2796",
        "\u02d7",
        "\u207b",
        "\u208b",
    ]
    for dash in dashes:
        assert normalise(f"1{dash}2") == "1-2", hex(ord(dash))
        assert contains_identity_number(f"121212{dash}1212"), hex(ord(dash))


def test_format_characters_are_dropped_and_digits_made_ascii() -> None:
    for ch in INVISIBLE:
        assert normalise(f"12{ch}34") == "1234", hex(ord(ch))
    assert normalise("１２１２１２") == "121212"
    assert normalise("٨١١٢١٨") == "811218"  # Arabic-Indic digits
    assert normalise("Ärende\x00 1") == "Ärende 1"


def test_known_test_numbers() -> None:
    # Skatteverket's published test personnummer, and a samordningsnummer.
    assert contains_identity_number("19121212-1212")
    assert contains_identity_number("121212-1212")
    assert contains_identity_number("201212121212")
    assert contains_identity_number("701063-2391")
    assert contains_identity_number("121212+1212")  # over 100 years old
    assert not contains_identity_number("121212-1213")
    # The review's examples.
    assert contains_identity_number("811218\u20139876")
    assert contains_identity_number("Patient 8112 18-98 76 väntade")
    assert contains_identity_number("19811218 - 9876")
    assert contains_identity_number("811218 9876")
    assert contains_identity_number("12 811218 9876")  # a number before it does not hide it


def test_several_texts_at_once() -> None:
    assert contains_identity_number(None, "", "titel", "se 121212-1212")
    assert not contains_identity_number(None, "", "titel")


def test_dates_near_today_are_handled() -> None:
    yesterday = date.today() - timedelta(days=1)
    nine = f"{yesterday:%y%m%d}001"
    assert contains_identity_number(nine + _check_digit(nine))
