"""Every card stays under Teams' message size limit however much people add: the card
builders page or cap their lists, and the last check (cards/bounds.py) shortens any
card still too big instead of letting Teams refuse it."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from cards.base import bullets, card, execute, facts, heading, text, title
from cards.bounds import BUDGET, TEAMS_LIMIT, fit_activity, fit_card, message_size
from cards.items import EventView, ItemView, item_card, items_list_card
from cards.meetings import (
    AGENDA_PAGE,
    AgendaNotes,
    MeetingView,
    MinutesView,
    SeriesView,
    actions_card,
    agenda_card,
    minutes_card,
    series_card,
)
from cards.pulse import results_card
from core.agenda import ActionEntry, Agenda, AgendaEntry
from core.pulse_questions import Kind
from core.pulse_results import QuestionResult, Results
from core.pulse_templates import SAMVERKANSPULS
from tests.cardschema import assert_valid_card

NOW = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)
TODAY = date(2026, 11, 26)


def long(n: int, size: int) -> str:
    """A text of `size` characters (with a few that UTF-16 counts double)."""
    head = f"Text {n} 🙂 "
    return head + ("samverkan kring utskrivning och SIP " * (size // 30 + 1))[: size - len(head)]


# -- the last check --------------------------------------------------------------------------

elements = st.one_of(
    st.builds(lambda n: text(long(0, n)), st.integers(0, 6000)),
    st.builds(
        lambda k, n: bullets([long(i, n) for i in range(k)]),
        st.integers(0, 80),
        st.integers(1, 900),
    ),
    st.builds(
        lambda k, n: facts([(long(i, 30), long(i, n)) for i in range(k)]),
        st.integers(1, 80),
        st.integers(1, 900),
    ),
    st.builds(
        lambda k: {
            "type": "ActionSet",
            "actions": [execute(f"Knapp {i}", "x.y", {"i": i}) for i in range(k)],
        },
        st.integers(1, 5),
    ),
    st.builds(
        lambda n: {"type": "Input.Text", "id": f"in{n}", "label": "Förslag", "maxLength": 500},
        st.integers(0, 10**6),
    ),
    st.builds(
        lambda k, n: {"type": "Container", "items": [text(long(i, n)) for i in range(k)]},
        st.integers(1, 30),
        st.integers(1, 2000),
    ),
)


@settings(max_examples=60, deadline=None)
@given(body=st.lists(elements, min_size=1, max_size=120), lang=st.sampled_from(["sv", "en"]))
def test_any_card_is_fitted_under_the_budget(body: list[dict[str, Any]], lang: str) -> None:
    original = card([title("Dagordning"), *body], [execute("Föreslå", "agenda.add", {"o": 1})])
    fitted = fit_card(original, lang)
    assert_valid_card(fitted)
    assert message_size(fitted) <= BUDGET
    if message_size(original) <= BUDGET:
        assert fitted is original
        return
    assert original["body"][0] == title("Dagordning")  # the original is not changed
    # Inputs stay, so the buttons that read them keep working (unless nothing else fits).
    inputs = [el["id"] for el in original["body"] if el["type"] == "Input.Text"]
    kept = [el.get("id") for el in fitted["body"]]
    if fitted.get("actions"):
        assert all(i in kept for i in inputs)
    assert fitted["body"][0]["text"] == "Dagordning"


def test_a_long_list_keeps_its_first_entries_and_says_how_many_more() -> None:
    many = card([title("Beslut"), bullets([long(i, 400) for i in range(300)])])
    assert message_size(many) > TEAMS_LIMIT
    fitted = fit_card(many, "sv")
    shown = json.dumps(fitted, ensure_ascii=False)
    assert message_size(fitted) <= BUDGET
    assert "Text 0 " in shown and "Text 9 " in shown and "Text 10 " not in shown
    assert "… och 290 till" in shown


def test_many_elements_are_dropped_from_the_end_with_a_note() -> None:
    body = [title("Dagordning")]
    for i in range(400):
        body += [text(long(i, 300)), {"type": "ActionSet", "actions": [execute("Klar", "a", {})]}]
    body.append({"type": "Input.Text", "id": "text", "label": "Förslag"})
    fitted = fit_card(card(body), "en")
    assert message_size(fitted) <= BUDGET
    assert fitted["body"][-1]["id"] == "text"
    shown = json.dumps(fitted, ensure_ascii=False)
    assert "Text 0 " in shown and "Text 399 " not in shown
    assert "more parts that do not fit in one message" in shown


def test_an_activity_keeps_its_cards_and_images_do_not_count() -> None:
    image = {"type": "Image", "url": "data:image/png;base64," + "A" * 200_000}
    small = {"type": "message", "attachments": [_attachment(card([title("Diagram"), image]))]}
    assert fit_activity(small) is small  # base64 images are not counted, as in Teams
    big: dict[str, Any] = {
        "type": "message",
        "locale": "en-GB",
        "attachments": [
            _attachment(card([title("Minutes"), bullets([long(i, 900) for i in range(200)])]))
        ],
    }
    fitted = fit_activity(big)
    assert message_size(fitted) <= BUDGET
    assert "… and 190 more" in json.dumps(fitted, ensure_ascii=False)
    assert big["attachments"][0]["content"]["body"][1]["text"].count("\n") == 199


def _attachment(content: dict[str, Any]) -> dict[str, Any]:
    return {"contentType": "application/vnd.microsoft.card.adaptive", "content": content}


# -- the builders page or cap, so the last check rarely has to -------------------------------

MEETING = MeetingView(
    occurrence_id=7,
    unit="Östersund",
    name="Samverkansmöte " + "x" * 100,
    starts_at=NOW + timedelta(days=3),
    ends_at=NOW + timedelta(days=3, hours=2),
    place=long(0, 500),
    status="scheduled",
)


def _actions(n: int) -> list[ActionEntry]:
    return [ActionEntry(i, long(i, 1000), long(i, 200), TODAY, "open", 7) for i in range(1, n + 1)]


def test_the_agenda_pages_the_longest_items_under_the_budget() -> None:
    items = tuple(
        AgendaEntry(i, 7, i, long(i, 500), "proposed", None, "proposed", long(i, 200))
        for i in range(1, 501)
    )
    agenda = Agenda(
        standing=tuple(long(i, 500) for i in range(30)), items=items, actions=tuple(_actions(50))
    )
    last = -(-500 // AGENDA_PAGE)
    for page in (1, 2, last, last + 1):
        made = agenda_card(
            "sv",
            MEETING,
            agenda,
            AgendaNotes(headline="I morgon", notice="x" * 500),
            page=page,
            today=TODAY,
        )
        assert_valid_card(made)
        shown = json.dumps(made, ensure_ascii=False)
        first = (min(page, last) - 1) * AGENDA_PAGE + 1
        assert f"Text {first} " in shown and f"Text {first + AGENDA_PAGE} " not in shown


def test_the_action_list_pages_and_the_minutes_are_capped() -> None:
    for page in (1, 2, 14):
        made = actions_card("sv", "Östersund", _actions(200), TODAY, unit_id=3, page=page)
        assert_valid_card(made)
    assert "Visa alla (200)" in json.dumps(
        actions_card("sv", "Ö", _actions(200), TODAY, unit_id=3), ensure_ascii=False
    )
    minutes = MinutesView(
        meeting=MEETING,
        decisions=[long(i, 2000) for i in range(300)],
        actions=_actions(300),
        lifted=[(i, long(i, 200)) for i in range(300)],
        items=[(long(i, 500), "handled") for i in range(500)],
    )
    made = minutes_card("sv", minutes)
    assert_valid_card(made)
    shown = json.dumps(made, ensure_ascii=False)
    assert "… och 294 till. Hela protokollet" in shown  # 6 decisions of 2000 characters fit


def test_items_series_and_pulse_texts_are_capped() -> None:
    view = ItemView(
        id=1,
        version=3,
        kind="barrier",
        title=long(0, 200),
        status="open",
        origin="Östersund",
        current="Östersund",
        path=["Östersund"] * 10,
        topic=None,
        owner=long(0, 300),
        due=None,
        description=long(0, 4000),
        answer=long(0, 4000),
        created_at=NOW,
        arrived_at=NOW,
        at_top=False,
        delivery_pending=False,
        escalated_here=True,
        age_days=3,
        trail=[
            EventView(NOW, "Östersund", long(i, 300), "commented", long(i, 4000))
            for i in range(300)
        ],
    )
    assert_valid_card(item_card("sv", view))
    listed = items_list_card("sv", "Östersund", [view] * 500)
    assert_valid_card(listed)
    assert "… och 440 ärenden till" in json.dumps(listed, ensure_ascii=False)
    series = [
        SeriesView(i, long(i, 120), long(i, 300), long(i, 500), [7, 1], [MEETING] * 3)
        for i in range(60)
    ]
    assert_valid_card(series_card("sv", "Östersund", series))
    text_q = next(q for q in SAMVERKANSPULS.questions if q.kind is Kind.TEXT)
    results = Results(
        answers=400,
        threshold=5,
        shown=True,
        questions=(QuestionResult(text_q, 400, {}, texts=tuple(long(i, 500) for i in range(400))),),
    )
    made = results_card("sv", SAMVERKANSPULS, results, unit="Östersund", period="2026-11")
    assert_valid_card(made)
    assert "… och 380 svar till" in json.dumps(made, ensure_ascii=False)


def test_headings_are_not_lists() -> None:
    # A heading or a short text is never cut: only what is too big changes.
    small = card([heading("Beslut"), text("Ett\nTvå\nTre")])
    assert fit_card(small) is small
