"""The org in the database: load what is stored, apply an OrgPlan, answer look-ups.

`sync_org` plans and applies in the caller's session, so a load is one
transaction: it either lands whole or not at all. It never touches channel
bindings or conversations: a unit's channel survives renames, moves and archiving.

History: a unit has history when any row of another table references it by a
foreign key (a channel binding, ever; schedules, items and whatever later
features add; role assignments excepted), or an audit event names it whose action
is not an org-file event (`org.*`). Such a unit is archived, never deleted: its
rows keep pointing at it.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Column, delete, inspect, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session
from sqlmodel import SQLModel, col

from core.org import (
    ExistingUnit,
    OrgPlan,
    OrgSpec,
    UnitRemoval,
    UnitSpec,
    UnitUpdate,
    fold,
    plan_changes,
)
from storage.models import AuditEvent, ChannelBinding, Conversation, Person, RoleAssignment, Unit
from storage.types import utcnow
from storage.upsert import insert_missing, serialize

ORG_ACTION_PREFIX = "org."
ORG_SOURCE = "org"
# Tables whose rows referencing a unit are not history: the chain itself and roles.
_NOT_HISTORY = {"units", "role_assignments"}


@dataclass(frozen=True)
class UnitRow:
    """One line of the tree, depth-first, with the unit's active channel if any."""

    id: int
    name: str
    level: str
    level_label: str | None
    topic: str | None
    kolada_id: str | None
    parent_id: int | None
    depth: int
    channel_name: str | None
    bound: bool


# ---------------------------------------------------------------------------
# Reading


async def units_with_history(session: AsyncSession) -> set[int]:
    ids: set[int] = set()
    existing = await _table_names(session)
    for column in _unit_references():
        if column.table.name not in existing:  # a table not created yet holds no rows
            continue
        referenced = await session.execute(select(column).where(column.is_not(None)).distinct())
        ids.update(referenced.scalars().all())
    audited = await session.execute(
        select(col(AuditEvent.unit_id))
        .where(
            col(AuditEvent.unit_id).is_not(None),
            ~col(AuditEvent.action).startswith(ORG_ACTION_PREFIX),
        )
        .distinct()
    )
    ids.update(i for i in audited.scalars().all() if i is not None)
    return ids


async def has_history(session: AsyncSession, unit_id: int) -> bool:
    """See the module docstring for what counts as history."""
    return unit_id in await units_with_history(session)


async def _table_names(session: AsyncSession) -> set[str]:
    def names(sync_session: Session) -> set[str]:
        return set(inspect(sync_session.connection()).get_table_names())

    return await session.run_sync(names)


def _unit_references() -> list[Column[Any]]:
    """Every column of another table with a foreign key to units.id."""
    out: list[Column[Any]] = []
    for table in SQLModel.metadata.sorted_tables:
        if table.name in _NOT_HISTORY:
            continue
        out.extend(fk.parent for fk in table.foreign_keys if fk.column.table.name == "units")
    return out


async def load_current(session: AsyncSession) -> list[ExistingUnit]:
    """Every stored unit (archived ones too), with roles split by source."""
    units = (await session.execute(select(Unit).order_by(Unit.id))).scalars().all()  # type: ignore[arg-type]
    org_roles: dict[int, set[tuple[str, str]]] = defaultdict(set)
    other_roles: dict[int, set[tuple[str, str]]] = defaultdict(set)
    role_rows = await session.execute(
        select(
            col(RoleAssignment.unit_id),
            col(RoleAssignment.role),
            col(RoleAssignment.person),
            col(RoleAssignment.source),
        )
    )
    for unit_id, role, person, source in role_rows.all():
        target = org_roles if source == ORG_SOURCE else other_roles
        target[unit_id].add((role, person))
    history = await units_with_history(session)
    return [
        ExistingUnit(
            id=u.id,
            name=u.name,
            level=u.level,
            parent_id=u.parent_id,
            level_label=u.level_label,
            topic=u.topic,
            kolada_id=u.kolada_id,
            defaults=u.defaults or {},
            org_roles=frozenset(org_roles[u.id]),
            other_roles=frozenset(other_roles[u.id]),
            archived=u.archived_at is not None,
            has_history=u.id in history,
        )
        for u in units
        if u.id is not None
    ]


async def list_units(session: AsyncSession) -> list[Unit]:
    """Live (not archived) units by name."""
    rows = await session.execute(
        select(Unit).where(Unit.archived_at.is_(None)).order_by(Unit.name)  # type: ignore[union-attr]
    )
    return list(rows.scalars().all())


async def live_children(session: AsyncSession, unit_id: int) -> list[Unit]:
    """The units right below this one (not archived), by name: a results card's roll-up."""
    rows = await session.execute(
        select(Unit)
        .where(col(Unit.parent_id) == unit_id, col(Unit.archived_at).is_(None))
        .order_by(col(Unit.name))
    )
    return list(rows.scalars().all())


async def has_units(session: AsyncSession) -> bool:
    """Whether any unit, live or archived, was ever loaded."""
    return (await session.execute(select(Unit.id).limit(1))).first() is not None  # type: ignore[call-overload]


async def find_unit_by_name(session: AsyncSession, name: str) -> Unit | None:
    """A live unit by name, ignoring case and spacing (folded in Python: SQLite's
    lower() leaves Å, Ä, Ö alone)."""
    key = fold(name)
    return next((u for u in await list_units(session) if fold(u.name) == key), None)


async def unit_tree(session: AsyncSession) -> list[UnitRow]:
    """Live units depth-first (siblings by name), each with its active channel's name."""
    rows = await session.execute(
        select(Unit, col(Conversation.name), col(ChannelBinding.id))
        .outerjoin(
            ChannelBinding,
            (col(ChannelBinding.unit_id) == col(Unit.id)) & col(ChannelBinding.active).is_(True),
        )
        .outerjoin(Conversation, col(Conversation.id) == col(ChannelBinding.conversation_pk))
        .where(col(Unit.archived_at).is_(None))
        .order_by(col(Unit.name))
    )
    entries = [(unit, channel, binding is not None) for unit, channel, binding in rows.all()]
    live = {unit.id for unit, _, _ in entries}
    children: dict[int | None, list[tuple[Unit, str | None, bool]]] = defaultdict(list)
    for entry in entries:
        # A unit under an archived parent shows as a root rather than vanishing.
        parent = entry[0].parent_id if entry[0].parent_id in live else None
        children[parent].append(entry)
    out: list[UnitRow] = []
    stack = [(entry, 0) for entry in reversed(children[None])]
    while stack:
        (unit, channel, bound), depth = stack.pop()
        assert unit.id is not None
        out.append(
            UnitRow(
                unit.id, unit.name, unit.level, unit.level_label, unit.topic,
                unit.kolada_id, unit.parent_id, depth, channel, bound,
            )
        )  # fmt: skip
        stack.extend((child, depth + 1) for child in reversed(children[unit.id]))
    return out


async def roles_of(session: AsyncSession, person: str) -> dict[int, set[str]]:
    """Unit id -> roles held directly (any source), in live units.

    `person` is an Entra object id or a UPN; a known person's other identifier
    counts too, since the file may name them by UPN and Teams by object id.
    """
    key = person.strip().lower()
    keys = {key}
    people = await session.execute(
        select(Person).where(or_(Person.aad_object_id == key, Person.upn == key))  # type: ignore[arg-type]
    )
    for p in people.scalars().all():
        keys.add(p.aad_object_id.lower())
        if p.upn:
            keys.add(p.upn.lower())
    rows = await session.execute(
        select(col(RoleAssignment.unit_id), col(RoleAssignment.role))
        .join(Unit, col(Unit.id) == col(RoleAssignment.unit_id))
        .where(col(RoleAssignment.person).in_(sorted(keys)), col(Unit.archived_at).is_(None))
    )
    out: dict[int, set[str]] = defaultdict(set)
    for unit_id, role in rows.all():
        out[unit_id].add(role)
    return dict(out)


# ---------------------------------------------------------------------------
# Writing


async def sync_org(
    session: AsyncSession,
    spec: OrgSpec,
    *,
    archive: bool = False,
    dry_run: bool = False,
    actor: str | None = None,
) -> OrgPlan:
    """Plan the changes that make the database match `spec` and apply them.

    Nothing is written when the plan has problems or `dry_run` is set. The caller's
    session is the one transaction.
    """
    # Instances that each run `org load` at start-up would otherwise plan from the same
    # state and insert the same units and roles twice.
    await serialize(session, "samverkan:org-load")
    plan = plan_changes(await load_current(session), spec, archive)
    if not plan.problems and not dry_run and not plan.is_empty:
        await apply_plan(session, plan, county=spec.county, actor=actor)
    return plan


async def apply_plan(
    session: AsyncSession, plan: OrgPlan, *, county: str, actor: str | None = None
) -> None:
    """Apply a problem-free plan; writes one audit event per changed unit and a summary."""
    if plan.problems:
        raise ValueError("refusing to apply a plan with problems")
    now = utcnow()
    # Parents by name: stored names first (unchanged units), then the updated ones.
    stored = await session.execute(select(col(Unit.name), col(Unit.id)))
    ids: dict[str, int] = {fold(name): uid for name, uid in stored.all() if uid is not None}
    ids.update({fold(u.spec.name): u.unit_id for u in plan.update})
    for spec in plan.create:
        ids[fold(spec.name)] = await _create(session, spec, ids, actor)
    for change in plan.update:
        await _update(session, change, ids, actor, now)
    for removal in plan.archive:
        await _archive(session, removal, actor, now)
    for removal in plan.delete:
        await _delete(session, removal, actor)
    session.add(
        AuditEvent(actor=actor, action="org.loaded", details={"county": county, **plan.counts()})
    )
    await session.flush()


def _parent_id(spec: UnitSpec, ids: dict[str, int]) -> int | None:
    return ids[fold(spec.parent)] if spec.parent else None


async def _add_roles(
    session: AsyncSession, unit_id: int, roles: frozenset[tuple[str, str]]
) -> None:
    for role, person in sorted(roles):
        await insert_missing(
            session,
            RoleAssignment,
            {
                "unit_id": unit_id,
                "person": person,
                "role": role,
                "source": ORG_SOURCE,
                "created_at": utcnow(),
            },
            ["unit_id", "person", "role"],
        )


async def _create(
    session: AsyncSession, spec: UnitSpec, ids: dict[str, int], actor: str | None
) -> int:
    unit = Unit(
        name=spec.name,
        level=spec.level,
        level_label=spec.level_label,
        parent_id=_parent_id(spec, ids),
        topic=spec.topic,
        kolada_id=spec.kolada_id,
        defaults=dict(spec.defaults),
    )
    session.add(unit)
    await session.flush()
    assert unit.id is not None
    await _add_roles(session, unit.id, spec.roles)
    session.add(
        AuditEvent(
            actor=actor,
            action="org.unit.created",
            unit_id=unit.id,
            details={"name": spec.name, "level": spec.level, "parent": spec.parent,
                     "roles_added": _role_list(spec.roles)},
        )
    )  # fmt: skip
    return unit.id


async def _update(
    session: AsyncSession,
    change: UnitUpdate,
    ids: dict[str, int],
    actor: str | None,
    now: Any,
) -> None:
    unit = await session.get(Unit, change.unit_id)
    assert unit is not None
    spec = change.spec
    if change.changes or change.restore:
        unit.name = spec.name
        unit.level = spec.level
        unit.level_label = spec.level_label
        unit.parent_id = _parent_id(spec, ids)
        unit.topic = spec.topic
        unit.kolada_id = spec.kolada_id
        unit.defaults = dict(spec.defaults)
        unit.archived_at = None
        unit.updated_at = now
    if change.roles_removed:
        await _remove_org_roles(session, change.unit_id, change.roles_removed)
    await _add_roles(session, change.unit_id, change.roles_added)
    details: dict[str, Any] = {
        "name": spec.name,
        "changes": {k: [old, new] for k, (old, new) in change.changes.items()},
        "roles_added": _role_list(change.roles_added),
        "roles_removed": _role_list(change.roles_removed),
    }
    action = "org.unit.restored" if change.restore else "org.unit.updated"
    session.add(AuditEvent(actor=actor, action=action, unit_id=change.unit_id, details=details))
    await session.flush()


async def _remove_org_roles(
    session: AsyncSession, unit_id: int, roles: frozenset[tuple[str, str]] | None = None
) -> None:
    query = delete(RoleAssignment).where(
        RoleAssignment.unit_id == unit_id,  # type: ignore[arg-type]
        RoleAssignment.source == ORG_SOURCE,  # type: ignore[arg-type]
    )
    if roles is None:
        await session.execute(query)
        return
    for role, person in roles:
        await session.execute(
            query.where(RoleAssignment.role == role, RoleAssignment.person == person)  # type: ignore[arg-type]
        )


async def _archive(
    session: AsyncSession, removal: UnitRemoval, actor: str | None, now: Any
) -> None:
    """Archive, keeping bindings and history; the file no longer grants roles here."""
    unit = await session.get(Unit, removal.unit_id)
    assert unit is not None
    unit.archived_at = now
    unit.updated_at = now
    await _remove_org_roles(session, removal.unit_id)
    session.add(
        AuditEvent(
            actor=actor, action="org.unit.archived", unit_id=removal.unit_id,
            details={"name": removal.name},
        )
    )  # fmt: skip


async def _delete(session: AsyncSession, removal: UnitRemoval, actor: str | None) -> None:
    """Delete a unit without history. Units still pointing at it (archived ones)
    move up to its parent, so the chain above them is kept."""
    unit = await session.get(Unit, removal.unit_id)
    assert unit is not None
    await session.execute(
        update(Unit).where(Unit.parent_id == removal.unit_id).values(parent_id=unit.parent_id)  # type: ignore[arg-type]
    )
    await session.execute(
        delete(RoleAssignment).where(RoleAssignment.unit_id == removal.unit_id)  # type: ignore[arg-type]
    )
    await session.delete(unit)
    session.add(
        AuditEvent(
            actor=actor, action="org.unit.deleted", unit_id=removal.unit_id,
            details={"name": removal.name},
        )
    )  # fmt: skip
    await session.flush()


def _role_list(roles: frozenset[tuple[str, str]]) -> list[list[str]]:
    return [[role, person] for role, person in sorted(roles)]
