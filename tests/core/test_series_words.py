"""`möte ny <namn> <regel>`: the name is never taken from the rule's words, nor a rule's
word from the name."""

from datetime import date

import pytest

from core.recurrence import RuleError
from core.series_words import split_name

TODAY = date(2026, 11, 23)


@pytest.mark.parametrize(
    ("text", "name", "rrule"),
    [
        ("första tisdagen varje månad 13-15", None, "FREQ=MONTHLY;BYDAY=1TU"),
        ("Ledningsgrupp första tisdagen 13-15", "Ledningsgrupp", "FREQ=MONTHLY;BYDAY=1TU"),
        ("Vård och omsorg varannan torsdag 9-10", "Vård och omsorg",
         "FREQ=WEEKLY;INTERVAL=2;WKST=MO;BYDAY=TH"),
        ('"Första linjen" varje måndag 8.30', "Första linjen", "FREQ=WEEKLY;BYDAY=MO"),
        ("«Tisdagsgruppen» tisdagar udda veckor 13-14", "Tisdagsgruppen", None),
        ("Steering group last thursday monthly 9-10", "Steering group",
         "FREQ=MONTHLY;BYDAY=-1TH"),
    ],
)  # fmt: skip
def test_the_name_is_the_words_before_a_complete_rule(
    text: str, name: str | None, rrule: str | None
) -> None:
    said = split_name(text, TODAY)
    assert said.name == name
    assert rrule is None or said.rule.rrule == rrule
    assert said.rule_text == (text if name is None else text.split(name, 1)[1].strip(' "»'))


def test_a_rule_with_an_unknown_word_names_that_word_not_the_series_name() -> None:
    with pytest.raises(RuleError) as caught:
        split_name("Styrgrupp varje tisdag utom jul 13-15", TODAY)
    assert caught.value.words == ("utom", "jul")
