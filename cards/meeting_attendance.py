"""The "Jag kommer / Kan inte" part of the reminder card (Action.Execute with refresh).

The card posted in the channel shows the counts and the two buttons; its `refresh`
action (verb ATTEND_VIEW_VERB) makes Teams ask the bot for each reader's own view: their
own answer, and for the unit's coordinators who is coming and who is not. Teams refreshes
automatically for everyone in a channel of up to 60 members, and for the people listed in
`userIds` (at most 60: those who answered) in larger ones; others can refresh by hand.
"""

from __future__ import annotations

from typing import Any

from cards.base import Card, Element, execute, plain, text
from core.attendance import Tally
from i18n.texts import t

ATTEND_VERB = "meeting.attend"
ATTEND_VIEW_VERB = "meeting.attend.view"
MAX_REFRESH_USERS = 60
MAX_NAMES = 40


def _names(lang: str, names: tuple[str, ...]) -> str:
    shown = [plain(n) for n in names[:MAX_NAMES]]
    more = len(names) - len(shown)
    return ", ".join(shown) + (t(lang, "att.more", count=more) if more > 0 else "")


def with_attendance(
    lang: str,
    content: Card,
    occurrence_id: int,
    tally: Tally,
    *,
    mine: bool | None = None,
    show_names: bool = False,
    refresh_users: list[str] | None = None,
    open_: bool = True,
    join_url: str | None = None,
) -> Card:
    """The card with the attendance section, buttons (while the meeting is ahead) and the
    refresh action; `mine` and `show_names` make it one reader's view."""
    coming, away = tally.counts
    body: list[Element] = [
        text(t(lang, "att.counts", coming=coming, away=away), weight="Bolder", spacing="Large")
    ]
    if mine is not None:
        body.append(text(t(lang, "att.mine_yes" if mine else "att.mine_no"), subtle=True))
    if show_names:
        if tally.coming:
            body.append(text(t(lang, "att.who_coming", names=_names(lang, tally.coming))))
        if tally.not_coming:
            body.append(text(t(lang, "att.who_away", names=_names(lang, tally.not_coming))))
    out: dict[str, Any] = dict(content)
    out["body"] = [*content.get("body", []), *body]
    data = {"occurrence_id": occurrence_id}
    if open_:
        buttons = [
            execute(t(lang, "att.yes"), ATTEND_VERB, {**data, "coming": True}, style="positive"),
            execute(t(lang, "att.no"), ATTEND_VERB, {**data, "coming": False}),
        ]
        if join_url:  # the series' Teams meeting in the group calendar
            buttons.append(
                {"type": "Action.OpenUrl", "title": t(lang, "att.join"), "url": join_url}
            )
        out["actions"] = [*content.get("actions", []), *buttons]
    refresh: dict[str, Any] = {
        "action": {"type": "Action.Execute", "verb": ATTEND_VIEW_VERB, "data": data}
    }
    if refresh_users:
        refresh["userIds"] = refresh_users[:MAX_REFRESH_USERS]
    out["refresh"] = refresh
    return out
