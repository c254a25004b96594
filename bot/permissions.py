"""Server-side role checks. A card or a command can never grant what the role does not."""

from __future__ import annotations

from bot.turn import Turn
from clients.graph import GraphDirectory
from core.org import GROUP_PREFIX
from core.roles import allows, effective_roles, holders
from core.tenancy import reach
from i18n.texts import role_name
from storage.models import Unit


async def _assignments(turn: Turn) -> dict[int, set[str]]:
    """Unit id -> roles: the person's own rows plus those of Entra ID groups they are in
    (when the Graph directory is configured; membership comes through its cache).

    Worked out once per turn (help asks for this unit's roles and for roles anywhere; no
    handler changes role rows), from the process's copy of the org (bot/org_cache.py)."""
    if turn.role_rows is not None:
        return turn.role_rows
    keys = await turn.person_keys()
    graph: GraphDirectory | None = turn.services.graph
    facts = await turn.services.org.get()
    out = facts.assignments_for(keys)
    # Graph answers only for people of the bot's own tenant (core/tenancy.py): a shared
    # channel's member of another organisation is never looked up there.
    settings = turn.services.settings
    ours = reach(turn.person_tenant, settings.tenant_id, local=settings.anonymous).graph
    groups = facts.groups if graph is not None and keys and ours else []
    for unit_id, role, group_id in groups:
        if graph is not None and await graph.is_member(group_id, keys):
            out.setdefault(unit_id, set()).add(role)
    turn.role_rows = out
    return out


async def role_rows(turn: Turn) -> dict[int, set[str]]:
    """Unit id -> roles as assigned to the person (own and through groups), not inherited."""
    return await _assignments(turn)


async def roles_for_unit(turn: Turn, unit_id: int) -> set[str]:
    parents = (await turn.services.org.get()).parents
    assignments = await _assignments(turn)
    return effective_roles(unit_id, parents, assignments, global_admin=await turn.is_global_admin())


async def roles_anywhere(turn: Turn) -> set[str]:
    """Every role the person holds somewhere: decides which commands the help card lists."""
    if await turn.is_global_admin():
        return {"admin", "coordinator", "manager"}
    assignments = await _assignments(turn)
    out: set[str] = set()
    for roles in assignments.values():
        out.update(roles)
    if "admin" in out:
        out.add("coordinator")
    return out


async def require(turn: Turn, unit: Unit, needed: str, *, lead: str | None = None) -> bool:
    """True if allowed; otherwise tells the person who can (after `lead`, if given), and
    returns False."""
    assert unit.id is not None
    if allows(await roles_for_unit(turn, unit.id), needed):
        return True
    facts = await turn.services.org.get()
    found = holders(unit.id, needed, facts.parents, facts.people)
    people = [p for p in found if not p.startswith(GROUP_PREFIX)]
    role = role_name(turn.lang, needed)
    if people:
        who = turn.text("denied.who", people=", ".join(people[:3]))
    elif found:  # only Entra ID groups hold it: their ids mean nothing to a person
        who = turn.text("denied.group")
    else:
        who = turn.text("denied.nobody", role=role)
    message = turn.text("denied", role=role, unit=unit.name, who=who)
    await turn.send_text(f"{lead} {message}" if lead else message)
    return False
