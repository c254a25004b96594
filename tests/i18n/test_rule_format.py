"""A meeting rule shown in the reader's language, rendered from the parsed rule (whatever
language it was said in), and the refusals that name the words not understood."""

from __future__ import annotations

import re
from datetime import date

import pytest

from core.recurrence import Recurrence, RuleError, parse_rule
from i18n.format import recurrence
from i18n.texts import TEXTS, t

TODAY = date(2026, 11, 23)

SHOWN = [
    (
        "första och tredje tisdagen varje månad 13–15",
        "första och tredje tisdagen varje månad kl. 13.00–15.00",
        "the first and third Tuesday of every month, 13:00–15:00",
    ),
    (
        "first tuesday and third thursday monthly 13-15",
        "första tisdagen och tredje torsdagen varje månad kl. 13.00–15.00",
        "the first Tuesday and the third Thursday of every month, 13:00–15:00",
    ),
    (
        "sista söndagen i mars 10-12",
        "sista söndagen i mars varje år kl. 10.00–12.00",
        "the last Sunday in March every year, 10:00–12:00",
    ),
    (
        "näst sista fredagen i månaden 8-9",
        "näst sista fredagen varje månad kl. 8.00–9.00",
        "the second to last Friday of every month, 08:00–09:00",
    ),
    (
        "andra torsdagen varannan månad 9-12",
        "andra torsdagen varannan månad kl. 9.00–12.00",
        "the second Thursday every other month, 09:00–12:00",
    ),
    (
        "every other thursday 9-10",
        "varannan torsdag kl. 9.00–10.00",
        "every other Thursday, 09:00–10:00",
    ),
    (
        "var tredje vecka fredag 10-11",
        "fredag var 3:e vecka kl. 10.00–11.00",
        "Friday every 3 weeks, 10:00–11:00",
    ),
    (
        "måndagar och torsdagar 8-9",
        "varje måndag och torsdag kl. 8.00–9.00",
        "every Monday and Thursday, 08:00–09:00",
    ),
    (
        "tisdagar udda veckor 13-14",
        "varje tisdag i udda veckor kl. 13.00–14.00",
        "every Tuesday in odd weeks, 13:00–14:00",
    ),
    (
        "even weeks wednesday 9-10",
        "varje onsdag i jämna veckor kl. 9.00–10.00",
        "every Wednesday in even weeks, 09:00–10:00",
    ),
    (
        "torsdag vecka 10, 20 och 30 13-15",
        "varje torsdag veckorna 10, 20 och 30 kl. 13.00–15.00",
        "every Thursday in weeks 10, 20 and 30, 13:00–15:00",
    ),
    (
        "första måndagen i mars, juni och september 13-15",
        "första måndagen i mars, juni och september varje år kl. 13.00–15.00",
        "the first Monday in March, June and September every year, 13:00–15:00",
    ),
    (
        "varje måndag utom juli 8.30",
        "varje måndag utom i juli kl. 8.30–9.30",
        "every Monday except in July, 08:30–09:30",
    ),
    (
        "first tuesday monthly except july and august 13-15",
        "första tisdagen varje månad utom i juli och augusti kl. 13.00–15.00",
        "the first Tuesday of every month except in July and August, 13:00–15:00",
    ),
    (
        "första tisdagen varje månad 13-15 till och med 2027-06-30",
        "första tisdagen varje månad kl. 13.00–15.00, till och med 30 juni 2027",
        "the first Tuesday of every month, 13:00–15:00, until 30 June 2027",
    ),
    (
        "every other thursday 9-10 10 times",
        "varannan torsdag kl. 9.00–10.00, 10 möten",
        "every other Thursday, 09:00–10:00, 10 meetings",
    ),
]


@pytest.mark.parametrize(("said", "sv", "en"), SHOWN)
def test_the_rule_is_shown_in_the_readers_language(said: str, sv: str, en: str) -> None:
    rule = parse_rule(said, TODAY)
    assert (recurrence("sv", rule), recurrence("en", rule)) == (sv, en)
    # What the card shows is read again as the same rule (Swedish and English alike).
    for shown in (sv, en):
        again = parse_rule(shown.replace(", until", " until"), TODAY)
        assert again.rrule == rule.rrule, shown


def test_a_rule_stored_before_rrules_is_shown_as_before() -> None:
    old = {"freq": "monthly", "weekday": 3, "start": "13:00", "end": "15:00",
           "interval": 1, "nth": -1, "anchor": None}  # fmt: skip
    assert recurrence("sv", Recurrence.from_dict(old)) == (
        "sista torsdagen varje månad kl. 13.00–15.00"
    )


def test_a_refusal_names_the_words_and_gives_an_example_in_both_languages() -> None:
    with pytest.raises(RuleError) as err:
        parse_rule("varje tisdag utom jul 13-15", TODAY)
    sv = t("sv", f"mtg.err.{err.value.code}", **err.value.args_)
    en = t("en", f"mtg.err.{err.value.code}", **err.value.args_)
    assert '"utom", "jul"' in sv and "t.ex. `" in sv
    assert '"utom", "jul"' in en and "e.g. `" in en


def test_a_refused_word_cannot_format_the_message() -> None:
    with pytest.raises(RuleError) as err:
        parse_rule("varje tisdag **fet** [länk](http://x) 13-15", TODAY)
    shown = err.value.args_["words"]
    assert "*" not in shown and "[" not in shown and "fet" in shown


RULE_REFUSALS = ("unknown_words", "conflict", "no_weekday", "no_ordinal", "bad_count",
                 "bad_week", "past_end", "never")  # fmt: skip


@pytest.mark.parametrize("code", RULE_REFUSALS)
@pytest.mark.parametrize("lang", ["sv", "en"])
def test_every_example_a_refusal_gives_works(code: str, lang: str) -> None:
    examples = re.findall(r"`([^`]+)`", TEXTS[f"mtg.err.{code}"][lang])
    assert examples, code
    for example in examples:
        rule = parse_rule(example, TODAY)
        assert rule.start is not None, example
