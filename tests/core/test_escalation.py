"""The escalation state machine: examples and hypothesis properties."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from core.escalation import (
    ACKNOWLEDGED,
    OPEN,
    RESOLVED,
    SENT_BACK,
    TZ,
    Decision,
    Policy,
    TransitionError,
    UnitNode,
    acknowledge,
    breach_at,
    deadline,
    decide,
    end_of_day,
    escalate,
    flag_top,
    loopback_targets,
    new_item,
    next_unit,
    policy_for,
    record,
    resolve,
    send_back,
    unit_topic,
)

# macro(1) -> topic groups 2 (Psykisk hälsa), 3 (Äldre); cluster 4 -> teams 5, 6 (topic Äldre)
UNITS = {
    1: UnitNode(1, None, "macro"),
    2: UnitNode(2, 1, "topic", "Psykisk hälsa"),
    3: UnitNode(3, 1, "topic", "Äldre"),
    4: UnitNode(4, 1, "cluster"),
    5: UnitNode(5, 4, "team"),
    6: UnitNode(6, 4, "team", "Äldre"),
}
POLICY = Policy(resolve_days=14, ack_days=3, repeat=2)


def at(y: int, m: int, d: int, h: int = 12, mi: int = 0) -> datetime:
    return datetime(y, m, d, h, mi, tzinfo=TZ).astimezone(UTC)


# -- examples ---------------------------------------------------------------------------


def test_routing_goes_to_parent_and_to_topic_group_at_macro_level() -> None:
    assert next_unit(5, UNITS, None) == 4
    assert next_unit(4, UNITS, None) == 1
    assert next_unit(4, UNITS, "psykisk  HÄLSA") == 2
    assert next_unit(2, UNITS, "Psykisk hälsa") == 1
    assert next_unit(4, UNITS, "Okänt ämne") == 1
    assert next_unit(1, UNITS, "Äldre") is None
    assert unit_topic(6, UNITS) == "Äldre" and unit_topic(5, UNITS) is None


def test_policy_from_org_defaults_with_fallbacks() -> None:
    defaults = {"escalation": {"team": {"resolve_days": 10, "ack_days": 2, "repeat": 0}}}
    assert policy_for(defaults, "team") == Policy(10, 2, 0)
    assert policy_for(defaults, "cluster") == Policy(30, 5, 2)
    assert policy_for({"escalation": {"team": {"ack_days": "x"}}}, "team") == Policy(14, 3, 2)
    assert policy_for(None, "elsewhere") == Policy(30, 5, 1)


def test_local_item_reminded_twice_then_escalated_then_flagged_at_top() -> None:
    created = at(2026, 3, 2, 10)  # Monday
    item = new_item(5, created)
    # Overdue at end of day 2026-03-16; breaches at end of 03-19, 03-22, 03-25.
    assert breach_at(item, POLICY, 1) == end_of_day(date(2026, 3, 19))
    assert decide(item, POLICY, at(2026, 3, 19, 23, 59), UNITS, None).action == "none"
    first = decide(item, POLICY, at(2026, 3, 20, 0, 1), UNITS, None)
    assert (first.action, first.breach) == ("remind", 1)
    item = record(item, first, at(2026, 3, 20))
    assert decide(item, POLICY, at(2026, 3, 21), UNITS, None).action == "none"
    second = decide(item, POLICY, at(2026, 3, 23), UNITS, None)
    assert (second.action, second.breach) == ("remind", 2)
    item = record(item, second, at(2026, 3, 23))
    third = decide(item, POLICY, at(2026, 3, 26, 8), UNITS, None)
    assert (third.action, third.target) == ("escalate", 4)
    item = record(item, third, at(2026, 3, 26, 8))
    assert item.path == (5, 4) and item.status == OPEN and item.breaches_handled == 0
    # At the cluster the clock starts on the day of arrival.
    cluster = Policy(30, 5, 0)
    assert decide(item, cluster, at(2026, 3, 31, 23), UNITS, None).action == "none"
    up = decide(item, cluster, at(2026, 4, 1, 0, 30), UNITS, None)
    assert (up.action, up.target) == ("escalate", 1)
    item = record(item, up, at(2026, 4, 1, 0, 30))
    top = decide(item, cluster, at(2026, 6, 1), UNITS, None)
    assert top.action == "flag_top"
    item = record(item, top, at(2026, 6, 1))
    assert item.at_top and item.status == OPEN and item.current == 1
    assert decide(item, cluster, at(2027, 1, 1), UNITS, None).action == "none"


def test_downtime_acts_on_the_latest_breach_only() -> None:
    item = new_item(5, at(2026, 3, 2))
    late = decide(item, POLICY, at(2026, 5, 1), UNITS, None)
    assert (late.action, late.breach) == ("escalate", 3)


def test_an_acknowledged_item_keeps_its_clock_from_the_due_date() -> None:
    # Reminded once while open; acknowledging restarts the clock from the due date.
    item = record(new_item(5, at(2026, 3, 2)), Decision("remind", 1), at(2026, 3, 6))
    item = acknowledge(item, date(2026, 3, 10), at(2026, 3, 6))
    assert item.status == ACKNOWLEDGED and item.breaches_handled == 0
    assert decide(item, POLICY, at(2026, 3, 13), UNITS, None).action == "none"  # not yet
    first = decide(item, POLICY, at(2026, 3, 14), UNITS, None)
    assert (first.action, first.breach) == ("remind", 1)  # due + ack_days: a reminder
    item = record(item, first, at(2026, 3, 14))
    assert decide(item, POLICY, at(2026, 3, 15), UNITS, None).action == "none"  # said once
    item = record(item, decide(item, POLICY, at(2026, 3, 17), UNITS, None), at(2026, 3, 17))
    last = decide(item, POLICY, at(2026, 3, 20), UNITS, None)
    assert (last.action, last.target) == ("escalate", 4)  # then escalation


def test_a_sent_back_item_keeps_its_clock_too() -> None:
    item = escalate(new_item(5, at(2026, 3, 2)), 4, at(2026, 3, 3))
    back = send_back(item, at(2026, 3, 4))
    # resolve_days (14) after arriving back, then ack_days (3): a reminder.
    assert decide(back, POLICY, at(2026, 3, 21), UNITS, None).action == "none"
    assert decide(back, POLICY, at(2026, 3, 22), UNITS, None).action == "remind"


def test_send_back_and_resolve_loop_back_to_units_below() -> None:
    item = escalate(escalate(new_item(5, at(2026, 3, 2)), 4, at(2026, 3, 3)), 1, at(2026, 3, 4))
    done = resolve(item)
    assert loopback_targets(item, done) == (5, 4)
    back = send_back(item, at(2026, 3, 5))
    assert back.path == (5, 4) and back.status == SENT_BACK
    assert loopback_targets(item, back) == (5, 4)
    with pytest.raises(TransitionError, match="not_escalated"):
        send_back(new_item(5, at(2026, 3, 2)), at(2026, 3, 2))
    with pytest.raises(TransitionError, match="top"):
        escalate(item, next_unit(item.current, UNITS, None), at(2026, 3, 5))
    with pytest.raises(TransitionError, match="bad_due"):
        acknowledge(item, date(2026, 3, 1), at(2026, 3, 5))


def test_dst_spring_forward_deadline_is_local_midnight() -> None:
    # Sweden moves to summer time on 2026-03-29: that day has 23 hours.
    start = date(2026, 3, 28)
    d = deadline(start, 1)
    assert d.astimezone(TZ).replace(tzinfo=None) == datetime(2026, 3, 30, 0, 0)
    assert d - end_of_day(start) == timedelta(hours=23)
    # ... and back on 2026-10-25: 25 hours.
    assert deadline(date(2026, 10, 24), 1) - end_of_day(date(2026, 10, 24)) == timedelta(hours=25)


# -- properties ---------------------------------------------------------------------------

instants = st.datetimes(
    min_value=datetime(2020, 1, 1), max_value=datetime(2035, 12, 31), timezones=st.just(UTC)
)
policies = st.builds(
    Policy,
    resolve_days=st.integers(1, 90),
    ack_days=st.integers(1, 30),
    repeat=st.integers(0, 4),
)


@st.composite
def trees(draw: st.DrawFn) -> dict[int, UnitNode]:
    """A random chain: one macro root, optional topic groups, clusters nesting, teams."""
    topics = ["Barn och unga", "Psykisk hälsa", "Äldre"]
    units = {1: UnitNode(1, None, "macro")}
    next_id = 2
    for topic in draw(st.lists(st.sampled_from(topics), unique=True, max_size=3)):
        units[next_id] = UnitNode(next_id, 1, "topic", topic)
        next_id += 1
    for _ in range(draw(st.integers(1, 12))):
        parents = [u for u in units.values() if u.level in ("macro", "cluster")]
        parent = draw(st.sampled_from(parents))
        level = draw(st.sampled_from(["cluster", "team"]))
        unit_topic_ = draw(st.none() | st.sampled_from(topics))
        units[next_id] = UnitNode(next_id, parent.id, level, unit_topic_)
        next_id += 1
    return units


@settings(max_examples=200, deadline=None)
@given(
    trees(),
    st.data(),
    policies,
    instants,
    st.lists(st.integers(0, 200 * 24), min_size=1, max_size=40),
)
def test_sweeps_never_go_above_the_root_nor_act_twice_per_breach(
    units: dict[int, UnitNode],
    data: st.DataObject,
    policy: Policy,
    start: datetime,
    steps: list[int],
) -> None:
    origin = data.draw(st.sampled_from(sorted(units)))
    topic = data.draw(st.none() | st.sampled_from(["Barn och unga", "Psykisk hälsa", "Äldre"]))
    item = new_item(origin, start)
    now = start
    handled: set[tuple[tuple[int, ...], int]] = set()
    for hours in sorted(steps):
        now = start + timedelta(hours=hours)
        decision = decide(item, policy, now, units, topic)
        if not decision.acts:
            continue
        breach = (item.path, decision.breach)
        assert breach not in handled, "acted twice on the same breach"
        handled.add(breach)
        item = record(item, decision, now)
        # Acting again at the same instant never does anything.
        assert not decide(item, policy, now, units, topic).acts
        # Never above the root: every unit on the path is a unit of the tree, each once,
        # and only the root lacks a parent.
        assert all(u in units for u in item.path)
        assert len(set(item.path)) == len(item.path)
        assert all(units[u].parent_id is not None for u in item.path[:-1])
        if item.at_top:
            assert next_unit(item.current, units, topic) in (None, *item.path)
    assert len(item.path) <= len(units)


@settings(max_examples=200, deadline=None)
@given(policies, instants, st.integers(0, 5000))
def test_a_resolved_item_never_escalates(policy: Policy, start: datetime, hours: int) -> None:
    item = resolve(escalate(new_item(5, start), 4, start))
    now = start + timedelta(hours=hours)
    assert decide(item, policy, now, UNITS, None).action == "none"
    assert item.status == RESOLVED
    for transition in (
        lambda: escalate(item, 1, now),
        lambda: flag_top(item),
        lambda: resolve(item),
        lambda: send_back(item, now),
    ):
        with pytest.raises(TransitionError):
            transition()


@settings(max_examples=300, deadline=None)
@given(instants, st.integers(1, 400))
def test_deadlines_are_exact_calendar_days_across_dst(start: datetime, days: int) -> None:
    local_start = start.astimezone(TZ).date()
    d = deadline(local_start, days)
    local = d.astimezone(TZ)
    # Always local midnight, exactly `days` calendar days after the start day ended.
    assert (local.hour, local.minute, local.second) == (0, 0, 0)
    assert local.date() == local_start + timedelta(days=days + 1)
    # The UTC length differs from whole days by the DST shifts in between, at most 1 h.
    elapsed = d - end_of_day(local_start)
    assert abs(elapsed - timedelta(days=days)) <= timedelta(hours=1)
    offset_change = local.utcoffset() - end_of_day(local_start).astimezone(TZ).utcoffset()  # type: ignore[operator]
    assert elapsed == timedelta(days=days) - offset_change


@settings(max_examples=200, deadline=None)
@given(policies, instants, st.integers(0, 400 * 24))
def test_breach_boundaries_are_exact(policy: Policy, start: datetime, minutes: int) -> None:
    item = new_item(5, start)
    first = breach_at(item, policy, 1)
    just_before = first - timedelta(microseconds=1)
    assert decide(item, policy, just_before, UNITS, None).action == "none"
    assert decide(item, policy, first, UNITS, None).acts
    assert first.astimezone(TZ).hour == 0
