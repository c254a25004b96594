"""Where a person may see or change a unit's data: the scope rule, over plain data.

Roles (core/roles.py) say *what* a person may do in a unit; scope says *where* the
unit's data may show at all. Both are checked: scope first, so that an id outside
the person's reach answers exactly as an id that does not exist.

- In a channel, the audience is everyone in it: only the channel's own unit, and what
  is addressed to it (an item lifted to it from a unit below, or raised here and lifted
  on), may show. This holds for administrators too. An unbound channel shows nothing.
- In a personal chat (and a group chat, whose audience the person chose): the units the
  person holds any role in (a role held above counts: roles inherit down the chain), and
  the units whose bound channel they were seen in. A global administrator reaches every
  unit there.
- Something addressed to the person themselves (an action item they own) is in reach
  from their personal chat too; in a channel the channel's rule still holds.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass, field

from core.roles import ancestors

CHANNEL = "channel"


@dataclass(frozen=True)
class Viewer:
    """Who asks, and where: what the rule needs about the person and the conversation."""

    where: str  # "channel" | "personal" | "groupChat"
    channel_unit: int | None = None  # the unit the channel is bound to (channels only)
    # Role rows by unit, as assigned (not inherited): {unit id: {"coordinator", ...}}.
    roles: Mapping[int, Collection[str]] = field(default_factory=dict)
    member_units: frozenset[int] = frozenset()  # units whose bound channel they are seen in
    global_admin: bool = False


def in_reach(
    viewer: Viewer,
    object_units: Iterable[int],
    parents: Mapping[int, int | None],
    *,
    addressed_to_person: bool = False,
) -> bool:
    """Whether something belonging to `object_units` may be shown to / changed by `viewer`.

    `object_units` are every unit the object belongs to or is addressed to (an item's
    origin, the units it was lifted through and the one it is at now). No units: not
    in reach (a dangling id is treated as missing).
    """
    units = set(object_units)
    if not units:
        return False
    if viewer.where == CHANNEL:
        return viewer.channel_unit is not None and viewer.channel_unit in units
    if viewer.global_admin or addressed_to_person:
        return True
    if units & viewer.member_units:
        return True
    held = {u for u, roles in viewer.roles.items() if roles}
    return any(held.intersection(ancestors(u, parents)) for u in units)
