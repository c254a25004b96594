"""The org file: a county's chain of units, validated into plain, frozen data.

Pure: no I/O and no SQL. `parse_org` turns the dict loaded from YAML into an
`OrgSpec` or the list of *every* problem found, each with its path in the file
(`units[0].children[2].name: ...`). `plan_changes` compares a spec with the units
already stored and says what to create, update, archive and delete.

The format (see examples/README.md for the full story):

    county: Region Jämtland Härjedalen          # required
    levels: {macro: "Regionens samverkansråd", cluster: "Närvårdsområde", team: "Team"}
    topics: [Barn och unga, Psykisk hälsa, Äldre]
    defaults:                                    # plain data read by later features
      meetings: [{name: Samverkansmöte, rule: "first tuesday monthly 13:00-15:00"}]
      meeting_holidays: move                     # skip | move | ask (default): a meeting
                                                 # on a holiday (core/meeting_holidays.py)
      minutes_after_hours: 2                     # the minutes card, after the meeting ends
      calendar_group: <Entra group id>           # the team's group calendar (unit defaults)
      digest: {cadence: "monthly first monday 08:00", channel: false}
      pulse: {cadence: monthly, window_working_days: 5}   # templates: core/pulse_templates.py
                                                 # delivery: channel (default) | personal:
                                                 # 1:1 to the channel's members too
                                                 # (core/pulse_delivery.py)
      escalation: {team: {resolve_days: 14, ack_days: 3, repeat: 2}, ...}
    units:
      - name: Regionens samverkansråd            # unique, case-insensitively
        level: macro                             # macro | topic | cluster | team
        label: SVOM                              # optional: overrides levels[level]
        roles: {coordinator: [a@example.se], manager: [...], admin: [...]}
        defaults: {pulse: {cadence: quarterly}}  # optional: deep-merged over the county's
        children:
          - {name: "Psykisk hälsa (länsgrupp)", level: topic, topic: Psykisk hälsa}
          - {name: Östersund, level: cluster, kolada_id: "2380", children: [...]}
      - {name: Krokom, level: cluster, parent: Regionens samverkansråd}   # flat form

Rules: every root is a macro unit and a macro unit is always a root; a topic
unit (a county-wide topic group) names a declared topic and sits under a macro
unit; nothing sits under a team; clusters nest to any depth. `renamed_from: OLD`
on a unit renames the stored unit OLD instead of creating a new one (the name is
the identity). A person is an Entra object id (GUID) or a UPN/e-mail; stored in
lower case. `kolada_id` is a quoted 4-digit municipality code ("0680": unquoted,
YAML would read 0760 as an octal number). Every key ending in `_days` inside
`defaults` must be a positive whole number. A unit's stored defaults are the
county's defaults deep-merged with the unit's own (not its parent's: a parent's
meeting is not its children's meeting).
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import yaml

from core.meeting_holidays import MINUTES_KEY, POLICY_KEY, minutes_problem, policy_problem
from core.personnummer import contains_identity_number
from core.pulse_cadence import cadence_problems
from core.pulse_delivery import delivery_problems
from core.pulse_templates import template_problems

LEVELS = ("macro", "topic", "cluster", "team")
ROLES = ("coordinator", "manager", "admin")
GROUP_PREFIX = "group:"  # a role held by the members of an Entra ID group
TOP_KEYS = ("county", "levels", "topics", "defaults", "units")
UNIT_KEYS = (
    "name",
    "level",
    "label",
    "parent",
    "topic",
    "kolada_id",
    "roles",
    "groups",
    "defaults",
    "children",
    "renamed_from",
)
ESCALATION_KEYS = ("resolve_days", "ack_days", "repeat")

_GUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s.]+$")
_KOLADA = re.compile(r"^\d{4}$")


# ---------------------------------------------------------------------------
# Data


@dataclass(frozen=True)
class OrgProblem:
    """One thing wrong with the file, at `path` (e.g. `units[0].children[2].name`)."""

    path: str
    message: str
    line: int | None = None

    def __str__(self) -> str:
        where = f"{self.path}: " if self.path else ""
        line = f" [line {self.line}]" if self.line else ""
        return f"{where}{self.message}{line}"


@dataclass(frozen=True)
class UnitSpec:
    """A unit as the file describes it. `defaults` is the effective (merged) data."""

    name: str
    level: str
    parent: str | None = None
    level_label: str | None = None
    label: str | None = None  # the unit's own `label:`, kept to write the file back
    topic: str | None = None
    kolada_id: str | None = None
    roles: frozenset[tuple[str, str]] = frozenset()  # (role, person)
    overrides: Mapping[str, Any] = field(default_factory=dict)
    defaults: Mapping[str, Any] = field(default_factory=dict)
    renamed_from: str | None = None
    path: str = field(default="", compare=False)


@dataclass(frozen=True)
class OrgSpec:
    county: str
    levels: Mapping[str, str]
    topics: tuple[str, ...]
    defaults: Mapping[str, Any]
    units: tuple[UnitSpec, ...]  # parents before children, file order otherwise

    def unit(self, name: str) -> UnitSpec | None:
        key = fold(name)
        return next((u for u in self.units if fold(u.name) == key), None)

    def children(self, name: str | None) -> list[UnitSpec]:
        return [u for u in self.units if u.parent == name]


@dataclass(frozen=True)
class ExistingUnit:
    """A stored unit, as `plan_changes` needs it. Roles split by source."""

    id: int
    name: str
    level: str
    parent_id: int | None = None
    level_label: str | None = None
    topic: str | None = None
    kolada_id: str | None = None
    defaults: Mapping[str, Any] = field(default_factory=dict)
    org_roles: frozenset[tuple[str, str]] = frozenset()
    other_roles: frozenset[tuple[str, str]] = frozenset()
    archived: bool = False
    has_history: bool = False


@dataclass(frozen=True)
class UnitUpdate:
    unit_id: int
    spec: UnitSpec
    changes: Mapping[str, tuple[Any, Any]]  # field -> (old, new); parent by name
    roles_added: frozenset[tuple[str, str]] = frozenset()
    roles_removed: frozenset[tuple[str, str]] = frozenset()
    restore: bool = False


@dataclass(frozen=True)
class UnitRemoval:
    unit_id: int
    name: str


@dataclass(frozen=True)
class OrgPlan:
    create: tuple[UnitSpec, ...] = ()
    update: tuple[UnitUpdate, ...] = ()
    archive: tuple[UnitRemoval, ...] = ()
    delete: tuple[UnitRemoval, ...] = ()
    unchanged: tuple[str, ...] = ()
    problems: tuple[OrgProblem, ...] = ()

    @property
    def is_empty(self) -> bool:
        return not (self.create or self.update or self.archive or self.delete)

    def counts(self) -> dict[str, int]:
        return {
            "created": len(self.create),
            "updated": len(self.update),
            "archived": len(self.archive),
            "removed": len(self.delete),
            "unchanged": len(self.unchanged),
        }


# ---------------------------------------------------------------------------
# Small helpers


def fold(name: str) -> str:
    """The identity of a name: case-, accent-form- and space-insensitive."""
    return " ".join(unicodedata.normalize("NFC", name).casefold().split())


def _did_you_mean(word: str, options: Iterable[str]) -> str:
    close = difflib.get_close_matches(word, list(options), n=1, cutoff=0.6)
    return f" (did you mean '{close[0]}'?)" if close else ""


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def deep_merge(base: Mapping[str, Any], over: Mapping[str, Any]) -> dict[str, Any]:
    """`over` wins; nested mappings merge, everything else (lists too) is replaced."""
    out: dict[str, Any] = dict(base)
    for key, value in over.items():
        if isinstance(value, Mapping) and isinstance(out.get(key), Mapping):
            out[key] = deep_merge(out[key], value)
        else:
            out[key] = value
    return out


def valid_person(person: str) -> bool:
    p = person.strip().lower()
    return bool(_GUID.match(p) or _EMAIL.match(p))


# ---------------------------------------------------------------------------
# Parsing


@dataclass
class _Raw:
    """A unit while parsing: whatever was readable, plus where it came from."""

    path: str
    data: Mapping[str, Any]
    name: str | None
    level: str | None
    nested_parent: str | None  # the enclosing unit's name (nested form)
    parent_ref: str | None  # `parent:` as written (flat form)
    nested: bool = False
    parent: str | None = None  # resolved, canonical name


class _Parser:
    def __init__(self) -> None:
        self.problems: list[OrgProblem] = []

    def problem(self, path: str, message: str) -> None:
        self.problems.append(OrgProblem(path, message))

    def unknown_keys(self, data: Mapping[Any, Any], allowed: tuple[str, ...], path: str) -> None:
        for key in data:
            if str(key) not in allowed:
                where = f"{path}.{key}" if path else str(key)
                hint = _did_you_mean(str(key), allowed)
                self.problem(where, f"unknown key '{key}'{hint}; allowed: {', '.join(allowed)}")

    def text(self, data: Mapping[str, Any], key: str, path: str, *, required: bool) -> str | None:
        value = data.get(key)
        if value is None:
            if required:
                self.problem(f"{path}.{key}" if path else key, "required")
            return None
        if not isinstance(value, str) or not value.strip():
            self.problem(
                f"{path}.{key}" if path else key, f"must be non-empty text (got {value!r})"
            )
            return None
        return " ".join(value.split())

    # -- top level ---------------------------------------------------------

    def parse(self, data: Any) -> OrgSpec | None:
        if not isinstance(data, Mapping):
            self.problem("", "the file must be a mapping with keys: " + ", ".join(TOP_KEYS))
            return None
        self.unknown_keys(data, TOP_KEYS, "")
        self.identity_numbers(data, "")
        county = self.text(data, "county", "", required=True)
        levels = self.levels(data.get("levels"))
        topics = self.topics(data.get("topics"))
        defaults = self.defaults(data.get("defaults"), "defaults")
        raws = self.units(data.get("units"))
        specs = self.build(raws, levels, topics, defaults)
        if self.problems or county is None:
            return None
        return OrgSpec(county, levels, topics, defaults, specs)

    def identity_numbers(self, value: Any, path: str) -> None:
        """Unit names, meeting places and standing agenda points end up in cards and rows."""
        if isinstance(value, str):
            if contains_identity_number(value):
                self.problem(path, "looks like a personnummer: patient data must never be stored")
        elif isinstance(value, Mapping):
            for key, inner in value.items():
                self.identity_numbers(inner, f"{path}.{key}" if path else str(key))
        elif isinstance(value, list):
            for i, inner in enumerate(value):
                self.identity_numbers(inner, f"{path}[{i}]")

    def levels(self, value: Any) -> dict[str, str]:
        if value is None:
            return {}
        if not isinstance(value, Mapping):
            self.problem("levels", "must be a mapping of level to display label")
            return {}
        out: dict[str, str] = {}
        for key, label in value.items():
            path = f"levels.{key}"
            if key not in LEVELS:
                hint = _did_you_mean(str(key), LEVELS)
                self.problem(path, f"unknown level '{key}'{hint}; levels: {', '.join(LEVELS)}")
            elif not isinstance(label, str) or not label.strip():
                self.problem(path, f"must be non-empty text (got {label!r})")
            else:
                out[key] = label.strip()
        return out

    def topics(self, value: Any) -> tuple[str, ...]:
        if value is None:
            return ()
        if not isinstance(value, list):
            self.problem("topics", "must be a list of topic names")
            return ()
        out: list[str] = []
        for i, topic in enumerate(value):
            if not isinstance(topic, str) or not topic.strip():
                self.problem(f"topics[{i}]", f"must be non-empty text (got {topic!r})")
            elif fold(topic) in {fold(t) for t in out}:
                self.problem(f"topics[{i}]", f"duplicate topic '{topic.strip()}'")
            else:
                out.append(" ".join(topic.split()))
        return tuple(out)

    def defaults(self, value: Any, path: str) -> dict[str, Any]:
        if value is None:
            return {}
        if not isinstance(value, Mapping):
            self.problem(path, "must be a mapping")
            return {}
        self.day_counts(value, path)
        self.escalation(value.get("escalation"), f"{path}.escalation")
        pulse = value.get("pulse")
        for sub, message in [
            *cadence_problems(pulse),
            *template_problems(pulse),
            *delivery_problems(pulse),
        ]:
            self.problem(f"{path}.pulse.{sub}", message)
        if POLICY_KEY in value and (why := policy_problem(value[POLICY_KEY])) is not None:
            self.problem(f"{path}.{POLICY_KEY}", why)
        if MINUTES_KEY in value and (why := minutes_problem(value[MINUTES_KEY])) is not None:
            self.problem(f"{path}.{MINUTES_KEY}", why)
        return dict(value)

    def day_counts(self, value: Any, path: str) -> None:
        """Defaults are stored as JSON: plain values only; any `*_days` is a positive int."""
        if isinstance(value, Mapping):
            for key, item in value.items():
                sub = f"{path}.{key}"
                if not isinstance(key, str):
                    self.problem(sub, f"keys must be text (got {key!r})")
                elif key.endswith("_days") and not (_is_int(item) and item > 0):
                    self.problem(sub, f"must be a positive whole number of days (got {item!r})")
                self.day_counts(item, sub)
        elif isinstance(value, list):
            for i, item in enumerate(value):
                self.day_counts(item, f"{path}[{i}]")
        elif not isinstance(value, str | int | float | bool) and value is not None:
            # YAML turns 2025-01-31 into a date, which JSON cannot hold.
            self.problem(path, f"write this value in quotes (got {value!r})")

    def escalation(self, value: Any, path: str) -> None:
        if value is None:
            return
        if not isinstance(value, Mapping):
            self.problem(path, "must be a mapping of level to {resolve_days, ack_days, repeat}")
            return
        for level, rule in value.items():
            sub = f"{path}.{level}"
            if level not in LEVELS:
                hint = _did_you_mean(str(level), LEVELS)
                self.problem(sub, f"unknown level '{level}'{hint}; levels: {', '.join(LEVELS)}")
            if not isinstance(rule, Mapping):
                self.problem(sub, "must be a mapping with resolve_days, ack_days, repeat")
                continue
            self.unknown_keys(rule, ESCALATION_KEYS, sub)
            repeat = rule.get("repeat")
            if repeat is not None and not (_is_int(repeat) and repeat >= 0):
                self.problem(f"{sub}.repeat", f"must be a whole number >= 0 (got {repeat!r})")

    # -- units -------------------------------------------------------------

    def units(self, value: Any) -> list[_Raw]:
        if value is None:
            self.problem("units", "required: the list of units")
            return []
        if not isinstance(value, list) or not value:
            self.problem("units", "must be a non-empty list of units")
            return []
        raws: list[_Raw] = []
        for i, item in enumerate(value):
            self.unit(item, f"units[{i}]", None, raws)
        return raws

    def unit(
        self, data: Any, path: str, nested_parent: str | None, out: list[_Raw], nested: bool = False
    ) -> None:
        if not isinstance(data, Mapping):
            self.problem(path, f"a unit must be a mapping with name and level (got {data!r})")
            return
        self.unknown_keys(data, UNIT_KEYS, path)
        name = self.text(data, "name", path, required=True)
        level = self.text(data, "level", path, required=True)
        if level is not None and level not in LEVELS:
            hint = _did_you_mean(level, LEVELS)
            self.problem(f"{path}.level", f"bad level '{level}'{hint}; levels: {', '.join(LEVELS)}")
            level = None
        parent_ref = self.text(data, "parent", path, required=False)
        if parent_ref is not None and nested:
            self.problem(
                f"{path}.parent",
                "a nested unit's parent is the unit it is nested under; remove `parent:`",
            )
            parent_ref = None
        out.append(_Raw(path, data, name, level, nested_parent, parent_ref, nested))
        children = data.get("children")
        if children is None:
            return
        if not isinstance(children, list):
            self.problem(f"{path}.children", "must be a list of units")
            return
        for i, child in enumerate(children):
            # An unnamed parent still gets its children checked; their parent is unknown.
            self.unit(child, f"{path}.children[{i}]", name, out, nested=True)

    def build(
        self,
        raws: list[_Raw],
        levels: Mapping[str, str],
        topics: tuple[str, ...],
        county_defaults: Mapping[str, Any],
    ) -> tuple[UnitSpec, ...]:
        by_fold = self.unique_names(raws)
        self.resolve_parents(raws, by_fold)
        in_cycle = self.cycles(raws, by_fold)
        self.renames(raws, by_fold)
        specs: dict[str, UnitSpec] = {}
        for raw in raws:
            spec = self.unit_spec(raw, by_fold, levels, topics, county_defaults)
            if spec is not None and raw.name is not None and fold(raw.name) not in in_cycle:
                specs[fold(spec.name)] = spec
        return _topological(specs)

    def unique_names(self, raws: list[_Raw]) -> dict[str, _Raw]:
        by_fold: dict[str, _Raw] = {}
        for raw in raws:
            if raw.name is None:
                continue
            first = by_fold.get(fold(raw.name))
            if first is not None:
                self.problem(
                    f"{raw.path}.name",
                    f"duplicate unit name '{raw.name}' (also at {first.path})",
                )
                raw.name = None  # checked no further: its first definition counts
            else:
                by_fold[fold(raw.name)] = raw
        return by_fold

    def resolve_parents(self, raws: list[_Raw], by_fold: Mapping[str, _Raw]) -> None:
        for raw in raws:
            if raw.nested_parent:
                raw.parent = raw.nested_parent
            elif raw.parent_ref is not None:
                target = by_fold.get(fold(raw.parent_ref))
                if target is None:
                    names = [r.name for r in by_fold.values() if r.name]
                    hint = _did_you_mean(raw.parent_ref, names)
                    self.problem(f"{raw.path}.parent", f"unknown parent '{raw.parent_ref}'{hint}")
                else:
                    raw.parent = target.name

    def cycles(self, raws: list[_Raw], by_fold: Mapping[str, _Raw]) -> set[str]:
        """Report each cycle of `parent:` links once; return the names in cycles."""
        seen: set[str] = set()
        for raw in raws:
            if raw.name is None or fold(raw.name) in seen:
                continue
            chain: list[str] = []
            current: _Raw | None = raw
            while current is not None and current.name is not None:
                key = fold(current.name)
                if key in chain:
                    loop = chain[chain.index(key) :]
                    if not seen & set(loop):
                        names = [by_fold[k].name or k for k in [*loop, key]]
                        self.problem(f"{by_fold[key].path}.parent", "cycle: " + " -> ".join(names))
                    seen.update(loop)
                    break
                chain.append(key)
                current = by_fold.get(fold(current.parent)) if current.parent else None
        return seen

    def renames(self, raws: list[_Raw], by_fold: Mapping[str, _Raw]) -> None:
        claimed: dict[str, str] = {}
        for raw in raws:
            old = self.text(raw.data, "renamed_from", raw.path, required=False)
            if old is None or raw.name is None:
                continue
            path = f"{raw.path}.renamed_from"
            if fold(old) == fold(raw.name):
                self.problem(path, "is the unit's own name")
            elif fold(old) in by_fold:
                other = by_fold[fold(old)].path
                self.problem(path, f"'{old}' is still in the file (at {other})")
            elif fold(old) in claimed:
                self.problem(path, f"'{old}' is also renamed at {claimed[fold(old)]}")
            else:
                claimed[fold(old)] = raw.path

    def unit_spec(
        self,
        raw: _Raw,
        by_fold: Mapping[str, _Raw],
        levels: Mapping[str, str],
        topics: tuple[str, ...],
        county_defaults: Mapping[str, Any],
    ) -> UnitSpec | None:
        data, path = raw.data, raw.path
        parent = by_fold.get(fold(raw.parent)) if raw.parent else None
        self.check_level(raw, parent)
        topic = self.topic(raw, topics)
        label = self.text(data, "label", path, required=False)
        kolada = self.kolada(data.get("kolada_id"), f"{path}.kolada_id")
        roles = self.roles(data.get("roles"), f"{path}.roles") | self.groups(
            data.get("groups"), f"{path}.groups"
        )
        overrides = self.defaults(data.get("defaults"), f"{path}.defaults")
        renamed = data.get("renamed_from")
        if raw.name is None or raw.level is None:
            return None
        return UnitSpec(
            name=raw.name,
            level=raw.level,
            parent=parent.name if parent else None,
            level_label=label or levels.get(raw.level),
            label=label,
            topic=topic,
            kolada_id=kolada,
            roles=roles,
            overrides=overrides,
            defaults=deep_merge(county_defaults, overrides),
            renamed_from=" ".join(renamed.split()) if isinstance(renamed, str) else None,
            path=path,
        )

    def check_level(self, raw: _Raw, parent: _Raw | None) -> None:
        where = f"{raw.path}.level"
        has_parent = raw.nested or raw.parent_ref is not None
        if raw.level == "macro" and has_parent:
            self.problem(where, "a macro unit is a root: it cannot have a parent")
        elif raw.level is not None and raw.level != "macro" and not has_parent:
            self.problem(
                where,
                f"a root unit must be level macro (got {raw.level}); "
                "nest it under its parent or give it `parent:`",
            )
        if parent is None or parent.level is None:
            return
        if raw.level == "topic" and parent.level != "macro":
            self.problem(
                where,
                f"a topic group sits directly under a macro unit ('{parent.name}' "
                f"is {parent.level})",
            )
        if parent.level == "team":
            self.problem(where, f"nothing can sit under a team ('{parent.name}' is a team)")

    def topic(self, raw: _Raw, topics: tuple[str, ...]) -> str | None:
        path = f"{raw.path}.topic"
        topic = self.text(raw.data, "topic", raw.path, required=False)
        if topic is None:
            if raw.level == "topic" and "topic" not in raw.data:
                self.problem(path, "required for a topic group: one of the declared topics")
            return None
        match = next((t for t in topics if fold(t) == fold(topic)), None)
        if match is None:
            declared = ", ".join(topics) if topics else "none declared"
            hint = _did_you_mean(topic, topics)
            self.problem(path, f"unknown topic '{topic}'{hint}; declared topics: {declared}")
        return match

    def kolada(self, value: Any, path: str) -> str | None:
        if value is None:
            return None
        if _is_int(value):
            self.problem(
                path,
                f'write the code in quotes, e.g. kolada_id: "{value:04d}" '
                "(unquoted numbers lose leading zeros)",
            )
            return None
        if not isinstance(value, str) or not _KOLADA.match(value.strip()):
            self.problem(
                path, f'must be a 4-digit municipality code such as "0680" (got {value!r})'
            )
            return None
        return value.strip()

    def groups(self, value: Any, path: str) -> frozenset[tuple[str, str]]:
        """`groups: {coordinator: [<Entra group object id>]}`: roles held by every
        (transitive) member of the group, read through Microsoft Graph. Stored as
        role assignments to the person `group:<id>`."""
        return self._assignments(
            value,
            path,
            ("Entra group object ids", "Entra group object ids"),
            _group_member,
            lambda group: f"malformed group {group!r}: give its object id",
        )

    def roles(self, value: Any, path: str) -> frozenset[tuple[str, str]]:
        return self._assignments(
            value,
            path,
            ("people", "people (e-mail/UPN or Entra object id)"),
            _person_member,
            lambda person: (
                f"malformed person {person!r}: give an e-mail/UPN or an Entra object id (GUID)"
            ),
        )

    def _assignments(
        self,
        value: Any,
        path: str,
        nouns: tuple[str, str],
        member: Callable[[Any], str | None],
        malformed: Callable[[Any], str],
    ) -> frozenset[tuple[str, str]]:
        """`{role: [holder, ...]}` as (role, holder) pairs; `member` gives the stored
        holder, or None for a malformed one. `nouns`: what the mapping and a list hold."""
        if value is None:
            return frozenset()
        if not isinstance(value, Mapping):
            self.problem(path, f"must be a mapping of role to a list of {nouns[0]}")
            return frozenset()
        out: set[tuple[str, str]] = set()
        for role, holders in value.items():
            sub = f"{path}.{role}"
            if role not in ROLES:
                hint = _did_you_mean(str(role), ROLES)
                self.problem(sub, f"bad role '{role}'{hint}; roles: {', '.join(ROLES)}")
                continue
            holders = [holders] if isinstance(holders, str) else holders
            if not isinstance(holders, list):
                self.problem(sub, f"must be a list of {nouns[1]}")
                continue
            for i, holder in enumerate(holders):
                stored = member(holder)
                if stored is None:
                    self.problem(f"{sub}[{i}]", malformed(holder))
                else:
                    out.add((str(role), stored))
        return frozenset(out)


def _group_member(group: Any) -> str | None:
    if not isinstance(group, str) or not _GUID.match(group.strip().lower()):
        return None
    return GROUP_PREFIX + group.strip().lower()


def _person_member(person: Any) -> str | None:
    if not isinstance(person, str) or not valid_person(person):
        return None
    return person.strip().lower()


def _topological(specs: Mapping[str, UnitSpec]) -> tuple[UnitSpec, ...]:
    """Parents before children; siblings in file order."""
    children: dict[str | None, list[UnitSpec]] = {}
    for spec in specs.values():
        parent = fold(spec.parent) if spec.parent and fold(spec.parent) in specs else None
        children.setdefault(parent, []).append(spec)
    out: list[UnitSpec] = []
    stack = list(reversed(children.get(None, [])))
    while stack:
        spec = stack.pop()
        out.append(spec)
        stack.extend(reversed(children.get(fold(spec.name), [])))
    return tuple(out)


def parse_org(data: Any) -> OrgSpec | list[OrgProblem]:
    """Validate a loaded org file: the spec, or every problem found (never both)."""
    parser = _Parser()
    spec = parser.parse(data)
    if parser.problems or spec is None:
        return parser.problems or [OrgProblem("", "the file describes no organisation")]
    return spec


# ---------------------------------------------------------------------------
# YAML text (parsing only, no file access) with line numbers for problems


class _StrictLoader(yaml.SafeLoader):
    """SafeLoader that refuses duplicate keys (PyYAML silently keeps the last)."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        seen: set[Any] = set()
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=deep)
            if key in seen:
                raise yaml.constructor.ConstructorError(
                    "while reading a mapping",
                    node.start_mark,
                    f"duplicate key '{key}'",
                    key_node.start_mark,
                )
            seen.add(key)
        return super().construct_mapping(node, deep=deep)


def parse_org_text(text: str) -> OrgSpec | list[OrgProblem]:
    """Parse YAML text and validate it; YAML errors and problems carry line numbers."""
    loader = _StrictLoader(text)
    try:
        node = loader.get_single_node()
        data = loader.construct_document(node) if node is not None else None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else None
        what = exc.problem or exc.context or "invalid YAML"
        return [OrgProblem("", f"YAML syntax error: {what}", line)]
    except yaml.YAMLError as exc:
        return [OrgProblem("", f"YAML error: {exc}")]
    finally:
        loader.dispose()
    result = parse_org(data)
    if isinstance(result, OrgSpec) or node is None:
        return result
    located = [OrgProblem(p.path, p.message, _line_of(node, p.path)) for p in result]
    return sorted(located, key=lambda p: p.line or 0)


_SEGMENT = re.compile(r"([^.\[\]]+)|\[(\d+)\]")


def _line_of(node: yaml.Node, path: str) -> int | None:
    """The line of the deepest YAML node reached along `path` (1-based)."""
    current = node
    for key, index in _SEGMENT.findall(path):
        nxt: yaml.Node | None = None
        if key and isinstance(current, yaml.MappingNode):
            nxt = next((v for k, v in current.value if k.value == key), None)
            if nxt is None:  # an unknown key: point at the key itself
                nxt = next((k for k, _ in current.value if k.value == key), None)
        elif index and isinstance(current, yaml.SequenceNode):
            i = int(index)
            nxt = current.value[i] if i < len(current.value) else None
        if nxt is None:
            break
        current = nxt
    return current.start_mark.line + 1


# ---------------------------------------------------------------------------
# Writing back (used to round-trip and to export)


def dump_org(spec: OrgSpec, *, nested: bool = True) -> dict[str, Any]:
    """The file form of a spec: nested children, or flat with `parent:`."""

    def unit(u: UnitSpec) -> dict[str, Any]:
        out: dict[str, Any] = {"name": u.name, "level": u.level}
        if u.label:
            out["label"] = u.label
        if not nested and u.parent:
            out["parent"] = u.parent
        for key in ("topic", "kolada_id", "renamed_from"):
            if getattr(u, key):
                out[key] = getattr(u, key)
        people = {(r, p) for r, p in u.roles if not p.startswith(GROUP_PREFIX)}
        groups = {
            (r, p.removeprefix(GROUP_PREFIX)) for r, p in u.roles if p.startswith(GROUP_PREFIX)
        }
        for key, pairs in (("roles", people), ("groups", groups)):
            if pairs:
                out[key] = {
                    role: sorted(p for r, p in pairs if r == role)
                    for role in ROLES
                    if any(r == role for r, _ in pairs)
                }
        if u.overrides:
            out["defaults"] = dict(u.overrides)
        if nested and spec.children(u.name):
            out["children"] = [unit(c) for c in spec.children(u.name)]
        return out

    top = spec.children(None) if nested else list(spec.units)
    data: dict[str, Any] = {"county": spec.county}
    if spec.levels:
        data["levels"] = dict(spec.levels)
    if spec.topics:
        data["topics"] = list(spec.topics)
    if spec.defaults:
        data["defaults"] = dict(spec.defaults)
    data["units"] = [unit(u) for u in top]
    return data


# ---------------------------------------------------------------------------
# Planning


def plan_changes(current: list[ExistingUnit], spec: OrgSpec, archive: bool) -> OrgPlan:
    """What to do so the stored units match `spec`.

    The name (folded) is the identity; `renamed_from` lets a unit keep its id and
    history under a new name. A stored unit missing from the file is deleted if it
    has no history, archived if it has and `archive` is set, else it is a problem.
    Roles: only rows from the org file (source "org") are added or removed; a role
    the file gives that another source already holds is left as it is.
    """
    by_fold = {fold(u.name): u for u in current}
    spec_names = {fold(u.name) for u in spec.units}
    matched: dict[int, UnitSpec] = {}
    creates: list[UnitSpec] = []
    for unit in spec.units:
        existing = _match(unit, by_fold, spec_names)
        if existing is None:
            creates.append(unit)
        else:
            matched[existing.id] = unit
    names_by_id = {u.id: matched[u.id].name if u.id in matched else u.name for u in current}
    updates: list[UnitUpdate] = []
    unchanged: list[str] = []
    for existing in current:
        if existing.id not in matched:
            continue
        update = _diff(existing, matched[existing.id], names_by_id)
        if update is None:
            unchanged.append(existing.name)
        else:
            updates.append(update)
    archives, deletes, problems = _removals(current, matched, archive)
    return OrgPlan(
        tuple(creates),
        tuple(updates),
        tuple(archives),
        tuple(deletes),
        tuple(unchanged),
        tuple(problems),
    )


def _match(
    unit: UnitSpec, by_fold: Mapping[str, ExistingUnit], spec_names: set[str]
) -> ExistingUnit | None:
    existing = by_fold.get(fold(unit.name))
    if existing is None and unit.renamed_from:
        old = by_fold.get(fold(unit.renamed_from))
        # Once renamed, the old name is gone and the new one matches directly.
        if old is not None and fold(old.name) not in spec_names:
            existing = old
    return existing


def _diff(
    existing: ExistingUnit, unit: UnitSpec, names_by_id: Mapping[int, str]
) -> UnitUpdate | None:
    old_parent = names_by_id.get(existing.parent_id) if existing.parent_id is not None else None
    pairs: dict[str, tuple[Any, Any]] = {
        "name": (existing.name, unit.name),
        "level": (existing.level, unit.level),
        "level_label": (existing.level_label, unit.level_label),
        "parent": (old_parent, unit.parent),
        "topic": (existing.topic, unit.topic),
        "kolada_id": (existing.kolada_id, unit.kolada_id),
        "defaults": (dict(existing.defaults), dict(unit.defaults)),
    }
    changes = {k: v for k, v in pairs.items() if v[0] != v[1]}
    wanted = unit.roles - existing.other_roles
    added = wanted - existing.org_roles
    removed = existing.org_roles - wanted
    if not (changes or added or removed or existing.archived):
        return None
    return UnitUpdate(existing.id, unit, changes, added, removed, restore=existing.archived)


def _removals(
    current: list[ExistingUnit], matched: Mapping[int, UnitSpec], archive: bool
) -> tuple[list[UnitRemoval], list[UnitRemoval], list[OrgProblem]]:
    archives: list[UnitRemoval] = []
    deletes: list[UnitRemoval] = []
    problems: list[OrgProblem] = []
    for existing in current:
        if existing.id in matched or existing.archived:
            continue
        removal = UnitRemoval(existing.id, existing.name)
        if not existing.has_history:
            deletes.append(removal)
        elif archive:
            archives.append(removal)
        else:
            problems.append(
                OrgProblem(
                    "units",
                    f"'{existing.name}' is not in the file but has history (a channel or "
                    "events), so it cannot be deleted; load with archive (--archive) to "
                    "archive it, or put it back in the file",
                )
            )
    return archives, deletes, problems
