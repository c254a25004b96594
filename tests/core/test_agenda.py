"""Agenda assembly, ordering and carry-forward (pure)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from core.agenda import (
    OPEN_STATUSES,
    ActionEntry,
    AgendaEntry,
    OccurrenceRef,
    actions_to_move,
    assemble,
    carry_forward,
    move,
)

T0 = datetime(2026, 12, 1, 12, tzinfo=UTC)
OCC1 = OccurrenceRef(1, T0, T0 + timedelta(hours=2))
OCC2 = OccurrenceRef(2, T0 + timedelta(days=35), T0 + timedelta(days=35, hours=2))
OCC3 = OccurrenceRef(3, T0 + timedelta(days=63), T0 + timedelta(days=63, hours=2))
AFTER1 = T0 + timedelta(days=1)


def test_assemble_orders_items_hides_removed_and_lists_actions_due() -> None:
    items = [
        AgendaEntry(1, 1, 2, "Utskrivningar"),
        AgendaEntry(2, 1, 1, "SIP-statistik", status="accepted"),
        AgendaEntry(3, 1, 3, "Bort", status="removed"),
        AgendaEntry(4, 2, 1, "Nästa möte"),
    ]
    actions = [
        ActionEntry(10, "Ring kommunen", "Nils", date(2026, 11, 30)),
        ActionEntry(11, "Senare", "Nils", date(2027, 1, 1)),
        ActionEntry(12, "Klar", "Nils", date(2026, 11, 1), status="done"),
        ActionEntry(13, "Följs upp här", "Sara", date(2027, 2, 1), occurrence_id=1),
    ]
    agenda = assemble(1, date(2026, 12, 1), ["Indikatorer"], items, actions)
    assert [i.id for i in agenda.items] == [2, 1]
    assert [a.id for a in agenda.actions] == [10, 13]
    assert agenda.item_number(1) == 2 and agenda.item_number(3) is None


def test_carry_forward_copies_open_items_once_in_order() -> None:
    items = [
        AgendaEntry(1, 1, 1, "Öppen"),
        AgendaEntry(2, 1, 2, "Klar", status="handled"),
        AgendaEntry(3, 1, 3, "Accepterad", status="accepted"),
        AgendaEntry(4, 1, 4, "Struken", status="removed"),
        AgendaEntry(5, 2, 1, "Redan på nästa"),
    ]
    copies = carry_forward(OCC2, [OCC1], items, AFTER1)
    assert [(c.carried_from, c.position, c.status) for c in copies] == [
        (1, 2, "proposed"),
        (3, 3, "accepted"),
    ]
    # Once copied, nothing more is carried.
    stored = items + [
        AgendaEntry(6 + n, 2, c.position, c.text, c.status, c.carried_from)
        for n, c in enumerate(copies)
    ]
    assert carry_forward(OCC2, [OCC1], stored, AFTER1) == []


def test_nothing_is_carried_from_a_meeting_not_yet_over_unless_cancelled() -> None:
    items = [AgendaEntry(1, 1, 1, "Öppen")]
    assert carry_forward(OCC2, [OCC1], items, T0 + timedelta(hours=1)) == []
    cancelled = OccurrenceRef(1, OCC1.starts_at, OCC1.ends_at, "cancelled")
    assert [c.carried_from for c in carry_forward(OCC2, [cancelled], items, T0)] == [1]


def test_actions_move_to_the_next_occurrence() -> None:
    actions = [
        ActionEntry(10, "a", "N", date(2026, 12, 24), occurrence_id=1),
        ActionEntry(11, "b", "N", date(2026, 12, 24), status="done", occurrence_id=1),
        ActionEntry(12, "c", "N", date(2026, 12, 24), occurrence_id=2),
    ]
    assert actions_to_move(OCC2, [OCC1], actions, AFTER1) == [10]


def test_move() -> None:
    assert move([10, 20, 30], 3, 1) == [30, 10, 20]
    assert move([10, 20, 30], 1, 3) == [20, 30, 10]
    with pytest.raises(IndexError):
        move([10], 2, 1)


statuses = st.sampled_from(["proposed", "accepted", "handled", "removed"])


@given(st.lists(st.tuples(st.sampled_from([1, 2]), statuses), max_size=12), statuses)
def test_carry_forward_never_loses_an_open_item_across_two_meetings(
    rows: list[tuple[int, str]], later_status: str
) -> None:
    items = [AgendaEntry(n + 1, occ, n, f"p{n}", status) for n, (occ, status) in enumerate(rows)]
    # Meeting 1 is over: carry to 2; then meeting 2 is over (copies get `later_status`
    # or stay open), carry to 3.
    next_id = len(items) + 1
    for target, earlier, now in ((OCC2, [OCC1], AFTER1), (OCC3, [OCC1, OCC2], OCC2.ends_at)):
        for c in carry_forward(target, earlier, items, now):
            status = later_status if target is OCC2 else c.status
            items.append(
                AgendaEntry(next_id, c.occurrence_id, c.position, c.text, status, c.carried_from)
            )
            next_id += 1
    successors = {i.carried_from for i in items}
    for i in items:
        if i.occurrence_id in (1, 2) and i.status in OPEN_STATUSES:
            assert i.id in successors  # every open item has a copy further on
    copies_of = [i.carried_from for i in items if i.carried_from is not None]
    assert len(copies_of) == len(set(copies_of))  # and only one
