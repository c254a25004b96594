"""The personal nudge card: what waits for one person, one row each with its buttons.

Rows come from core/nudges.py (`Waiting`). Buttons: `action.done` (the existing action,
checked again by its handler), `nudge.snooze` (hide this row for some days, within the
org file's maximum), and "open" as an `imBack` of `visa <n>` (the item command, with its
scope checks); an indicator alert's "Lyft som ärende" (`alert.raise`, as on the alert
card). A pulse is answered on its card in the unit's channel: the row says so
and never shows an answer.
"""

from __future__ import annotations

from datetime import date
from functools import lru_cache
from typing import Any

from cards.alerts import RAISE_VERB
from cards.base import Card, Element, card, execute, plain, text, title
from cards.meetings import ACTION_DONE_VERB
from core.nudges import Waiting
from i18n import format as fmt
from i18n.texts import t

SNOOZE_VERB = "nudge.snooze"
SNOOZE_DAYS = 3  # the row button's snooze


def _open(label: str, command: str) -> Element:
    """A button that sends `command` as if typed (Teams imBack)."""
    return {
        "type": "Action.Submit",
        "title": label,
        "data": {"msteams": {"type": "imBack", "value": command}},
    }


@lru_cache(maxsize=4096)
def _day(lang: str, day: date, today: date) -> str:
    """A due date as shown (Babel is slow; a county's nudges share a few hundred dates)."""
    return fmt.day_month(lang, day, today)


def _line(lang: str, w: Waiting, units: dict[int, str], today: date) -> str:
    unit = plain(units.get(w.unit_id, "?"))
    what = plain(w.title)
    due = _day(lang, w.due, today) if w.due else ""
    return t(lang, f"nudge.row.{w.kind}", id=w.ref, title=what, unit=unit, due=due, days=w.days)


def _buttons(lang: str, w: Waiting) -> list[Element]:
    out: list[Element] = []
    if w.kind in ("action_overdue", "action_today", "action_soon", "action_later"):
        out.append(execute(t(lang, "nudge.done"), ACTION_DONE_VERB, {"action_id": w.ref}))
    if w.kind in ("item_waiting", "item_assigned", "item_answered"):
        out.append(_open(t(lang, "nudge.open"), f"visa {w.ref}"))
    if w.kind == "indicator_alert":
        # subject `alert:{indicator}:{unit}:{period}` (services/alert_nudges.py); the
        # handler reads the figures again and checks the unit is in reach.
        _, ind, unit, period = w.subject.split(":", 3)
        data = {
            "action": RAISE_VERB,
            "indicator_id": int(ind),
            "unit_id": int(unit),
            "period": period,
        }
        out.append(execute(t(lang, "alert.raise"), RAISE_VERB, data, style="positive"))
    out.append(
        execute(
            t(lang, "nudge.snooze", days=SNOOZE_DAYS),
            SNOOZE_VERB,
            {"subject": w.subject, "days": SNOOZE_DAYS},
        )
    )
    return out


def _row(lang: str, w: Waiting, units: dict[int, str], today: date) -> Element:
    """One waiting thing: its line and its buttons, set apart from the one before."""
    return {
        "type": "Container",
        "separator": True,
        "items": [
            text(_line(lang, w, units, today)),
            {"type": "ActionSet", "actions": _buttons(lang, w)},
        ],
    }


def nudge_card(
    lang: str, rows: list[Waiting], units: dict[int, str], today: date, *, urgent: bool = False
) -> Card:
    head = t(lang, "nudge.urgent_title" if urgent else "nudge.title")
    body: list[Element] = [title(head)]
    for w in rows:
        body.append(_row(lang, w, units, today))
    if not urgent:
        body.append(text(t(lang, "nudge.footer"), subtle=True, spacing="Medium"))
    return card(body)


def rows_data(rows: list[Waiting]) -> list[dict[str, Any]]:
    """The rows as plain data (for tests and logs)."""
    return [{"kind": w.kind, "subject": w.subject} for w in rows]


def mine_card(
    lang: str,
    rows: list[Waiting],
    units: dict[int, str],
    today: date,
    meetings: list[tuple[str, str, str]],
    limit: int = 30,
) -> Card:
    """`mitt` / `mine`: every open thing of mine with its buttons, then my units' next
    meetings as (unit, meeting name, when)."""
    body: list[Element] = [title(t(lang, "mine.title"))]
    if not rows:
        body.append(text(t(lang, "mine.nothing")))
    for w in rows[:limit]:
        body.append(_row(lang, w, units, today))
    if meetings:
        body.append(text(t(lang, "mine.meetings"), weight="Bolder", spacing="Medium"))
        for unit, name, when in meetings:
            body.append(
                text(t(lang, "mine.meeting", unit=plain(unit), name=plain(name), when=when))
            )
    body.append(text(t(lang, "nudge.footer"), subtle=True, spacing="Medium"))
    return card(body)
