"""Agenda assembly and carry-forward: pure rules over plain data.

An occurrence's agenda is: the standing points (per unit, else the three from the
seeds), its agenda items in order (proposed, accepted, handled; removed ones are not
shown), and the open action items to follow up there (due by the meeting day, or
carried to it). Items that came back from another level with an answer are agenda
items too (`source == "answer"`), so they can be ordered and handled like any other.

Carry-forward never loses an item: an item not handled and not removed at an earlier
occurrence gets a copy on the next one (`carried_from` = the earlier item's id) unless
it already has one. Copies, not moves: the earlier meeting's minutes still show what
was left open there. The same run moves open action items to the next occurrence.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime

OPEN_STATUSES = ("proposed", "accepted")
SHOWN_STATUSES = ("proposed", "accepted", "handled")
STATUSES = ("proposed", "accepted", "handled", "removed")


@dataclass(frozen=True)
class AgendaEntry:
    id: int
    occurrence_id: int
    position: int
    text: str
    status: str = "proposed"
    carried_from: int | None = None
    source: str = "proposed"  # proposed | answer
    proposed_by: str | None = None


@dataclass(frozen=True)
class ActionEntry:
    id: int
    text: str
    owner_name: str
    due: date
    status: str = "open"  # open | done
    occurrence_id: int | None = None  # where it is followed up


@dataclass(frozen=True)
class OccurrenceRef:
    id: int
    starts_at: datetime
    ends_at: datetime
    status: str = "scheduled"  # scheduled | moved | cancelled


@dataclass(frozen=True)
class Agenda:
    standing: tuple[str, ...]
    items: tuple[AgendaEntry, ...]  # numbered 1..n in this order
    actions: tuple[ActionEntry, ...]

    def item_number(self, item_id: int) -> int | None:
        for n, item in enumerate(self.items, start=1):
            if item.id == item_id:
                return n
        return None


def ordered(items: Iterable[AgendaEntry]) -> list[AgendaEntry]:
    return sorted(items, key=lambda i: (i.position, i.id))


def assemble(
    occurrence_id: int,
    meeting_day: date,
    standing: Sequence[str],
    items: Iterable[AgendaEntry],
    actions: Iterable[ActionEntry],
) -> Agenda:
    shown = ordered(
        i for i in items if i.occurrence_id == occurrence_id and i.status in SHOWN_STATUSES
    )
    due = sorted(
        (
            a
            for a in actions
            if a.status == "open" and (a.due <= meeting_day or a.occurrence_id == occurrence_id)
        ),
        key=lambda a: (a.due, a.id),
    )
    return Agenda(tuple(standing), tuple(shown), tuple(due))


def carry_forward(
    target: OccurrenceRef,
    earlier: Iterable[OccurrenceRef],
    items: Iterable[AgendaEntry],
    now: datetime,
) -> list[AgendaEntry]:
    """Items to copy onto `target`, in order: open items of earlier occurrences that are
    over (ended, or cancelled) and have no copy yet. Their `carried_from` is set and
    `id`/`position` are placeholders (0 and the new order)."""
    items = list(items)
    done_with = {
        o.id: o
        for o in earlier
        if o.id != target.id
        and o.starts_at < target.starts_at
        and (o.status == "cancelled" or o.ends_at <= now)
    }
    has_copy = {i.carried_from for i in items if i.carried_from is not None}
    next_position = max((i.position for i in items if i.occurrence_id == target.id), default=0)
    pending = sorted(
        (
            i
            for i in items
            if i.occurrence_id in done_with and i.status in OPEN_STATUSES and i.id not in has_copy
        ),
        key=lambda i: (done_with[i.occurrence_id].starts_at, i.position, i.id),
    )
    out: list[AgendaEntry] = []
    for i in pending:
        next_position += 1
        out.append(
            AgendaEntry(
                id=0,
                occurrence_id=target.id,
                position=next_position,
                text=i.text,
                status=i.status,
                carried_from=i.id,
                source=i.source,
                proposed_by=i.proposed_by,
            )
        )
    return out


def actions_to_move(
    target: OccurrenceRef,
    earlier: Iterable[OccurrenceRef],
    actions: Iterable[ActionEntry],
    now: datetime,
) -> list[int]:
    """Open action items followed up at an occurrence that is over: move them to `target`."""
    over = {
        o.id
        for o in earlier
        if o.id != target.id
        and o.starts_at < target.starts_at
        and (o.status == "cancelled" or o.ends_at <= now)
    }
    return [a.id for a in actions if a.status == "open" and a.occurrence_id in over]


def move(order: Sequence[int], from_number: int, to_number: int) -> list[int]:
    """`/agenda move 3 1`: the item numbered 3 becomes number 1 (numbers from 1).
    Raises IndexError for a number outside the list."""
    n = len(order)
    if not (1 <= from_number <= n and 1 <= to_number <= n):
        raise IndexError(f"numbers go from 1 to {n}")
    out = list(order)
    item = out.pop(from_number - 1)
    out.insert(to_number - 1, item)
    return out


INDICATOR_WORDS = ("indikator", "indicator")


def with_indicator_status(standing: Sequence[str], status: str | None) -> tuple[str, ...]:
    """The standing points, the one about indicators followed by the unit's current
    indicator status (the first point naming them; unchanged without a status)."""
    out = list(standing)
    if status:
        for i, point in enumerate(out):
            if any(w in point.casefold() for w in INDICATOR_WORDS):
                out[i] = f"{point}: {status}"
                break
    return tuple(out)
