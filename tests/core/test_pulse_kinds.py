"""Pulse question kinds, org-file templates and the shipped library (pure, no DB)."""

from __future__ import annotations

import random

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cards.pulse import pulse_card, results_card
from core.org import OrgSpec, parse_org
from core.pulse_answers import Refusal, stored_values_ok, validate_answer
from core.pulse_builder import BuilderProblem, template_from_builder
from core.pulse_questions import InvalidTemplate, Kind, template_from_dict, template_to_dict
from core.pulse_results import summarize
from core.pulse_templates import (
    LIBRARY,
    available_keys,
    configured_for,
    slug,
    template_from_config,
)
from tests.cardschema import assert_valid_card

ALL_KINDS = template_from_config(
    "alla",
    {
        "name": "Alla frågetyper",
        "questions": [
            {"id": "s5", "kind": "scale5", "text": "Samarbetet?", "low": "Dåligt", "high": "Bra"},
            {"id": "s10", "kind": "scale10", "text": "Rekommendera?", "low": "Aldrig"},
            {"id": "yn", "kind": "yesno", "text": "Vet du vem?"},
            {"id": "one", "kind": "choice", "text": "Kanal?", "options": ["Telefon", "E-post"]},
            {
                "id": "many",
                "kind": "multi",
                "text": "Teman?",
                "options": {"barn": "Barn", "aldre": "Äldre", "psyk": "Psykisk hälsa"},
            },
        ],
    },
)
GOOD = {"q_s5": "4", "q_s10": "0", "q_yn": "no", "q_one": "telefon", "q_many": "psyk,barn"}


def test_every_kind_is_parsed_from_the_short_form() -> None:
    kinds = [q.kind for q in ALL_KINDS.questions]
    assert kinds == [Kind.LIKERT, Kind.SCALE10, Kind.YESNO, Kind.CHOICE, Kind.MULTI]
    one, s5 = ALL_KINDS.question("one"), ALL_KINDS.question("s5")
    assert one is not None and s5 is not None
    assert one.options[1].id == "e_post"  # ids made from labels
    assert s5.text == {"sv": "Samarbetet?", "en": "Samarbetet?"}
    # What a pulse stores (its snapshot) reads back the same.
    assert template_from_dict(template_to_dict(ALL_KINDS)) == ALL_KINDS


def test_valid_answers_are_stored_per_kind() -> None:
    check = validate_answer(ALL_KINDS, GOOD)
    assert check.ok
    # Multiple choice is kept in the template's order, whatever order the card sent.
    assert check.values == {
        "s5": 4,
        "s10": 0,
        "yn": "no",
        "one": "telefon",
        "many": ["barn", "psyk"],
    }
    assert check.values is not None and stored_values_ok(ALL_KINDS, check.values)


@pytest.mark.parametrize(
    ("field", "raw", "refusal"),
    [
        ("q_s5", "0", Refusal.OUT_OF_RANGE),
        ("q_s5", "6", Refusal.OUT_OF_RANGE),
        ("q_s10", "11", Refusal.OUT_OF_RANGE),
        ("q_s10", "-1", Refusal.OUT_OF_RANGE),
        ("q_s10", "sju", Refusal.TAMPERED),
        ("q_yn", "kanske", Refusal.OUT_OF_RANGE),
        ("q_one", "brevduva", Refusal.OUT_OF_RANGE),
        ("q_one", "telefon,e_post", Refusal.OUT_OF_RANGE),  # single choice: one
        ("q_many", "barn,barn", Refusal.OUT_OF_RANGE),
        ("q_many", "barn,okand", Refusal.OUT_OF_RANGE),
        ("q_many", ["barn"], Refusal.TAMPERED),  # the card sends text, never a list
        ("q_many", "", Refusal.MISSING),
        ("q_s10", None, Refusal.MISSING),
    ],
)
def test_bad_input_is_refused_per_kind(field: str, raw: object, refusal: Refusal) -> None:
    check = validate_answer(ALL_KINDS, {**GOOD, field: raw})
    assert not check.ok and check.refusal is refusal and check.values is None


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.dictionaries(st.sampled_from(sorted(GOOD)), st.text(max_size=12) | st.integers()))
def test_whatever_arrives_is_either_refused_or_fits_the_template(data: dict) -> None:
    check = validate_answer(ALL_KINDS, {**GOOD, **data})
    if check.ok:
        assert check.values is not None and stored_values_ok(ALL_KINDS, check.values)


def test_results_per_kind_count_people_and_means() -> None:
    answers = [
        {"s5": 5, "s10": 10, "yn": "yes", "one": "telefon", "many": ["barn", "aldre"]},
        {"s5": 3, "s10": 0, "yn": "no", "one": "telefon", "many": ["barn"]},
        {"s5": 4, "s10": 5, "yn": "yes", "one": "e_post"},
        {"s5": 4, "s10": 7, "yn": "yes", "one": "telefon", "many": ["psyk"]},
        {"s5": 4, "s10": 8, "yn": "yes", "one": "telefon", "many": ["barn"]},
    ]
    res = summarize(ALL_KINDS, answers, 5, rng=random.Random(1))
    by = {qr.question.id: qr for qr in res.questions}
    assert by["s5"].mean == 4.0 and by["s5"].counts == {"1": 0, "2": 0, "3": 1, "4": 3, "5": 1}
    assert by["s10"].mean == 6.0 and list(by["s10"].counts) == [str(i) for i in range(11)]
    assert by["many"].answered == 4 and by["many"].counts == {"barn": 3, "aldre": 1, "psyk": 1}
    card = results_card("sv", ALL_KINDS, res, unit="Östersund", period="2026-11")
    assert_valid_card(card)
    shown = str(card)
    assert "Medelvärde 4,0 av 5 · 5 svar" in shown and "Medelvärde 6,0 av 10 · 5 svar" in shown
    assert "4 svar · flera val möjliga" in shown


@pytest.mark.parametrize("key", sorted(LIBRARY))
@pytest.mark.parametrize("lang", ["sv", "en"])
def test_every_library_template_renders_a_valid_card(key: str, lang: str) -> None:
    template = LIBRARY[key]
    card = pulse_card(lang, "ref", template, closes="fredag 16:00", threshold=5)
    assert_valid_card(card)
    inputs = [el for el in card["body"] if el["type"].startswith("Input.")]
    assert len(inputs) == len(template.questions)
    for el, q in zip(inputs, template.questions, strict=True):
        assert el["label"] == q.label(lang)
        assert el.get("isMultiSelect", False) is (q.kind is Kind.MULTI)
        if q.kind is Kind.SCALE10:
            assert [c["value"] for c in el["choices"]] == [str(i) for i in range(11)]


def test_the_library_covers_the_three_themes_in_swedish() -> None:
    assert {"samverkanspuls", "samarbete", "kontaktvagar", "lokal_arena"} <= set(LIBRARY)
    kinds = {q.kind for t in LIBRARY.values() for q in t.questions}
    assert kinds == set(Kind)
    assert LIBRARY["samarbete"].indicator_question == "samarbete"
    # The arena template is for local units, not the county's council.
    assert "lokal_arena" in available_keys(None, "team")
    assert "lokal_arena" not in available_keys(None, "macro")


ORG = {
    "county": "Region Test",
    "defaults": {
        "pulse": {
            "templates": {
                "teamet": {
                    "name": "Teamets samverkan",
                    "levels": ["team"],
                    "questions": [{"id": "ok", "kind": "yesno", "text": "Fungerar det?"}],
                }
            }
        }
    },
    "units": [
        {
            "name": "Rådet",
            "level": "macro",
            "children": [
                {
                    "name": "Östersund",
                    "level": "cluster",
                    "defaults": {
                        "pulse": {
                            "templates": {
                                "eget": {
                                    "name": "Eget",
                                    "questions": [{"id": "x", "kind": "scale10", "text": "X?"}],
                                }
                            }
                        }
                    },
                    "children": [{"name": "Team A", "level": "team"}],
                }
            ],
        }
    ],
}


def test_org_file_templates_per_unit_and_level() -> None:
    spec = parse_org(ORG)
    assert isinstance(spec, OrgSpec), spec
    team, cluster = spec.unit("Team A"), spec.unit("Östersund")
    assert team is not None and cluster is not None
    team_pulse, cluster_pulse = team.defaults["pulse"], cluster.defaults["pulse"]
    assert configured_for(team_pulse, "teamet", "team") is not None
    assert configured_for(cluster_pulse, "teamet", "cluster") is None  # levels: [team]
    got = configured_for(cluster_pulse, "eget", "cluster")  # the unit's own, beside the county's
    assert got is not None and got.questions[0].kind is Kind.SCALE10
    assert configured_for(team_pulse, "eget", "team") is None  # not the parent's


@pytest.mark.parametrize(
    ("template", "where"),
    [
        ({"name": "X", "questions": []}, "1–5 questions"),
        ({"name": "X", "questions": [{"id": "a", "kind": "stars", "text": "?"}]}, "kind"),
        ({"name": "X", "questions": [{"id": "a", "kind": "scale5", "text": "?"}]}, "labels"),
        ({"name": "X", "questions": [{"id": "a", "kind": "multi", "text": "?"}]}, "options"),
        (
            {
                "name": "X",
                "levels": ["ward"],
                "questions": [{"id": "a", "kind": "yesno", "text": "?"}],
            },
            "levels",
        ),
        ({"questions": [{"id": "a", "kind": "yesno", "text": "?"}]}, "name"),
    ],
)
def test_org_file_reports_a_bad_template_where_it_is(template: dict, where: str) -> None:
    org = {**ORG, "defaults": {"pulse": {"templates": {"dalig": template}}}}
    problems = parse_org(org)
    assert isinstance(problems, list)
    [problem] = [str(p) for p in problems]
    assert "defaults.pulse.templates.dalig" in problem and where in problem


def test_a_slug_is_a_valid_key() -> None:
    assert slug("Vår arena – hösten 2026!") == "var_arena_hosten_2026"
    with pytest.raises(InvalidTemplate):
        template_from_config("Stora Bokstäver", {"name": "x", "questions": []})


BUILDER = {
    "b_name": "Arena",
    "b_text_1": "Hur var mötet?",
    "b_kind_1": "scale5",
    "b_low_1": "Dåligt",
    "b_high_1": "Bra",
}


@pytest.mark.parametrize(
    ("change", "code", "number"),
    [
        ({"b_name": "  "}, "name", 0),
        ({"b_name": "!!!"}, "name", 0),
        ({"b_text_1": ""}, "text", 1),  # labels left without a question
        ({"b_text_1": "", "b_low_1": "", "b_high_1": ""}, "none", 0),
        ({"b_high_1": ""}, "labels", 1),
        (
            {"b_text_2": "Kanal?", "b_kind_2": "choice", "b_opts_2": "Telefon, telefon"},
            "options",
            2,
        ),
        (
            {"b_text_2": "Kanal?", "b_kind_2": "multi", "b_opts_2": ",".join("abcdefghi")},
            "options",
            2,
        ),
        ({"b_text_3": "x" * 201}, "too_long", 3),
        ({"b_text_1": "Gäller 19121212-1212"}, "personnummer", 1),
        ({"b_kind_1": "stars"}, "tampered", 1),
        ({"b_text_1": ["list"]}, "tampered", 1),
    ],
)
def test_builder_problems_name_the_question(change: dict, code: str, number: int) -> None:
    with pytest.raises(BuilderProblem) as caught:
        template_from_builder({**BUILDER, **change})
    assert (caught.value.code, caught.value.number) == (code, number)


def test_builder_makes_a_template_of_the_rows_with_text() -> None:
    template = template_from_builder(
        {**BUILDER, "b_text_4": "Förslag?", "b_kind_4": "text", "b_opts_4": ""}
    )
    assert template.key == "arena"
    assert [(q.id, q.kind, q.required) for q in template.questions] == [
        ("f1", Kind.LIKERT, True),
        ("f4", Kind.TEXT, False),
    ]


def test_the_example_org_file_with_templates_loads() -> None:
    from pathlib import Path

    from core.org import parse_org_text

    path = Path(__file__).resolve().parents[2] / "examples" / "pulse_templates.yaml"
    spec = parse_org_text(path.read_text(encoding="utf-8"))
    assert isinstance(spec, OrgSpec), spec
    team, cluster = spec.unit("Team Norr"), spec.unit("Norra närområdet")
    assert team is not None and cluster is not None
    assert configured_for(team.defaults["pulse"], "teamets_vardag", "team") is not None
    assert configured_for(cluster.defaults["pulse"], "arenan", "cluster") is not None
    assert "teamets_vardag" not in available_keys(cluster.defaults["pulse"], "cluster")
