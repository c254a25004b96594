"""However much people add, the agenda reminder still goes out: 500 long proposals (the
last 40 over HTTP, eight at a time; the first 460 through the same use case the command
calls stores them with, which keeps the test quick), the reminder fired as the scheduler would, and the fake Bot Connector (which
refuses a message over Teams' size limit with 413 MessageSizeTooBig, as Teams does)
accepts it. The card shows the first page and "Show all", which pages through the
rest, each page under the budget too."""

from __future__ import annotations

import asyncio
import json
import re
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlmodel import col, select

from cards.base import attachment, bullets, card, text, title
from cards.bounds import BUDGET, message_size
from cards.meetings import AGENDA_PAGE
from core.occurrences import next_occurrence
from scheduler.firing import fire
from storage import agenda_repo, channels_repo, outbox_repo, schedules_repo
from storage.meeting_models import AgendaItem, MeetingOccurrence
from tests.cardschema import assert_valid_card
from tests.fakes.connector import MESSAGE_LIMIT
from tests.support.harness import BotHarness, add_units
from tests.support.items import deliver
from tests.support.jobs import job_context
from tests.teams import Channel, TeamsUser, new_channel

COORD = TeamsUser(name="Sara Samordnare", upn="sara@example.se")
WEEKDAYS = ["måndag", "tisdag", "onsdag", "torsdag", "fredag", "lördag", "söndag"]
PROPOSALS = 500
OVER_HTTP = 40


def _proposal(n: int) -> str:
    # As long as a proposal may be (500 characters), with its number up front.
    head = f"Förslag {n}: "
    return (
        head + ("utskrivningsklara patienter och samordnad vårdplanering " * 10)[: 500 - len(head)]
    )


async def _say(h: BotHarness, channel: Channel, text: str, expect: str) -> dict[str, Any]:
    """Send; the first reply after it that says `expect` (looking only at new posts)."""
    before = len(h.connector.posted)
    assert await h.say(h.teams.channel_message(channel, COORD, text)) in (200, 202)
    for _ in range(1000):
        for p in h.connector.posted[before:]:
            if expect in json.dumps(p.activity, ensure_ascii=False):
                return p.activity
        await asyncio.sleep(0.005)
    raise AssertionError(f"no reply saying {expect!r} to {text[:40]!r}")


def _texts(card: dict[str, Any]) -> str:
    return json.dumps(card, ensure_ascii=False)


def _button(card: dict[str, Any], title: str) -> dict[str, Any]:
    found = [
        a
        for a in _actions(card)
        if a.get("type") == "Action.Execute" and str(a.get("title", "")).startswith(title)
    ]
    assert found, f"no button {title!r}"
    return found[0]


def _actions(node: Any) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    if isinstance(node, dict):
        if str(node.get("type", "")).startswith("Action."):
            out.append(node)
        for value in node.values():
            out += _actions(value)
    elif isinstance(node, list):
        for value in node:
            out += _actions(value)
    return out


async def _page(h: BotHarness, channel: Channel, button: dict[str, Any]) -> dict[str, Any]:
    status, body = await h.post(
        h.teams.invoke_action(channel, COORD, button["verb"], button["data"])
    )
    assert status == 200 and body["type"] == "application/vnd.microsoft.card.adaptive", body
    card: dict[str, Any] = body["value"]
    assert_valid_card(card)  # includes: under the budget, as Teams counts
    return card


async def test_500_long_proposals_and_the_reminder_still_goes_out(harness: BotHarness) -> None:
    h = harness
    await add_units(h.db, {"Regionens samverkansråd": None, "Östersund": "Regionens samverkansråd"})
    channel = new_channel()
    await h.say(h.teams.install_in_team(channel, COORD))
    await _say(h, channel, "setup Östersund", "Klart")
    # A weekly meeting three days ahead: its reminders are still to come.
    weekday = WEEKDAYS[(date.today() + timedelta(days=3)).weekday()]
    await _say(h, channel, f"möte ny varje {weekday} 13–15", "Klart")
    # Eight people at a time, as a busy channel would.
    gate = asyncio.Semaphore(8)

    async def propose(n: int) -> None:
        async with gate:
            act = h.teams.channel_message(channel, COORD, f"dagordning lägg till {_proposal(n)}")
            assert await h.say(act) in (200, 202)

    async with h.db.read() as s:
        first = (await s.execute(select(MeetingOccurrence))).scalars().first()
    assert first is not None
    async with h.db.session() as s:
        for n in range(1, PROPOSALS - OVER_HTTP + 1):
            await agenda_repo.add_item(s, first, _proposal(n), by=None, by_name="Sara")
    before = len(h.connector.posted)
    # The replies come faster than Teams' rate limits allow (tested elsewhere): this test
    # is about size, so the fake connector does not throttle them.
    h.connector.enforce_limits = False
    await asyncio.gather(*(propose(n) for n in range(PROPOSALS - OVER_HTTP + 1, PROPOSALS + 1)))
    h.connector.enforce_limits = True
    added = [p for p in h.connector.posted[before:] if p.text.startswith("Punkt ")]
    assert len(added) == OVER_HTTP, [p.text for p in h.connector.posted[before:]][:3]
    async with h.db.session() as s:
        occ = (
            (await s.execute(select(MeetingOccurrence).order_by(col(MeetingOccurrence.starts_at))))
            .scalars()
            .first()
        )
        assert occ is not None
        items = (
            await s.execute(select(AgendaItem).where(col(AgendaItem.occurrence_id) == occ.id))
        ).all()
        assert len(items) == PROPOSALS
        schedule = await schedules_repo.get_schedule(s, f"meeting_reminder:{occ.id}:1")
        assert schedule is not None and schedule.active
        when = next_occurrence(
            schedule.trigger, schedule.timezone, datetime(2000, 1, 1, tzinfo=UTC)
        )
        assert when is not None and await fire(s, schedule, when, job_context())

    delivered = await deliver(h)  # asserts that no row went dead
    assert delivered.sent == 1 and h.connector.too_big == 0
    posted = h.connector.posted[-1]
    assert message_size(posted.activity) <= MESSAGE_LIMIT
    [card] = posted.cards
    assert_valid_card(card)
    assert message_size(card) <= BUDGET
    shown = _texts(card)
    assert "I morgon" in shown and f"{PROPOSALS - AGENDA_PAGE} till" in shown
    seen = _numbers(card)
    assert len(seen) == AGENDA_PAGE

    # "Show all" pages through the rest, numbered on, each page bounded; every proposal
    # is on exactly one page.
    page = await _page(h, channel, _button(card, "Visa alla (500)"))
    second = f"{AGENDA_PAGE + 1}–{2 * AGENDA_PAGE}"
    assert f"Visar {second} av 500" in _texts(page) and f"**{AGENDA_PAGE + 1}.** " in _texts(page)
    back = await _page(h, channel, _button(page, "Föregående sida"))
    assert _numbers(back) == seen
    pages = -(-PROPOSALS // AGENDA_PAGE)
    for _ in range(2, pages):
        numbers = _numbers(page)
        assert len(numbers) == AGENDA_PAGE and not numbers & seen
        seen |= numbers
        page = await _page(h, channel, _button(page, "Nästa sida"))
    last = _texts(page)
    first_on_last = (pages - 1) * AGENDA_PAGE + 1
    assert "Nästa sida" not in last and f"Visar {first_on_last}–500 av 500" in last
    assert "**500.** " in last
    seen |= _numbers(page)
    assert seen == set(range(1, PROPOSALS + 1))
    # A page beyond the end shows the last one; the buttons on each page still work.
    beyond = await _page(
        h, channel, {"verb": "agenda.page", "data": {"occurrence_id": occ.id, "page": 10_000}}
    )
    assert _numbers(beyond) == _numbers(page)
    accept = _button(beyond, "Godkänn")
    assert accept["data"]["occurrence_id"] == occ.id


def _numbers(card: dict[str, Any]) -> set[int]:
    """Which proposals the card shows (by the number each was written with)."""
    return {int(n) for n in re.findall(r"Förslag (\d+):", _texts(card))}


async def test_a_page_of_another_units_agenda_is_not_shown(harness: BotHarness) -> None:
    h = harness
    await add_units(h.db, {"Regionens samverkansråd": None, "Östersund": "Regionens samverkansråd"})
    ours, theirs = new_channel(), new_channel("Regionen")
    for channel, unit in ((ours, "Östersund"), (theirs, "Regionens samverkansråd")):
        await h.say(h.teams.install_in_team(channel, COORD))
        await _say(h, channel, f"setup {unit}", "Klart")
    await _say(h, ours, "möte ny varje måndag 13–15", "Klart")
    await _say(h, ours, "dagordning lägg till Hemlig punkt", "Punkt 1")
    async with h.db.session() as s:
        occ = (await s.execute(select(MeetingOccurrence))).scalars().first()
        assert occ is not None
    data = {"occurrence_id": occ.id, "page": 1}
    status, body = await h.post(h.teams.invoke_action(theirs, COORD, "agenda.page", data))
    assert status == 200 and "Hemlig punkt" not in json.dumps(body, ensure_ascii=False)
    status, body = await h.post(h.teams.invoke_action(ours, COORD, "agenda.page", data))
    assert status == 200 and "Hemlig punkt" in json.dumps(body, ensure_ascii=False)


async def test_a_card_still_too_big_is_shortened_on_its_way_out_not_dead(
    harness: BotHarness,
) -> None:
    """The last check in the dispatcher: whatever a producer queued, Teams accepts it."""
    h = harness
    await add_units(h.db, {"Östersund": None})
    channel = new_channel()
    await h.say(h.teams.install_in_team(channel, COORD))
    await _say(h, channel, "setup Östersund", "Klart")
    lines = [_proposal(n) for n in range(1, 401)]
    huge = card([title("Protokoll"), bullets(lines), text("Slut")])
    assert message_size(huge) > MESSAGE_LIMIT
    async with h.db.session() as s:
        binding = await channels_repo.active_binding_for_unit(s, 1)
        assert binding is not None
        activity = {"type": "message", "attachments": [attachment(huge)]}
        assert await outbox_repo.enqueue(s, "test:huge", binding.conversation_pk, activity)
    assert (await deliver(h)).sent == 1  # asserts that no row went dead
    assert h.connector.too_big == 0
    [posted] = h.connector.posted[-1].cards
    assert message_size(posted) <= BUDGET
    shown = _texts(posted)
    assert "Förslag 1:" in shown and "… och 390 till" in shown
