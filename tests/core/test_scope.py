"""The scope rule (core/scope.py): where a unit's data may show, without network or database."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from core.scope import Viewer, in_reach

# Rådet (1) above Östersund (2) and Krokom (3); Hemsjukvård Östersund (4) below Östersund.
PARENTS: dict[int, int | None] = {1: None, 2: 1, 3: 1, 4: 2}
ROLES = ("coordinator", "manager", "admin")


def test_a_channel_shows_only_its_own_unit_and_what_is_addressed_to_it() -> None:
    here = Viewer(where="channel", channel_unit=2)
    assert in_reach(here, [2], PARENTS)
    assert in_reach(here, [4, 2], PARENTS)  # an item lifted from the team to Östersund
    assert not in_reach(here, [3], PARENTS)  # Krokom's
    assert not in_reach(here, [4], PARENTS)  # the team's own, not lifted: not this channel's
    assert not in_reach(here, [1], PARENTS)  # the parent's


def test_in_a_channel_roles_and_admin_do_not_widen_it() -> None:
    # Everyone in the channel sees the answer, so the person's own reach does not count.
    admin = Viewer(where="channel", channel_unit=2, roles={3: {"coordinator"}}, global_admin=True)
    assert not in_reach(admin, [3], PARENTS)
    assert not in_reach(admin, [3], PARENTS, addressed_to_person=True)


def test_an_unbound_channel_shows_nothing() -> None:
    assert not in_reach(Viewer(where="channel", channel_unit=None), [2], PARENTS)


def test_personal_chat_reaches_role_units_and_below() -> None:
    coordinator = Viewer(where="personal", roles={2: {"coordinator"}})
    assert in_reach(coordinator, [2], PARENTS)
    assert in_reach(coordinator, [4], PARENTS)  # roles inherit down the chain
    assert not in_reach(coordinator, [1], PARENTS)  # not up
    assert not in_reach(coordinator, [3], PARENTS)  # nor sideways


def test_personal_chat_reaches_units_whose_channel_the_person_is_in_but_not_below() -> None:
    member = Viewer(where="personal", member_units=frozenset({2}))
    assert in_reach(member, [2], PARENTS)
    assert in_reach(member, [4, 2], PARENTS)
    assert not in_reach(member, [4], PARENTS)
    assert not in_reach(member, [3], PARENTS)


def test_nobody_reaches_anything_from_a_personal_chat() -> None:
    nobody = Viewer(where="personal")
    for unit in PARENTS:
        assert not in_reach(nobody, [unit], PARENTS)


def test_a_group_chat_follows_the_person_like_a_personal_chat() -> None:
    assert in_reach(Viewer(where="groupChat", roles={3: {"manager"}}), [3], PARENTS)
    assert not in_reach(Viewer(where="groupChat", roles={3: {"manager"}}), [2], PARENTS)


def test_global_admin_and_owner_reach_from_a_personal_chat() -> None:
    assert in_reach(Viewer(where="personal", global_admin=True), [3], PARENTS)
    assert in_reach(Viewer(where="personal"), [3], PARENTS, addressed_to_person=True)


def test_no_units_is_never_in_reach() -> None:
    everyone = Viewer(where="personal", global_admin=True)
    assert not in_reach(everyone, [], PARENTS)
    assert not in_reach(Viewer(where="channel", channel_unit=2), [], PARENTS)


units = st.sampled_from(sorted(PARENTS))
role_rows = st.dictionaries(units, st.sets(st.sampled_from(ROLES), min_size=1), max_size=4)


@given(
    channel_unit=st.none() | units,
    roles=role_rows,
    members=st.frozensets(units),
    admin=st.booleans(),
    owner=st.booleans(),
    objects=st.sets(units, max_size=3),
)
def test_in_a_channel_only_the_channel_unit_decides(
    channel_unit: int | None,
    roles: dict[int, set[str]],
    members: frozenset[int],
    admin: bool,
    owner: bool,
    objects: set[int],
) -> None:
    viewer = Viewer("channel", channel_unit, roles, members, admin)
    expected = channel_unit is not None and channel_unit in objects
    assert in_reach(viewer, objects, PARENTS, addressed_to_person=owner) == expected


@given(
    roles=role_rows,
    more=role_rows,
    members=st.frozensets(units),
    objects=st.sets(units, max_size=3),
)
def test_more_roles_never_take_reach_away(
    roles: dict[int, set[str]],
    more: dict[int, set[str]],
    members: frozenset[int],
    objects: set[int],
) -> None:
    before = in_reach(Viewer("personal", None, roles, members), objects, PARENTS)
    merged = {u: roles.get(u, set()) | more.get(u, set()) for u in {*roles, *more}}
    after = in_reach(Viewer("personal", None, merged, members), objects, PARENTS)
    assert after or not before
