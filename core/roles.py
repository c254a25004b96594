"""Who may do what: roles per unit, inherited down the chain.

A coordinator or admin of a unit also acts for every unit below it (a cluster's
coordinator can set up its teams); a manager's digest covers the units below.
Global admins (SAMVERKAN_ADMINS; in local mode SAMVERKAN_LOCAL_ADMINS, or anyone when that
is empty) may do everything.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

ROLES = ("coordinator", "manager", "admin")
# What a role lets you do, lowest first: an admin can do a coordinator's work.
_RANK = {"staff": 0, "manager": 1, "coordinator": 2, "admin": 3}


def ancestors(unit_id: int, parents: Mapping[int, int | None]) -> list[int]:
    """The unit itself, then its parent, up to the root (cycle-safe)."""
    chain: list[int] = []
    current: int | None = unit_id
    while current is not None and current not in chain:
        chain.append(current)
        current = parents.get(current)
    return chain


def descendants(unit_id: int, parents: Mapping[int, int | None]) -> list[int]:
    """The unit itself, then every unit below it (cycle-safe)."""
    children: dict[int | None, list[int]] = {}
    for child, parent in parents.items():
        children.setdefault(parent, []).append(child)
    out: list[int] = []
    stack = [unit_id]
    while stack:
        current = stack.pop()
        if current in out:
            continue
        out.append(current)
        stack.extend(children.get(current, []))
    return out


def effective_roles(
    unit_id: int,
    parents: Mapping[int, int | None],
    assignments: Mapping[int, Iterable[str]],
    *,
    global_admin: bool = False,
) -> set[str]:
    """Roles a person holds for `unit_id`, including those inherited from above."""
    roles: set[str] = {"admin", "coordinator", "manager"} if global_admin else set()
    for uid in ancestors(unit_id, parents):
        roles.update(assignments.get(uid, ()))
    if "admin" in roles:
        roles.add("coordinator")
    return roles


def allows(roles: set[str], needed: str) -> bool:
    """Whether holding `roles` is enough for an action that needs `needed`."""
    if needed == "staff":
        return True
    if needed == "manager":
        return bool(roles & {"manager", "coordinator", "admin"})
    return any(_RANK.get(r, 0) >= _RANK[needed] and r != "manager" for r in roles)


def holders(
    unit_id: int,
    role: str,
    parents: Mapping[int, int | None],
    people_by_unit: Mapping[int, Mapping[str, Iterable[str]]],
) -> list[str]:
    """Who holds `role` for the unit, nearest unit first: named in refusals."""
    out: list[str] = []
    for uid in ancestors(unit_id, parents):
        for person in people_by_unit.get(uid, {}).get(role, ()):
            if person not in out:
                out.append(person)
        if out:
            break
    return out
