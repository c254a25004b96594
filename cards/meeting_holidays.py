"""The card that asks a unit's coordinator what to do with a meeting on a day off
(policy `ask`, core/meeting_holidays.py): skip, move to the next working day, or keep."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from cards.base import Card, card, execute, plain, text, title
from i18n import format as fmt
from i18n.holidays import holiday_key
from i18n.texts import t

HOLIDAY_VERB = "meeting.holiday"


@dataclass(frozen=True)
class HolidayQuestion:
    occurrence_id: int
    name: str  # the series
    when: str  # formatted in the reader's language
    holiday: str  # core.holidays' Swedish name
    next_day: date  # where "move" would put it


def holiday_name(lang: str, name: str) -> str:
    return t(lang, holiday_key(name))


def holiday_card(lang: str, q: HolidayQuestion, *, done: str | None = None) -> Card:
    """The question; once answered (`done`), the answer instead of the buttons."""
    holiday = holiday_name(lang, q.holiday)
    body = [
        title(t(lang, "hol.ask_title", name=plain(q.name), when=q.when, holiday=holiday)),
    ]
    if done is not None:
        return card([*body, text(done)])
    next_day = fmt.weekday_date(lang, q.next_day)
    body.append(text(t(lang, "hol.ask_body", next=next_day)))
    data = {"occurrence_id": q.occurrence_id}
    actions = [
        execute(t(lang, "hol.skip"), HOLIDAY_VERB, {**data, "choice": "skip"}),
        execute(t(lang, "hol.move", next=next_day), HOLIDAY_VERB, {**data, "choice": "move"}),
        execute(t(lang, "hol.keep"), HOLIDAY_VERB, {**data, "choice": "keep"}),
    ]
    return card(body, actions)
