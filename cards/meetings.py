"""Meeting cards: agenda/reminder, minutes, open action items, the unit's series.

Builders take plain views (built by services.meetings from the rows) and return
Adaptive Card 1.5 dicts. Dates and times come from i18n.format ("tisdag 3 december
kl. 13.00"; English "Tuesday 3 December at 13:00").
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date, datetime

from cards.base import (
    Card,
    Element,
    bullets,
    card,
    execute,
    facts,
    heading,
    plain,
    text,
    title,
)
from core.agenda import ActionEntry, Agenda
from core.attendance import Tally
from core.dates import HOME_ZONE
from i18n import format as fmt
from i18n.texts import t

STANDING_KEYS = ("mtg.standing.1", "mtg.standing.2", "mtg.standing.3")
# Items per agenda page: 15 of the longest (500 characters, three buttons each) take
# about 40 KB of the 80 KB budget (cards/bounds.py), leaving room for the rest.
AGENDA_PAGE = 15
PAGE_VERB = "agenda.page"
AGENDA_ADD_VERB = "agenda.add"
AGENDA_STATUS_VERB = "agenda.status"
ACTION_DONE_VERB = "action.done"
LIST_CAP = 10  # standing points and action items shown on the agenda
AGENDA_ACTION_CHARS = 250  # an action item's text on the agenda (`åtgärder` shows it all)
ACTIONS_PAGE = 15  # action items per page of the action list (up to 1000 characters each)
ACTIONS_PAGE_VERB = "actions.page"
MINUTES_CAP = 25  # entries per section of the minutes card
MINUTES_CHARS = 8000  # characters per section (decisions 12000): all four near 70 KB
_MORE_MIN = "list.more_minutes"
SERIES_CAP = 10


def default_standing(lang: str) -> list[str]:
    return [t(lang, k) for k in STANDING_KEYS]


@dataclass(frozen=True)
class MeetingView:
    occurrence_id: int
    unit: str
    name: str
    starts_at: datetime
    ends_at: datetime
    place: str | None
    status: str  # scheduled | moved | cancelled
    zone: str = HOME_ZONE

    def when(self, lang: str) -> str:
        return fmt.when(lang, self.starts_at, self.zone, self.ends_at)


def _status(lang: str, status: str) -> str:
    return t(lang, f"mtg.status.{status}")


def _item_line(lang: str, number: int, entry: object) -> str:
    from core.agenda import AgendaEntry

    assert isinstance(entry, AgendaEntry)
    parts = [f"**{number}.** {plain(entry.text)}"]
    notes: list[str] = []
    if entry.source == "answer":
        notes.append(t(lang, "mtg.answer_mark"))
    if entry.carried_from is not None:
        notes.append(t(lang, "mtg.carried_mark"))
    by = bool(entry.proposed_by) and entry.source != "answer"
    if by:
        notes.append(t(lang, "mtg.by", name=plain(entry.proposed_by or "")))
    if not (by and entry.status == "proposed"):  # "föreslagen av Anna" says it already
        notes.append(_status(lang, entry.status))
    return " ".join(parts) + f" _({', '.join(notes)})_"


def action_line(lang: str, a: ActionEntry, today: date | None = None) -> str:
    line = t(lang, "mtg.action_line", id=a.id, text=plain(a.text), owner=plain(a.owner_name),
             due=fmt.day_month(lang, a.due, today))  # fmt: skip
    if today is not None and a.due < today:
        line += f" – **{t(lang, 'mtg.overdue')}**"
    return line


def capped(
    lang: str, lines: list[str], cap: int, more_key: str = "card.more", chars: int | None = None
) -> list[str]:
    """The first lines (at most `cap`, and at most `chars` characters together) and, when
    there are more, one saying how many."""
    keep, used = 0, 0
    for line in lines[:cap]:
        if chars is not None and keep and used + len(line) > chars:
            break
        keep, used = keep + 1, used + len(line)
    if keep == len(lines):
        return lines
    return [*lines[:keep], t(lang, more_key, count=len(lines) - keep)]


def page_window(count: int, page: int, size: int) -> tuple[int, int, int]:
    """(page, first index, end index) with the page clamped to 1..last."""
    last = max(1, -(-count // size))
    page = min(max(page, 1), last)
    return page, (page - 1) * size, min(page * size, count)


def _pager(lang: str, verb: str, data: dict[str, int], page: int, count: int, size: int) -> Element:
    """Where this page is in the list, and the buttons to the next and the previous."""
    page, first, end = page_window(count, page, size)
    buttons: list[Element] = []
    if page == 1:
        buttons.append(execute(t(lang, "page.show_all", count=count), verb, {**data, "page": 2}))
    else:
        buttons.append(execute(t(lang, "page.previous"), verb, {**data, "page": page - 1}))
        if end < count:
            buttons.append(execute(t(lang, "page.next"), verb, {**data, "page": page + 1}))
        buttons.append(execute(t(lang, "page.first"), verb, {**data, "page": 1}))
    return {
        "type": "Container",
        "spacing": "Medium",
        "items": [
            text(
                t(lang, "page.more", count=count - end)
                if page == 1
                else t(lang, "page.range", first=first + 1, last=end, count=count),
                subtle=True,
            ),
            {"type": "ActionSet", "actions": buttons},
        ],
    }


def _short(a: ActionEntry) -> ActionEntry:
    if len(a.text) <= AGENDA_ACTION_CHARS:
        return a
    return replace(a, text=a.text[: AGENDA_ACTION_CHARS - 1] + "…")


@dataclass(frozen=True)
class AgendaNotes:
    """What the agenda card says about the agenda: a `headline` above it, a `notice` (a
    problem, shown as a warning) and a `confirmation` (what just went well)."""

    headline: str | None = None
    notice: str | None = None
    confirmation: str | None = None


def agenda_card(
    lang: str,
    meeting: MeetingView,
    agenda: Agenda,
    notes: AgendaNotes = AgendaNotes(),
    *,
    interactive: bool = True,
    today: date | None = None,
    page: int = 1,
) -> Card:
    """The agenda (also the reminder). Buttons only while the meeting is ahead.

    A long agenda shows AGENDA_PAGE items per page: the reminder shows the first page
    and "Show all", which pages through the rest (numbers stay those of the agenda)."""
    body: list[Element] = []
    if notes.headline:
        body.append(text(notes.headline, weight="Bolder", color="Accent"))
    body.append(title(t(lang, "mtg.agenda_title", name=plain(meeting.name))))
    body.append(text(meeting.unit, subtle=True, spacing="None"))
    pairs = [(t(lang, "mtg.when"), meeting.when(lang))]
    if meeting.place:
        pairs.append((t(lang, "mtg.where"), plain(meeting.place)))
    body.append(facts(pairs))
    if notes.notice:
        body.append(text(notes.notice, color="Attention"))
    if notes.confirmation:
        body.append(text(notes.confirmation, weight="Bolder"))
    if meeting.status == "cancelled":
        body.append(text(t(lang, "mtg.is_cancelled"), color="Attention", weight="Bolder"))
        interactive = False
    if agenda.standing:
        body.append(heading(t(lang, "mtg.standing")))
        body.append(bullets(capped(lang, [plain(x) for x in agenda.standing], LIST_CAP)))
    body.append(heading(t(lang, "mtg.items")))
    if not agenda.items:
        body.append(text(t(lang, "mtg.no_items"), subtle=True))
    page, first, end = page_window(len(agenda.items), page, AGENDA_PAGE)
    for number, entry in enumerate(agenda.items[first:end], start=first + 1):
        body.append(text(_item_line(lang, number, entry), spacing="Small"))
        if interactive and entry.status in ("proposed", "accepted"):
            data = {"item_id": entry.id, "occurrence_id": meeting.occurrence_id}
            buttons = []
            if entry.status == "proposed":
                buttons.append(
                    execute(
                        t(lang, "mtg.accept"), AGENDA_STATUS_VERB, {**data, "status": "accepted"}
                    )
                )
            buttons.append(
                execute(t(lang, "mtg.handled"), AGENDA_STATUS_VERB, {**data, "status": "handled"})
            )
            buttons.append(
                execute(t(lang, "mtg.remove"), AGENDA_STATUS_VERB, {**data, "status": "removed"})
            )
            body.append({"type": "ActionSet", "actions": buttons, "spacing": "None"})
    if len(agenda.items) > AGENDA_PAGE:
        data = {"occurrence_id": meeting.occurrence_id}
        body.append(_pager(lang, PAGE_VERB, data, page, len(agenda.items), AGENDA_PAGE))
    if agenda.actions:
        body.append(heading(t(lang, "mtg.actions_due")))
        lines = [action_line(lang, _short(a), today) for a in agenda.actions]
        body.append(bullets(capped(lang, lines, LIST_CAP)))
    actions: list[Element] = []
    if interactive:
        body.append(
            {
                "type": "Input.Text",
                "id": "text",
                "label": t(lang, "mtg.propose_label"),
                "placeholder": t(lang, "mtg.propose_placeholder"),
                "maxLength": 500,
            }
        )
        actions.append(
            execute(
                t(lang, "mtg.propose"), AGENDA_ADD_VERB, {"occurrence_id": meeting.occurrence_id}
            )
        )
    return card(body, actions)


@dataclass(frozen=True)
class MinutesView:
    meeting: MeetingView
    decisions: list[str] = field(default_factory=list)
    actions: list[ActionEntry] = field(default_factory=list)
    lifted: list[tuple[int, str]] = field(default_factory=list)
    items: list[tuple[str, str]] = field(default_factory=list)  # (text, status)
    attendance: Tally | None = None  # who said they would come (core/attendance.py)


def _minutes_list(lang: str, lines: list[str], chars: int, empty_key: str) -> Element:
    """A section of the minutes: its lines, capped, or a subtle line saying there are none."""
    if not lines:
        return text(t(lang, empty_key), subtle=True)
    return bullets(capped(lang, lines, MINUTES_CAP, _MORE_MIN, chars))


def minutes_card(lang: str, view: MinutesView) -> Card:
    m = view.meeting
    body: list[Element] = [
        title(t(lang, "mtg.minutes_title", name=plain(m.name))),
        text(m.unit, subtle=True, spacing="None"),
        facts(
            [(t(lang, "mtg.when"), m.when(lang))]
            + ([(t(lang, "mtg.where"), plain(m.place))] if m.place else [])
        ),
        heading(t(lang, "mtg.decisions")),
        _minutes_list(
            lang,
            [plain(x) for x in view.decisions],
            MINUTES_CHARS * 3 // 2,
            "mtg.no_decisions",
        ),
        heading(t(lang, "mtg.actions")),
        _minutes_list(
            lang,
            [action_line(lang, a) for a in view.actions],
            MINUTES_CHARS,
            "mtg.no_new_actions",
        ),
        heading(t(lang, "mtg.lifted_title")),
        _minutes_list(
            lang,
            [f"#{i} {plain(title_)}" for i, title_ in view.lifted],
            MINUTES_CHARS // 2,
            "mtg.nothing_lifted",
        ),
    ]
    if view.items:
        body.append(heading(t(lang, "mtg.agenda_outcome")))
        lines = []
        for item_text, status in view.items:
            state = (
                t(lang, "mtg.goes_on")
                if status in ("proposed", "accepted")
                else _status(lang, status)
            )
            lines.append(f"{plain(item_text)} _({state})_")
        body.append(bullets(capped(lang, lines, MINUTES_CAP, _MORE_MIN, MINUTES_CHARS)))
    if view.attendance is not None and any(view.attendance.counts):
        none = t(lang, "att.nobody")
        body.append(heading(t(lang, "att.minutes")))
        body.append(
            text(
                t(
                    lang,
                    "att.minutes_line",
                    coming=", ".join(plain(n) for n in view.attendance.coming[:60]) or none,
                    away=", ".join(plain(n) for n in view.attendance.not_coming[:60]) or none,
                )
            )
        )
    return card(body)


def actions_card(
    lang: str,
    unit: str,
    actions: list[ActionEntry],
    today: date,
    *,
    unit_id: int | None = None,
    page: int = 1,
) -> Card:
    """The unit's open action items, ACTIONS_PAGE per page ("Show all" pages on)."""
    body: list[Element] = [title(t(lang, "mtg.actions_title", unit=unit))]
    if not actions:
        body.append(text(t(lang, "mtg.no_actions"), subtle=True))
        return card(body)
    page, first, end = page_window(len(actions), page, ACTIONS_PAGE)
    for a in actions[first:end]:
        body.append(text(action_line(lang, a, today), spacing="Small"))
        body.append(
            {
                "type": "ActionSet",
                "spacing": "None",
                "actions": [
                    execute(
                        t(lang, "mtg.mark_done", id=a.id), ACTION_DONE_VERB, {"action_id": a.id}
                    )
                ],
            }
        )
    if len(actions) > ACTIONS_PAGE and unit_id is not None:
        data = {"unit_id": unit_id}
        body.append(_pager(lang, ACTIONS_PAGE_VERB, data, page, len(actions), ACTIONS_PAGE))
    elif len(actions) > end:
        body.append(text(t(lang, "card.more", count=len(actions) - end), subtle=True))
    return card(body)


@dataclass(frozen=True)
class SeriesView:
    number: int
    name: str
    rule_text: str  # the rule in the reader's words (i18n.format.recurrence)
    place: str | None
    lead_days: list[int]
    upcoming: list[MeetingView]


def leads_text(lang: str, leads: list[int]) -> str:
    parts = [t(lang, "mtg.one_day") if d == 1 else t(lang, "mtg.days", n=d) for d in leads]
    joined = (
        parts[0]
        if len(parts) == 1
        else ", ".join(parts[:-1]) + f" {t(lang, 'mtg.and')} " + parts[-1]
    )
    return t(lang, "mtg.lead_list", leads=joined) if parts else ""


def series_card(lang: str, unit: str, series: list[SeriesView]) -> Card:
    body: list[Element] = [title(t(lang, "mtg.series_title", unit=unit))]
    for s in series[:SERIES_CAP]:
        body.append(heading(f"{s.number}. {plain(s.name)}"))
        pairs = [(t(lang, "mtg.rule"), plain(s.rule_text))]
        if s.place:
            pairs.append((t(lang, "mtg.where"), plain(s.place)))
        pairs.append((t(lang, "mtg.reminders"), leads_text(lang, s.lead_days)))
        for m in s.upcoming:
            state = {
                "cancelled": f" ({t(lang, 'mtg.cancelled')})",
                "moved": f" ({t(lang, 'mtg.moved')})",
            }
            pairs.append((t(lang, "mtg.next"), m.when(lang) + state.get(m.status, "")))
        body.append(facts(pairs))
    if len(series) > SERIES_CAP:
        body.append(text(t(lang, "list.more_series", count=len(series) - SERIES_CAP), subtle=True))
    return card(body)
