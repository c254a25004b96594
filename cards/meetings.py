"""Meeting cards: agenda/reminder, minutes, open action items, the unit's series.

Builders take plain views (built by scheduler.meetings from the rows) and return
Adaptive Card 1.5 dicts. Dates and times come from cards.format ("tisdag 3 december
kl. 13.00"; English "Tuesday 3 December at 13:00").
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

import cards.texts_meetings  # noqa: F401  (registers the texts)
from cards import format as fmt
from cards.base import Card, Element, bullets, card, execute, facts, heading, text, title
from cards.texts import t
from core.agenda import ActionEntry, Agenda
from core.dates import HOME_ZONE

STANDING_KEYS = ("mtg.standing.1", "mtg.standing.2", "mtg.standing.3")


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
    parts = [f"**{number}.** {entry.text}"]
    notes: list[str] = []
    if entry.source == "answer":
        notes.append(t(lang, "mtg.answer_mark"))
    if entry.carried_from is not None:
        notes.append(t(lang, "mtg.carried_mark"))
    by = bool(entry.proposed_by) and entry.source != "answer"
    if by:
        notes.append(t(lang, "mtg.by", name=entry.proposed_by))
    if not (by and entry.status == "proposed"):  # "föreslagen av Anna" says it already
        notes.append(_status(lang, entry.status))
    return " ".join(parts) + f" _({', '.join(notes)})_"


def action_line(lang: str, a: ActionEntry, today: date | None = None) -> str:
    line = t(lang, "mtg.action_line", id=a.id, text=a.text, owner=a.owner_name,
             due=fmt.day_month(lang, a.due, today))  # fmt: skip
    if today is not None and a.due < today:
        line += f" – **{t(lang, 'mtg.overdue')}**"
    return line


def agenda_card(
    lang: str,
    meeting: MeetingView,
    agenda: Agenda,
    *,
    headline: str | None = None,
    notice: str | None = None,
    confirmation: str | None = None,
    interactive: bool = True,
    today: date | None = None,
) -> Card:
    """The agenda (also the reminder). Buttons only while the meeting is ahead.

    `notice` is a problem (shown as a warning), `confirmation` what just went well."""
    body: list[Element] = []
    if headline:
        body.append(text(headline, weight="Bolder", color="Accent"))
    body.append(title(t(lang, "mtg.agenda_title", name=meeting.name)))
    body.append(text(meeting.unit, subtle=True, spacing="None"))
    pairs = [(t(lang, "mtg.when"), meeting.when(lang))]
    if meeting.place:
        pairs.append((t(lang, "mtg.where"), meeting.place))
    body.append(facts(pairs))
    if notice:
        body.append(text(notice, color="Attention"))
    if confirmation:
        body.append(text(confirmation, color="Good"))
    if meeting.status == "cancelled":
        body.append(text(t(lang, "mtg.is_cancelled"), color="Attention", weight="Bolder"))
        interactive = False
    if agenda.standing:
        body.append(heading(t(lang, "mtg.standing")))
        body.append(bullets(list(agenda.standing)))
    body.append(heading(t(lang, "mtg.items")))
    if not agenda.items:
        body.append(text(t(lang, "mtg.no_items"), subtle=True))
    for number, entry in enumerate(agenda.items, start=1):
        body.append(text(_item_line(lang, number, entry), spacing="Small"))
        if interactive and entry.status in ("proposed", "accepted"):
            data = {"item_id": entry.id, "occurrence_id": meeting.occurrence_id}
            buttons = []
            if entry.status == "proposed":
                buttons.append(
                    execute(t(lang, "mtg.accept"), "agenda.status", {**data, "status": "accepted"})
                )
            buttons.append(
                execute(t(lang, "mtg.handled"), "agenda.status", {**data, "status": "handled"})
            )
            buttons.append(
                execute(t(lang, "mtg.remove"), "agenda.status", {**data, "status": "removed"})
            )
            body.append({"type": "ActionSet", "actions": buttons, "spacing": "None"})
    if agenda.actions:
        body.append(heading(t(lang, "mtg.actions_due")))
        body.append(bullets([action_line(lang, a, today) for a in agenda.actions]))
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
            execute(t(lang, "mtg.propose"), "agenda.add", {"occurrence_id": meeting.occurrence_id})
        )
    return card(body, actions)


@dataclass(frozen=True)
class MinutesView:
    meeting: MeetingView
    decisions: list[str] = field(default_factory=list)
    actions: list[ActionEntry] = field(default_factory=list)
    lifted: list[tuple[int, str]] = field(default_factory=list)
    items: list[tuple[str, str]] = field(default_factory=list)  # (text, status)


def minutes_card(lang: str, view: MinutesView) -> Card:
    m = view.meeting
    body: list[Element] = [
        title(t(lang, "mtg.minutes_title", name=m.name)),
        text(m.unit, subtle=True, spacing="None"),
        facts(
            [(t(lang, "mtg.when"), m.when(lang))]
            + ([(t(lang, "mtg.where"), m.place)] if m.place else [])
        ),
        heading(t(lang, "mtg.decisions")),
        bullets(view.decisions)
        if view.decisions
        else text(t(lang, "mtg.no_decisions"), subtle=True),
        heading(t(lang, "mtg.actions")),
        bullets([action_line(lang, a) for a in view.actions])
        if view.actions
        else text(t(lang, "mtg.no_new_actions"), subtle=True),
        heading(t(lang, "mtg.lifted_title")),
        bullets([f"#{i} {title_}" for i, title_ in view.lifted])
        if view.lifted
        else text(t(lang, "mtg.nothing_lifted"), subtle=True),
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
            lines.append(f"{item_text} _({state})_")
        body.append(bullets(lines))
    return card(body)


def actions_card(lang: str, unit: str, actions: list[ActionEntry], today: date) -> Card:
    body: list[Element] = [title(t(lang, "mtg.actions_title", unit=unit))]
    if not actions:
        body.append(text(t(lang, "mtg.no_actions"), subtle=True))
        return card(body)
    for a in actions[:40]:  # keeps the card far below Teams' size limit
        body.append(text(action_line(lang, a, today), spacing="Small"))
        body.append(
            {
                "type": "ActionSet",
                "spacing": "None",
                "actions": [
                    execute(t(lang, "mtg.mark_done", id=a.id), "action.done", {"action_id": a.id})
                ],
            }
        )
    return card(body)


@dataclass(frozen=True)
class SeriesView:
    number: int
    name: str
    rule_text: str  # the rule in the reader's words (cards.format.recurrence)
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
    for s in series:
        body.append(heading(f"{s.number}. {s.name}"))
        pairs = [(t(lang, "mtg.rule"), s.rule_text)]
        if s.place:
            pairs.append((t(lang, "mtg.where"), s.place))
        pairs.append((t(lang, "mtg.reminders"), leads_text(lang, s.lead_days)))
        for m in s.upcoming:
            state = {
                "cancelled": f" ({t(lang, 'mtg.cancelled')})",
                "moved": f" ({t(lang, 'mtg.moved')})",
            }
            pairs.append((t(lang, "mtg.next"), m.when(lang) + state.get(m.status, "")))
        body.append(facts(pairs))
    return card(body)
