"""The personnummer/samordningsnummer guard over every common way of writing one."""

from __future__ import annotations

from datetime import date, timedelta

from hypothesis import given
from hypothesis import strategies as st

from core.personnummer import contains_identity_number, find_identity_numbers, luhn_ok


def _check_digit(nine: str) -> str:
    for d in "0123456789":
        if luhn_ok(nine + d):
            return d
    raise AssertionError("no Luhn digit")


births = st.dates(min_value=date(1900, 1, 1), max_value=date(2025, 12, 31))
serials = st.integers(min_value=0, max_value=999).map(lambda n: f"{n:03d}")


@st.composite
def identity_numbers(draw: st.DrawFn) -> tuple[str, str]:
    """(as written, the ten Luhn-checked digits) for a valid number in a random format."""
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


words = st.text(alphabet="abcdefghijklmnopqrstuvwxyzåäö ,.", max_size=40)


@given(number=identity_numbers(), before=words, after=words)
def test_every_valid_number_is_found_in_free_text(
    number: tuple[str, str], before: str, after: str
) -> None:
    written, _ = number
    text = f"{before} {written} {after}"
    assert contains_identity_number(text)
    assert written in find_identity_numbers(text)


@given(number=identity_numbers(), wrong=st.integers(min_value=1, max_value=9))
def test_a_wrong_check_digit_is_not_an_identity_number(number: tuple[str, str], wrong: int) -> None:
    _, ten = number
    broken = ten[:9] + str((int(ten[9]) + wrong) % 10)
    assert not contains_identity_number(f"ring {broken[:6]}-{broken[6:]}")


@given(born=births, serial=serials)
def test_impossible_dates_are_not_identity_numbers(born: date, serial: str) -> None:
    # Month 13 never exists, whatever the check digit.
    nine = f"{born:%y}13{born:%d}" + serial
    assert not contains_identity_number(nine + _check_digit(nine))


def test_ordinary_numbers_in_forum_text_pass() -> None:
    for text in (
        "Möte 2026-12-03 kl. 13.00 i rum 4",
        "Ring 070-123 45 67 eller 063-14 30 00",
        "Utskrivningsklara dagar: 3,5 (mål 2,0) under 2026 Q1",
        "Ärende #1234567 lyft till klustret",
        "Kolada U21468 för 2022-2025",
    ):
        assert not contains_identity_number(text), text


def test_known_test_numbers() -> None:
    # Skatteverket's published test personnummer, and a samordningsnummer.
    assert contains_identity_number("19121212-1212")
    assert contains_identity_number("121212-1212")
    assert contains_identity_number("201212121212")
    assert contains_identity_number("701063-2391")
    assert not contains_identity_number("121212-1213")


def test_dates_near_today_are_handled() -> None:
    yesterday = date.today() - timedelta(days=1)
    nine = f"{yesterday:%y%m%d}001"
    assert contains_identity_number(nine + _check_digit(nine))
