"""Items and their escalation up the chain: a pure state machine over (item, policy, now).

An item lives at one unit at a time. Its `path` is the stack of units it has been
lifted through, origin first and the current unit last; sending it back pops the
stack, escalating pushes the next unit. Nothing here does I/O.

Timing, in Europe/Stockholm *calendar days* (so daylight-saving changes never
shift a deadline by an hour): every deadline is local midnight at the end of a
calendar day. The clock at the current unit starts

- for an item that arrived by escalation: on the local day it arrived;
- for an item raised here: on its due date (explicit, or arrival + `resolve_days`).

Breach k (k = 1 .. repeat + 1) falls at the end of day `start + k * ack_days`.
While the item is unacknowledged (status `open`), breaches 1..repeat are
reminders and breach repeat + 1 escalates to the next unit, or, at the top of
the chain, flags the item as unresolved at the top (it stays open). Each breach
is acted on at most once: the item records the last breach handled, and a sweep
that finds several passed breaches (after downtime) acts on the latest only.

Routing: the next unit is the parent; when the parent is a macro unit and the
item has a topic for which the macro unit has a topic group, the item goes to
that topic group first (and from the topic group to the macro unit).
"""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time, timedelta
from typing import Any, Literal
from zoneinfo import ZoneInfo

from core.dates import HOME_ZONE

TZ = ZoneInfo(HOME_ZONE)

OPEN = "open"
ACKNOWLEDGED = "acknowledged"
RESOLVED = "resolved"
SENT_BACK = "sent_back"
STATUSES = (OPEN, ACKNOWLEDGED, RESOLVED, SENT_BACK)
# Statuses in which someone still has to act on the item.
ACTIVE = (OPEN, ACKNOWLEDGED, SENT_BACK)
KINDS = ("barrier", "question", "proposal")

# Used when neither the unit nor the county's org file says anything.
DEFAULT_POLICIES: dict[str, tuple[int, int, int]] = {
    "team": (14, 3, 2),
    "cluster": (30, 5, 2),
    "topic": (45, 10, 1),
    "macro": (60, 10, 1),
}
FALLBACK_POLICY = (30, 5, 1)


class TransitionError(ValueError):
    """The transition is not allowed from the item's current state."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason  # terminal | top | not_escalated | bad_due


@dataclass(frozen=True)
class Policy:
    resolve_days: int
    ack_days: int
    repeat: int

    def __post_init__(self) -> None:
        if self.resolve_days < 1 or self.ack_days < 1 or self.repeat < 0:
            raise ValueError(f"invalid escalation policy {self}")


def policy_for(defaults: Mapping[str, Any] | None, level: str) -> Policy:
    """The policy of a unit at `level`, from its stored defaults (`escalation.<level>`)."""
    resolve, ack, repeat = DEFAULT_POLICIES.get(level, FALLBACK_POLICY)
    rules = (defaults or {}).get("escalation")
    rule = rules.get(level) if isinstance(rules, Mapping) else None
    if isinstance(rule, Mapping):
        resolve = _positive(rule.get("resolve_days"), resolve, minimum=1)
        ack = _positive(rule.get("ack_days"), ack, minimum=1)
        repeat = _positive(rule.get("repeat"), repeat, minimum=0)
    return Policy(resolve_days=resolve, ack_days=ack, repeat=repeat)


def _positive(value: Any, default: int, *, minimum: int) -> int:
    if isinstance(value, int) and not isinstance(value, bool) and value >= minimum:
        return value
    return default


# -- calendar days in Stockholm ---------------------------------------------------------


def local_date(instant: datetime) -> date:
    if instant.tzinfo is None:
        raise ValueError("naive datetime")
    return instant.astimezone(TZ).date()


def end_of_day(day: date) -> datetime:
    """The UTC instant at which local day `day` ends (local midnight starting the next day).

    Midnight never falls in a Swedish DST gap or overlap (they are at 02:00-03:00).
    """
    return datetime.combine(day + timedelta(days=1), time(0), tzinfo=TZ).astimezone(UTC)


def deadline(start: date, days: int) -> datetime:
    """End of the `days`-th calendar day after `start`, as a UTC instant."""
    return end_of_day(start + timedelta(days=days))


def age_days(since: datetime, now: datetime) -> int:
    """Whole calendar days between two instants, counted in Stockholm."""
    return (local_date(now) - local_date(since)).days


# -- routing ------------------------------------------------------------------------------


@dataclass(frozen=True)
class UnitNode:
    id: int
    parent_id: int | None
    level: str
    topic: str | None = None


def _fold(value: str) -> str:
    return unicodedata.normalize("NFC", " ".join(value.split())).casefold()


def next_unit(current: int, units: Mapping[int, UnitNode], topic: str | None) -> int | None:
    """Where an item at `current` goes when lifted; None at the top of the chain."""
    node = units.get(current)
    if node is None or node.parent_id is None or node.parent_id not in units:
        return None
    parent = units[node.parent_id]
    if parent.level == "macro" and topic and node.level != "topic":
        wanted = _fold(topic)
        groups = sorted(
            u.id
            for u in units.values()
            if u.parent_id == parent.id
            and u.level == "topic"
            and u.topic is not None
            and _fold(u.topic) == wanted
        )
        if groups and groups[0] != current:
            return groups[0]
    return parent.id


def unit_topic(current: int, units: Mapping[int, UnitNode]) -> str | None:
    """The nearest topic up the chain: the default topic of an item raised at `current`."""
    seen: set[int] = set()
    node = units.get(current)
    while node is not None and node.id not in seen:
        if node.topic:
            return node.topic
        seen.add(node.id)
        node = units.get(node.parent_id) if node.parent_id is not None else None
    return None


# -- the item -----------------------------------------------------------------------------


@dataclass(frozen=True)
class ItemState:
    status: str
    path: tuple[int, ...]  # origin .. current unit
    arrived_at: datetime  # when it arrived at the current unit (UTC)
    due: date | None = None
    breaches_handled: int = 0  # breaches already acted on at the current unit
    at_top: bool = False  # flagged: unresolved at the top of the chain

    def __post_init__(self) -> None:
        if not self.path:
            raise ValueError("an item needs a unit")
        if self.status not in STATUSES:
            raise ValueError(f"unknown status {self.status!r}")

    @property
    def origin(self) -> int:
        return self.path[0]

    @property
    def current(self) -> int:
        return self.path[-1]

    @property
    def escalated(self) -> bool:
        """Whether it is at the current unit because it was lifted there."""
        return len(self.path) > 1

    @property
    def below(self) -> tuple[int, ...]:
        """Units below the current one on the path: who hears the answer."""
        return self.path[:-1]


def new_item(unit_id: int, now: datetime, due: date | None = None) -> ItemState:
    return ItemState(status=OPEN, path=(unit_id,), arrived_at=now, due=due)


def clock_start(item: ItemState, policy: Policy) -> date:
    """The local day the escalation clock at the current unit counts from."""
    arrived = local_date(item.arrived_at)
    if item.escalated and item.status == OPEN:
        return arrived
    return item.due or arrived + timedelta(days=policy.resolve_days)


def due_at(item: ItemState, policy: Policy) -> datetime:
    """When the item becomes overdue at its current unit."""
    if item.due is not None:
        return end_of_day(item.due)
    return deadline(local_date(item.arrived_at), policy.resolve_days)


def is_overdue(item: ItemState, policy: Policy, now: datetime) -> bool:
    return item.status in ACTIVE and now >= due_at(item, policy)


def breach_at(item: ItemState, policy: Policy, k: int) -> datetime:
    """The instant of breach k (1-based) at the current unit."""
    if k < 1:
        raise ValueError("breaches count from 1")
    return deadline(clock_start(item, policy), k * policy.ack_days)


def breaches_passed(item: ItemState, policy: Policy, now: datetime) -> int:
    """How many breaches (at most repeat + 1) have passed at `now`."""
    last = policy.repeat + 1
    passed = 0
    for k in range(1, last + 1):
        if breach_at(item, policy, k) <= now:
            passed = k
        else:
            break
    return passed


Action = Literal["none", "remind", "escalate", "flag_top"]


@dataclass(frozen=True)
class Decision:
    action: Action
    breach: int = 0
    target: int | None = None

    @property
    def acts(self) -> bool:
        return self.action != "none"


NOTHING = Decision("none")


def decide(
    item: ItemState,
    policy: Policy,
    now: datetime,
    units: Mapping[int, UnitNode],
    topic: str | None,
) -> Decision:
    """What an automatic sweep does with the item at `now`.

    Acknowledged and sent-back items keep their clock (counted from their due date, or
    from the resolve time after arriving): a reminder, then escalation, as for open ones.
    """
    if item.status not in ACTIVE or item.at_top:
        return NOTHING
    passed = breaches_passed(item, policy, now)
    if passed <= item.breaches_handled:
        return NOTHING
    if passed <= policy.repeat:
        return Decision("remind", passed)
    target = next_unit(item.current, units, topic)
    if target is None or target in item.path:
        return Decision("flag_top", passed)
    return Decision("escalate", passed, target)


def record(item: ItemState, decision: Decision, now: datetime) -> ItemState:
    """The item after the sweep acted on `decision` (reminder, escalation or top flag)."""
    if decision.action == "none":
        return item
    if decision.breach <= item.breaches_handled:
        raise TransitionError("already_handled")
    if decision.action == "remind":
        return replace(item, breaches_handled=decision.breach)
    if decision.action == "flag_top":
        return replace(item, breaches_handled=decision.breach, at_top=True)
    assert decision.target is not None
    return escalate(item, decision.target, now)


# -- transitions people make --------------------------------------------------------------


def _require_active(item: ItemState) -> None:
    if item.status not in ACTIVE:
        raise TransitionError("terminal")


def escalate(item: ItemState, target: int | None, now: datetime) -> ItemState:
    """Lift the item to `target` (None: there is nothing above)."""
    _require_active(item)
    if target is None or target in item.path:
        raise TransitionError("top")
    return ItemState(
        status=OPEN,
        path=(*item.path, target),
        arrived_at=now,
        due=None,
        breaches_handled=0,
        at_top=False,
    )


def flag_top(item: ItemState) -> ItemState:
    """Someone tried to lift an item at the top: it stays, flagged as unresolved there."""
    _require_active(item)
    return replace(item, at_top=True)


def acknowledge(item: ItemState, due: date, now: datetime) -> ItemState:
    """Take ownership at the current unit, with a due date (today or later)."""
    _require_active(item)
    if due < local_date(now):
        raise TransitionError("bad_due")
    # The clock restarts from the due date: reminders and escalation count from there.
    return replace(item, status=ACKNOWLEDGED, due=due, breaches_handled=0)


def resolve(item: ItemState) -> ItemState:
    """Answered at the current unit; every unit in `item.below` hears the answer."""
    _require_active(item)
    return replace(item, status=RESOLVED)


def send_back(item: ItemState, now: datetime) -> ItemState:
    """Return the item, with a comment, to the unit it came from."""
    _require_active(item)
    if not item.escalated:
        raise TransitionError("not_escalated")
    return ItemState(
        status=SENT_BACK,
        path=item.path[:-1],
        arrived_at=now,
        due=None,
        breaches_handled=0,
        at_top=False,
    )


def loopback_targets(before: ItemState, after: ItemState) -> tuple[int, ...]:
    """Units that get the answer card when `before` became `after` (resolve or send back)."""
    if after.status == RESOLVED:
        return before.below
    if after.status == SENT_BACK:
        return after.path
    return ()
