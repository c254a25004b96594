"""What the bot knows of people: their language, and who a typed name or @mention is."""

from __future__ import annotations

from sqlmodel import col, select

from core.names import match_name
from storage import channels_repo
from storage.db import Database
from storage.models import Person

LANGUAGES = ("sv", "en")


def language_of(person: Person | None, fallback: str) -> str:
    """The language to write to this person in: their own choice (`language en`), else
    `fallback` (the turn's, or the job's default)."""
    if person is not None and person.language in LANGUAGES:
        return person.language
    return fallback


async def set_language(db: Database, tenant_id: str, aad_object_id: str, lang: str) -> None:
    """The person's own choice of language, kept for every later message."""
    async with db.session() as s:
        await channels_repo.remember_person(s, tenant_id, aad_object_id, language=lang)


async def by_name(db: Database, name: str) -> Person | None:
    """The known person a typed name means ("@Nils" may name "Nils Sjuksköterska" when no
    one else is called Nils); None when nobody or several match."""
    async with db.read() as s:
        people = list(
            (await s.execute(select(Person).where(col(Person.display_name).is_not(None))))
            .scalars()
            .all()
        )
    names = [p.display_name or "" for p in people]
    matched = match_name(name, names)
    if matched is None:
        first = [
            p for p in people if (p.display_name or "").casefold().split(" ")[0] == name.casefold()
        ]
        return first[0] if len(first) == 1 else None
    return next(p for p in people if p.display_name == matched)
