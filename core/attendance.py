"""Who is coming to a meeting: the tally of "Jag kommer" / "Kan inte" answers, pure.

Each person's latest answer counts once. Everyone sees the counts and their own answer;
the unit's coordinators also see who (core decides nothing about roles: `who` is asked
for by the caller that checked them)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True)
class Answer:
    person: str  # the stable key (Entra object id, else the channel id)
    name: str
    coming: bool


@dataclass(frozen=True)
class Tally:
    coming: tuple[str, ...]  # names, sorted
    not_coming: tuple[str, ...]

    @property
    def counts(self) -> tuple[int, int]:
        return len(self.coming), len(self.not_coming)


def tally(answers: Iterable[Answer]) -> Tally:
    latest: dict[str, Answer] = {}
    for answer in answers:
        latest[answer.person.casefold()] = answer
    coming = sorted((a.name for a in latest.values() if a.coming), key=str.casefold)
    away = sorted((a.name for a in latest.values() if not a.coming), key=str.casefold)
    return Tally(tuple(coming), tuple(away))


def own_answer(answers: Iterable[Answer], person: str | None) -> bool | None:
    """The person's latest answer, None when they have not answered."""
    found = None
    for answer in answers:
        if person and answer.person.casefold() == person.casefold():
            found = answer.coming
    return found
