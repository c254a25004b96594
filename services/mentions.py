"""Who to @mention on a channel card, resolved from roles and stored people.

Role holders in the org file are UPNs or Entra object ids (and `group:` ids, which
cannot be mentioned); a mention needs the object id and the roster's name, which the
bot stores per (tenant id, object id) in `people` once it has seen the person
(storage/models.py Person). Someone the bot has never seen is not mentioned (the card
still names the unit); nothing here calls the network.

- `resolve(session, identifiers)`: UPNs / object ids -> [Mentioned]
- `coordinators(session, unit_id)`: the unit's coordinators (nearest unit up that has any)
- `assignee(session, owner)`: the free-text owner of an item, when it names exactly one
  known person (by UPN or display name)
- `add_line(card, label, people)`: the card with `label <at>…</at>` and the entities.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import func, or_
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from cards.base import Card
from cards.mentions import Mentioned, mention_line, unique, with_mentions
from core.org import GROUP_PREFIX
from core.roles import holders
from storage import roles_repo
from storage.db import Database
from storage.models import Person


def _mentioned(p: Person) -> Mentioned:
    return Mentioned(p.aad_object_id, p.display_name or p.upn or p.aad_object_id)


async def resolve(session: AsyncSession, identifiers: Iterable[str]) -> list[Mentioned]:
    """People known to the bot for these role identifiers, in the given order."""
    wanted = [i.strip() for i in identifiers if i and not i.startswith(GROUP_PREFIX)]
    if not wanted:
        return []
    lowered = [i.lower() for i in wanted]
    rows = await session.execute(
        select(Person).where(
            or_(col(Person.upn).in_(lowered), col(Person.aad_object_id).in_(wanted))
        )
    )
    by_key: dict[str, Person] = {}
    for p in rows.scalars().all():
        by_key.setdefault(p.aad_object_id, p)
        if p.upn:
            by_key.setdefault(p.upn.lower(), p)
    out = []
    for ident, low in zip(wanted, lowered, strict=True):
        person = by_key.get(ident) or by_key.get(low)
        if person is not None:
            out.append(_mentioned(person))
    return unique(out)


async def coordinators(session: AsyncSession, unit_id: int) -> list[Mentioned]:
    parents = await roles_repo.parents_map(session)
    people = await roles_repo.people_by_unit(session, list(parents))
    return await resolve(session, holders(unit_id, "coordinator", parents, people))


async def coordinators_in(db: Database, unit_id: int) -> list[Mentioned]:
    """`coordinators` in a session of its own (for handlers)."""
    async with db.session() as s:
        return await coordinators(s, unit_id)


async def assignee(session: AsyncSession, owner: str | None) -> list[Mentioned]:
    """The item's owner as a mention when the text names exactly one known person."""
    if not owner or not owner.strip():
        return []
    key = owner.strip().lower()
    rows = await session.execute(
        select(Person).where(
            or_(
                col(Person.upn) == key,
                func.lower(col(Person.display_name)) == key,
            )
        )
    )
    found = {p.aad_object_id: p for p in rows.scalars().all()}
    if len(found) != 1:
        return []  # nobody, or ambiguous: the card shows the text as typed
    return [_mentioned(next(iter(found.values())))]


def add_line(card: Card, label: str, people: list[Mentioned]) -> Card:
    """The card with a `label <at>A</at>, …` line at the end of its body, and the
    mention entities; unchanged when there is nobody to mention."""
    people = unique(people)
    if not people:
        return card
    out = dict(card)
    out["body"] = [*card.get("body", []), mention_line(label, people)]
    return with_mentions(out, people)
