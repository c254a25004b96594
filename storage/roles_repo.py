"""Role look-ups for the bot: one query for the tree, one for the person."""

from __future__ import annotations

from collections import defaultdict

from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from core.org import GROUP_PREFIX
from storage.models import RoleAssignment, Unit


async def parents_map(session: AsyncSession) -> dict[int, int | None]:
    rows = await session.execute(select(col(Unit.id), col(Unit.parent_id)))
    return {uid: parent for uid, parent in rows.all() if uid is not None}


async def assignments_for(session: AsyncSession, persons: list[str]) -> dict[int, set[str]]:
    """Unit id -> roles, for any of the person's identifiers (object id, UPN)."""
    keys = [p.lower() for p in persons if p]
    if not keys:
        return {}
    rows = await session.execute(
        select(col(RoleAssignment.unit_id), col(RoleAssignment.role)).where(
            col(RoleAssignment.person).in_(keys)
        )
    )
    out: dict[int, set[str]] = defaultdict(set)
    for unit_id, role in rows.all():
        out[unit_id].add(role)
    return dict(out)


async def people_by_unit(
    session: AsyncSession, unit_ids: list[int]
) -> dict[int, dict[str, list[str]]]:
    rows = await session.execute(
        select(col(RoleAssignment.unit_id), col(RoleAssignment.role), col(RoleAssignment.person))
        .where(col(RoleAssignment.unit_id).in_(unit_ids))
        .order_by(col(RoleAssignment.person))
    )
    out: dict[int, dict[str, list[str]]] = defaultdict(lambda: defaultdict(list))
    for unit_id, role, person in rows.all():
        out[unit_id][role].append(person)
    return {k: dict(v) for k, v in out.items()}


async def group_assignments(session: AsyncSession) -> list[tuple[int, str, str]]:
    """(unit id, role, group object id) for roles given to Entra ID groups."""
    rows = await session.execute(
        select(
            col(RoleAssignment.unit_id), col(RoleAssignment.role), col(RoleAssignment.person)
        ).where(col(RoleAssignment.person).startswith(GROUP_PREFIX))
    )
    return [(u, r, p.removeprefix(GROUP_PREFIX)) for u, r, p in rows.all()]
