"""The org file parser and planner: every problem with its path, round trips, plans."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from core.org import (
    ExistingUnit,
    OrgPlan,
    OrgProblem,
    OrgSpec,
    dump_org,
    parse_org,
    parse_org_text,
    plan_changes,
)

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


def base() -> dict[str, Any]:
    return {
        "county": "Region Test",
        "levels": {"macro": "Samverkansråd", "cluster": "Närvårdsområde"},
        "topics": ["Barn och unga", "Psykisk hälsa", "Äldre"],
        "defaults": {
            "pulse": {"cadence": "monthly", "window_working_days": 5},
            "escalation": {"team": {"resolve_days": 14, "ack_days": 3, "repeat": 2}},
        },
        "units": [
            {
                "name": "Rådet",
                "level": "macro",
                "roles": {"coordinator": ["anna.berg@example.se"]},
                "children": [
                    {"name": "Östersund", "level": "cluster", "kolada_id": "2380"},
                    {
                        "name": "Psykisk hälsa (länsgrupp)",
                        "level": "topic",
                        "topic": "Psykisk hälsa",
                    },
                    {"name": "Krokom", "level": "cluster"},
                ],
            }
        ],
    }


def problems(data: Any) -> list[str]:
    result = parse_org(data)
    assert isinstance(result, list), "expected problems, got a spec"
    return [str(p) for p in result]


def spec_of(data: Any) -> OrgSpec:
    result = parse_org(data)
    assert isinstance(result, OrgSpec), [str(p) for p in result]
    return result


# ---------------------------------------------------------------------------
# Parsing: what a valid file becomes


def test_valid_file_gives_units_parents_first_with_labels_and_merged_defaults() -> None:
    data = base()
    data["units"][0]["children"][0]["defaults"] = {"pulse": {"cadence": "quarterly"}}
    spec = spec_of(data)
    assert [u.name for u in spec.units] == [
        "Rådet", "Östersund", "Psykisk hälsa (länsgrupp)", "Krokom",
    ]  # fmt: skip
    ost = spec.unit("östersund")
    assert ost is not None and ost.parent == "Rådet" and ost.kolada_id == "2380"
    assert ost.level_label == "Närvårdsområde"
    # Deep merge: the unit's cadence wins, the county's window stays.
    assert ost.defaults["pulse"] == {"cadence": "quarterly", "window_working_days": 5}
    assert spec.unit("Krokom").defaults["pulse"]["cadence"] == "monthly"  # type: ignore[union-attr]
    assert spec.units[0].roles == frozenset({("coordinator", "anna.berg@example.se")})


def test_flat_form_with_parent_names_matches_nested_form() -> None:
    flat = base()
    children = flat["units"][0].pop("children")
    flat["units"] += [{**c, "parent": "RÅDET"} for c in children]  # case-insensitive
    assert spec_of(flat) == spec_of(base())


def test_people_are_lower_cased_and_guids_accepted() -> None:
    data = base()
    guid = "3F2504E0-4F89-11D3-9A0C-0305E82C3301"
    data["units"][0]["roles"] = {"manager": ["Anna.Berg@Example.SE", guid], "admin": "x@y.se"}
    roles = spec_of(data).units[0].roles
    assert roles == {
        ("manager", "anna.berg@example.se"),
        ("manager", guid.lower()),
        ("admin", "x@y.se"),
    }


# ---------------------------------------------------------------------------
# Parsing: every problem, with its path


def test_duplicate_name_names_both_places() -> None:
    data = base()
    data["units"][0]["children"].append({"name": "östersund", "level": "cluster"})
    assert problems(data) == [
        "units[0].children[3].name: duplicate unit name 'östersund' (also at units[0].children[0])"
    ]


def test_a_personnummer_anywhere_in_the_file_is_a_problem_at_its_path() -> None:
    data = base()
    data["units"][0]["children"][0]["defaults"] = {
        "meetings": [
            {"name": "Möte", "rule": "varje tisdag 13-15", "place": "Rum 121212\u20131212"}
        ]
    }
    found = problems(data)
    assert len(found) == 1 and "looks like a personnummer" in found[0], found
    assert found[0].startswith("units[0].children[0].defaults.meetings[0].place")


def test_unknown_parent_with_suggestion() -> None:
    data = base()
    data["units"].append({"name": "Berg", "level": "cluster", "parent": "Ostersund"})
    assert problems(data) == [
        "units[1].parent: unknown parent 'Ostersund' (did you mean 'Östersund'?)"
    ]


def test_cycle_in_flat_parents_is_reported_once() -> None:
    data = base()
    data["units"] += [
        {"name": "A", "level": "cluster", "parent": "B"},
        {"name": "B", "level": "cluster", "parent": "A"},
    ]
    assert problems(data) == ["units[1].parent: cycle: A -> B -> A"]


def test_bad_level_bad_role_and_malformed_person() -> None:
    data = base()
    kids = data["units"][0]["children"]
    kids[0]["level"] = "klaster"
    kids[2]["roles"] = {"coordinater": ["a@b.se"], "manager": ["not a person", 7]}
    assert problems(data) == [
        "units[0].children[0].level: bad level 'klaster' (did you mean 'cluster'?); "
        "levels: macro, topic, cluster, team",
        "units[0].children[2].roles.coordinater: bad role 'coordinater' "
        "(did you mean 'coordinator'?); roles: coordinator, manager, admin",
        "units[0].children[2].roles.manager[0]: malformed person 'not a person': "
        "give an e-mail/UPN or an Entra object id (GUID)",
        "units[0].children[2].roles.manager[1]: malformed person 7: "
        "give an e-mail/UPN or an Entra object id (GUID)",
    ]


def test_topic_must_be_declared_and_is_required_for_topic_groups() -> None:
    data = base()
    kids = data["units"][0]["children"]
    kids[1]["topic"] = "Psykisk halsa"
    kids.append({"name": "Äldregruppen", "level": "topic"})
    assert problems(data) == [
        "units[0].children[1].topic: unknown topic 'Psykisk halsa' (did you mean "
        "'Psykisk hälsa'?); declared topics: Barn och unga, Psykisk hälsa, Äldre",
        "units[0].children[3].topic: required for a topic group: one of the declared topics",
    ]


def test_level_placement_rules() -> None:
    data = base()
    kids = data["units"][0]["children"]
    kids[0]["children"] = [
        {"name": "Fel topic", "level": "topic", "topic": "Äldre"},
        {"name": "Team X", "level": "team", "children": [{"name": "Under team", "level": "team"}]},
        {"name": "Inre makro", "level": "macro"},
    ]
    data["units"].append({"name": "Löst kluster", "level": "cluster"})
    assert problems(data) == [
        "units[0].children[0].children[0].level: a topic group sits directly under a macro "
        "unit ('Östersund' is cluster)",
        "units[0].children[0].children[1].children[0].level: nothing can sit under a team "
        "('Team X' is a team)",
        "units[0].children[0].children[2].level: a macro unit is a root: it cannot have a parent",
        "units[1].level: a root unit must be level macro (got cluster); nest it under its "
        "parent or give it `parent:`",
    ]


def test_defaults_day_counts_and_escalation() -> None:
    data = base()
    data["defaults"]["escalation"] = {
        "team": {"resolve_days": 0, "ack_days": "3", "repeat": -1},
        "kluster": {"resolve_days": 30},
    }
    data["defaults"]["pulse"]["window_working_days"] = 2.5
    data["units"][0]["defaults"] = {"escalation": {"macro": {"ack_days": True}}}
    assert problems(data) == [
        "defaults.pulse.window_working_days: must be a positive whole number of days (got 2.5)",
        "defaults.escalation.team.resolve_days: must be a positive whole number of days (got 0)",
        "defaults.escalation.team.ack_days: must be a positive whole number of days (got '3')",
        "defaults.escalation.team.repeat: must be a whole number >= 0 (got -1)",
        "defaults.escalation.kluster: unknown level 'kluster' (did you mean 'cluster'?); "
        "levels: macro, topic, cluster, team",
        "units[0].defaults.escalation.macro.ack_days: must be a positive whole number of days "
        "(got True)",
    ]


def test_unknown_keys_at_top_and_in_units_suggest_the_right_one() -> None:
    data = base()
    data["topic"] = data.pop("topics")
    data["units"][0]["children"][0]["kolada"] = "2380"
    found = problems(data)
    assert (
        "topic: unknown key 'topic' (did you mean 'topics'?); allowed: county, levels, "
        "topics, defaults, units" in found
    )
    assert any(
        p.startswith(
            "units[0].children[0].kolada: unknown key 'kolada' (did you mean 'kolada_id'?)"
        )
        for p in found
    )
    # The undeclared topic then also shows: every problem, not just the first.
    assert any(p.startswith("units[0].children[1].topic: unknown topic") for p in found)


def test_kolada_id_must_be_a_quoted_four_digit_code() -> None:
    data = base()
    data["units"][0]["children"][0]["kolada_id"] = 496  # what YAML makes of 0760
    data["units"][0]["children"][2]["kolada_id"] = "23800"
    assert problems(data) == [
        'units[0].children[0].kolada_id: write the code in quotes, e.g. kolada_id: "0496" '
        "(unquoted numbers lose leading zeros)",
        'units[0].children[2].kolada_id: must be a 4-digit municipality code such as "0680" '
        "(got '23800')",
    ]


def test_missing_county_and_units_and_non_mapping_file() -> None:
    assert problems({"units": []}) == [
        "county: required",
        "units: must be a non-empty list of units",
    ]
    assert problems(["a"]) == [
        "the file must be a mapping with keys: county, levels, topics, defaults, units"
    ]


def test_renamed_from_conflicts() -> None:
    data = base()
    kids = data["units"][0]["children"]
    kids[0]["renamed_from"] = "Krokom"
    kids[2]["renamed_from"] = "Gamla Krokom"
    kids[1]["renamed_from"] = "Gamla Krokom"
    assert problems(data) == [
        "units[0].children[0].renamed_from: 'Krokom' is still in the file (at units[0].children[2])",
        "units[0].children[2].renamed_from: 'Gamla Krokom' is also renamed at units[0].children[1]",
    ]


def test_defaults_must_be_json_plain_data() -> None:
    data = base()
    import datetime as dt

    data["defaults"]["start"] = dt.date(2025, 1, 31)
    assert problems(data) == [
        "defaults.start: write this value in quotes (got datetime.date(2025, 1, 31))"
    ]


# ---------------------------------------------------------------------------
# YAML text: syntax errors and line numbers


def test_yaml_syntax_error_has_a_line_number() -> None:
    result = parse_org_text("county: X\nunits:\n  - name: [unclosed\n    level: macro\n")
    assert isinstance(result, list) and len(result) == 1
    assert result[0].line is not None and result[0].line >= 3
    assert str(result[0]).startswith("YAML syntax error:")


def test_duplicate_yaml_key_is_an_error_not_silently_the_last() -> None:
    result = parse_org_text("county: X\ncounty: Y\nunits: []\n")
    assert isinstance(result, list)
    assert "duplicate key 'county'" in str(result[0]) and result[0].line == 2


def test_problems_point_at_the_line_in_the_file() -> None:
    text = (
        "county: X\n"
        "units:\n"
        "  - name: Rådet\n"
        "    level: macro\n"
        "    children:\n"
        "      - {name: A, level: cluster}\n"
        "      - {name: a, level: team}\n"
    )
    result = parse_org_text(text)
    assert result == [
        OrgProblem(
            "units[0].children[1].name", "duplicate unit name 'a' (also at units[0].children[0])", 7
        )
    ]
    assert str(result[0]).endswith("[line 7]")


@pytest.mark.parametrize("name", ["jamtland", "jonkoping", "kalmar", "skane"])
def test_examples_parse_with_every_municipality_code(name: str) -> None:
    spec = parse_org_text((EXAMPLES / f"{name}.yaml").read_text(encoding="utf-8"))
    assert isinstance(spec, OrgSpec), [str(p) for p in spec]
    expected = {"jamtland": 8, "jonkoping": 13, "kalmar": 12, "skane": 33}[name]
    codes = [u.kolada_id for u in spec.units if u.kolada_id]
    assert len(codes) == len(set(codes)) == expected
    assert all(c[:2] == codes[0][:2] for c in codes)  # one county prefix


def test_kolada_codes_of_known_municipalities() -> None:
    found: dict[str, str] = {}
    for name in ["jamtland", "jonkoping", "kalmar", "skane"]:
        spec = parse_org_text((EXAMPLES / f"{name}.yaml").read_text(encoding="utf-8"))
        assert isinstance(spec, OrgSpec)
        found.update(
            {
                u.name.removeprefix("Lokal samverkansgrupp "): u.kolada_id
                for u in spec.units
                if u.kolada_id
            }
        )
    assert found["Östersund"] == "2380" and found["Jönköping"] == "0680"
    assert found["Kalmar"] == "0880" and found["Malmö"] == "1280"


# ---------------------------------------------------------------------------
# Round trip (hypothesis)

LEVEL_BELOW = {"macro": ["topic", "cluster", "team"], "cluster": ["cluster", "team"]}
name_st = st.text(alphabet="abcdeåäöÖ -", min_size=1, max_size=8).filter(lambda s: s.strip())


@st.composite
def trees(draw: st.DrawFn) -> dict[str, Any]:
    counter = iter(range(10_000))

    def unit(level: str, depth: int) -> dict[str, Any]:
        u: dict[str, Any] = {"name": f"{draw(name_st).strip()} {next(counter)}", "level": level}
        if level == "topic":
            u["topic"] = draw(st.sampled_from(["Barn och unga", "Äldre"]))
        if level == "cluster" and draw(st.booleans()):
            u["kolada_id"] = f"{draw(st.integers(0, 9999)):04d}"
        if draw(st.booleans()):
            u["roles"] = {
                draw(st.sampled_from(["coordinator", "manager", "admin"])): [
                    f"p{draw(st.integers(0, 9))}@example.se"
                ]
            }
        if draw(st.booleans()):
            u["defaults"] = {"pulse": {"window_working_days": draw(st.integers(1, 30))}}
        below = LEVEL_BELOW.get(level, [])
        if below and depth < 3:
            n = draw(st.integers(0, 3))
            u["children"] = [unit(draw(st.sampled_from(below)), depth + 1) for _ in range(n)]
        return u

    roots = [unit("macro", 0) for _ in range(draw(st.integers(1, 2)))]
    return {
        "county": "Region X",
        "topics": ["Barn och unga", "Äldre"],
        "defaults": {"pulse": {"cadence": "monthly", "window_working_days": 5}},
        "units": roots,
    }


def _names(units: list[dict[str, Any]]) -> list[str]:
    out: list[str] = []
    for u in units:
        out.append(" ".join(u["name"].split()))
        out += _names(u.get("children", []))
    return out


@settings(max_examples=60, deadline=None)
@given(trees())
def test_random_trees_round_trip_through_parse(data: dict[str, Any]) -> None:
    spec = spec_of(copy.deepcopy(data))
    assert sorted(u.name for u in spec.units) == sorted(_names(data["units"]))
    assert spec_of(dump_org(spec)) == spec
    assert spec_of(dump_org(spec, nested=False)) == spec
    # Parents always come before their children.
    seen: set[str] = set()
    for u in spec.units:
        assert u.parent is None or u.parent in seen
        seen.add(u.name)


# ---------------------------------------------------------------------------
# Planning


def existing_from(spec: OrgSpec, **history: bool) -> list[ExistingUnit]:
    """What the database would hold after loading `spec`."""
    ids = {u.name: i + 1 for i, u in enumerate(spec.units)}
    return [
        ExistingUnit(
            id=ids[u.name],
            name=u.name,
            level=u.level,
            parent_id=ids[u.parent] if u.parent else None,
            level_label=u.level_label,
            topic=u.topic,
            kolada_id=u.kolada_id,
            defaults=dict(u.defaults),
            org_roles=u.roles,
            has_history=history.get(u.name, False),
        )
        for u in spec.units
    ]


@settings(max_examples=40, deadline=None)
@given(trees())
def test_plan_for_the_spec_already_stored_is_empty(data: dict[str, Any]) -> None:
    spec = spec_of(data)
    plan = plan_changes(existing_from(spec), spec, archive=False)
    assert plan.is_empty and not plan.problems
    assert plan.counts()["unchanged"] == len(spec.units)


def test_plan_on_empty_database_creates_everything_parents_first() -> None:
    spec = spec_of(base())
    plan = plan_changes([], spec, archive=False)
    assert [u.name for u in plan.create] == [u.name for u in spec.units]
    assert plan.counts() == {
        "created": 4,
        "updated": 0,
        "archived": 0,
        "removed": 0,
        "unchanged": 0,
    }


def test_plan_updates_changed_fields_and_roles_only() -> None:
    old = spec_of(base())
    data = base()
    data["units"][0]["roles"] = {"coordinator": ["ny@example.se"]}
    data["units"][0]["children"][2]["kolada_id"] = "2309"
    plan = plan_changes(existing_from(old), spec_of(data), archive=False)
    assert {u.spec.name: dict(u.changes) for u in plan.update} == {
        "Rådet": {},
        "Krokom": {"kolada_id": (None, "2309")},
    }
    rådet = next(u for u in plan.update if u.spec.name == "Rådet")
    assert rådet.roles_added == {("coordinator", "ny@example.se")}
    assert rådet.roles_removed == {("coordinator", "anna.berg@example.se")}


def test_roles_from_other_sources_are_neither_added_nor_removed() -> None:
    spec = spec_of(base())
    current = existing_from(spec)
    held = ("coordinator", "anna.berg@example.se")
    current[0] = ExistingUnit(
        **{
            **current[0].__dict__,
            "org_roles": frozenset(),
            "other_roles": frozenset({held, ("admin", "graph@x.se")}),
        }
    )
    plan = plan_changes(current, spec, archive=False)
    assert plan.is_empty


def test_rename_keeps_the_unit_and_is_idempotent() -> None:
    old = spec_of(base())
    data = base()
    data["units"][0]["children"][0].update(name="Östersunds kommun", renamed_from="Östersund")
    new = spec_of(data)
    plan = plan_changes(existing_from(old), new, archive=False)
    assert not plan.create and not plan.delete
    (update,) = plan.update
    assert update.unit_id == 2 and update.changes == {"name": ("Östersund", "Östersunds kommun")}
    # Loading the same file again: the new name matches, renamed_from is ignored.
    assert plan_changes(existing_from(new), new, archive=False).is_empty


def test_moving_a_unit_reports_the_parent_change_by_name() -> None:
    data = base()
    kids = data["units"][0]["children"]
    kids[0]["children"] = [{"name": "Team", "level": "team"}]
    old = spec_of(data)
    kids[0]["children"] = []
    kids[2]["children"] = [{"name": "Team", "level": "team"}]
    plan = plan_changes(existing_from(old), spec_of(data), archive=False)
    assert [(u.spec.name, dict(u.changes)) for u in plan.update] == [
        ("Team", {"parent": ("Östersund", "Krokom")})
    ]


def test_removal_without_history_deletes_with_history_needs_archive() -> None:
    old = spec_of(base())
    data = base()
    del data["units"][0]["children"][2]  # Krokom
    del data["units"][0]["children"][0]  # Östersund
    current = existing_from(old, Östersund=True)
    refused = plan_changes(current, spec_of(data), archive=False)
    assert [str(p) for p in refused.problems] == [
        "units: 'Östersund' is not in the file but has history (a channel or events), so it "
        "cannot be deleted; load with archive (--archive) to archive it, or put it back in "
        "the file"
    ]
    allowed = plan_changes(current, spec_of(data), archive=True)
    assert not allowed.problems
    assert [r.name for r in allowed.archive] == ["Östersund"]
    assert [r.name for r in allowed.delete] == ["Krokom"]


def test_archived_unit_back_in_the_file_is_restored() -> None:
    spec = spec_of(base())
    current = existing_from(spec)
    current[1] = ExistingUnit(**{**current[1].__dict__, "archived": True})
    plan: OrgPlan = plan_changes(current, spec, archive=False)
    assert [(u.spec.name, u.restore) for u in plan.update] == [("Östersund", True)]
    # And an archived unit absent from the file stays as it is.
    data = base()
    del data["units"][0]["children"][0]
    assert plan_changes(current, spec_of(data), archive=False).is_empty
