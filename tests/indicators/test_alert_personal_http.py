"""Indicator alerts told personally, with real roles (JWT on) and a moving clock: a
manager of the bot's own tenant hears of a value that crossed its target in their next
daily nudge (once, with the "Lyft som ärende" button, which works in the personal chat
and keeps its scope check); a coordinator of another organisation and one never seen
are told in the unit's channel, the first by mention; the channel card does not name
the manager."""

from __future__ import annotations

import json
from datetime import datetime, time, timedelta

from sqlmodel import select

from cards.alerts import RAISE_VERB
from cards.mentions import mentioned_ids
from core import escalation as esc
from core.holidays import is_working_day
from scheduler.firing import fire
from services import alerts, nudges
from storage import channels_repo, indicators_repo, schedules_repo
from storage.indicators_repo import ValueIn
from storage.item_models import Item
from storage.models import Unit
from tests.cardschema import assert_valid_card
from tests.fakes.issuer import LocalIssuer
from tests.people.test_personal_chat_http import _press
from tests.support.harness import BotHarness
from tests.support.indicators import last_month, seed_county
from tests.support.items import bind, cards_in, deliver
from tests.support.jobs import job_context
from tests.teams import TENANT, TeamsUser

MAJA = TeamsUser("Maja Chef", upn="maja.chef@example.se")  # Krokom's manager, our tenant
OLA = TeamsUser("Ola Nord", upn="ola@contoso.example")  # coordinator, another organisation
OTHER_TENANT = "0b5e1c2d-0000-4000-8000-00000000c0de"
CONTEXT = job_context(own_tenant=TENANT)


def _next_working_day(day: datetime) -> datetime:
    day += timedelta(days=1)
    while not is_working_day(day.date()):
        day += timedelta(days=1)
    return day


async def test_an_alert_reaches_the_manager_in_the_nudge_and_others_in_the_channel(
    secured: tuple[BotHarness, LocalIssuer],
) -> None:
    h, _ = secured
    units, ids = await seed_county(
        h.db,
        [
            ("Krokom", MAJA.upn, "manager"),
            ("Krokom", MAJA.upn, "coordinator"),
            ("Krokom", OLA.upn, "coordinator"),
            ("Krokom", "sara@example.se", "coordinator"),  # never seen by the bot
        ],
    )
    h.connector.add_member(
        MAJA.channel_id, aad_object_id=MAJA.aad_object_id, name=MAJA.name, upn=MAJA.upn
    )
    await h.say(h.teams.personal_install(MAJA))
    channel = await bind(h, "Krokom", MAJA)
    async with h.db.session() as s:
        await channels_repo.remember_person(
            s, OTHER_TENANT, OLA.aad_object_id, upn=OLA.upn, display_name=OLA.name
        )
        await alerts.ensure_schedule(s)
    ind, krokom = ids["utskrivningsklara_dagar"], units["Krokom"]
    ref = last_month()
    async with h.db.session() as s:
        await indicators_repo.upsert_values(
            s,
            [
                ValueIn(ind, krokom, ref.shift(shift).label, value, 100.0, "test")
                for shift, value in ((-2, 1.3), (-1, 1.4), (0, 1.9))  # 1,9: off target 1,5
            ],
        )
    now = datetime.now(esc.TZ).replace(microsecond=0)

    # The daily alert job: the channel card names only those not reached personally.
    async with h.db.session() as s:
        schedule = await schedules_repo.get_schedule(s, alerts.SCHEDULE_KEY)
        assert schedule is not None
        assert await fire(s, schedule, now, CONTEXT)
    await deliver(h)
    [alert] = [c for c in cards_in(h, channel) if "Indikatorlarm" in json.dumps(c)]
    assert_valid_card(alert)
    shown = json.dumps(alert, ensure_ascii=False)
    assert "Till: sara@example.se" in shown and "<at>Ola Nord</at>" in shown
    assert mentioned_ids(alert) == [OLA.aad_object_id]
    assert "Maja" not in shown and "maja.chef" not in shown

    def nudges_to_maja() -> list[dict[str, object]]:
        return [
            c
            for p in h.connector.in_conversation(f"a:{MAJA.aad_object_id}")
            for c in p.cards
            if "Indikatorlarm i Krokom" in json.dumps(c, ensure_ascii=False)
        ]

    # Imported today: in the next working day's nudge, not today's (one message a day).
    today_at_nine = datetime.combine(now.date(), time(9, 5), esc.TZ)
    async with h.db.session() as s:
        await nudges.send_nudges(s, today_at_nine, CONTEXT)
    next_day = datetime.combine(_next_working_day(now).date(), time(9, 5), esc.TZ)
    async with h.db.session() as s:
        report = await nudges.send_nudges(s, next_day, CONTEXT)
    assert report.queued == 1
    await deliver(h)
    [card] = nudges_to_maja()
    assert_valid_card(card)
    text = json.dumps(card, ensure_ascii=False)
    assert "Utskrivningsklara dagar" in text and "1,9 dagar" in text and "målet 1,5 dagar" in text
    async with h.db.session() as s:  # the day after: told already
        await nudges.send_nudges(s, datetime.combine(
            _next_working_day(next_day).date(), time(9, 5), esc.TZ), CONTEXT)  # fmt: skip
    await deliver(h)
    assert len(nudges_to_maja()) == 1

    # The row's button raises the item from the personal chat; the channel gets its card.
    [raise_button] = [
        a
        for el in card["body"]  # type: ignore[attr-defined]
        if el.get("type") == "Container"
        for part in el["items"]
        if part.get("type") == "ActionSet"
        for a in part["actions"]
        if a.get("verb") == RAISE_VERB
    ]
    answer = await _press(h, MAJA, RAISE_VERB, raise_button["data"])
    assert "Utskrivningsklara dagar: 1,9" in answer
    async with h.db.read() as s:
        (item,) = (await s.execute(select(Item))).scalars().all()
    assert item.current_unit_id == krokom
    await deliver(h)
    assert any(f"#{item.id}" in json.dumps(c, ensure_ascii=False) for c in cards_in(h, channel))

    # A second press (here, or on another copy) shows that item, raises no other.
    again = await _press(h, MAJA, RAISE_VERB, raise_button["data"])
    assert f"redan lyft som ärende #{item.id}" in again

    # Another unit's id from the personal chat answers like a missing value.
    forged = {**raise_button["data"], "unit_id": units["Östersund"]}
    assert "inget värde för den indikatorn" in await _press(h, MAJA, RAISE_VERB, forged)
    async with h.db.read() as s:
        assert len((await s.execute(select(Item))).scalars().all()) == 1


async def test_an_alert_the_org_marks_urgent_goes_at_once_and_once(harness: BotHarness) -> None:
    h = harness
    units, ids = await seed_county(h.db, [("Krokom", MAJA.upn, "manager")])
    await h.say(h.teams.personal_install(MAJA))
    async with h.db.session() as s:
        await channels_repo.remember_person(
            s, TENANT, MAJA.aad_object_id, upn=MAJA.upn, display_name=MAJA.name
        )
        krokom = await s.get(Unit, units["Krokom"])
        assert krokom is not None
        krokom.defaults = {**(krokom.defaults or {}), "nudges": {"urgent": ["indicator_alert"]}}
        ref = last_month()
        await indicators_repo.upsert_values(
            s,
            [
                ValueIn(
                    ids["utskrivningsklara_dagar"],
                    units["Krokom"],
                    ref.shift(k).label,
                    v,
                    100.0,
                    "test",
                )
                for k, v in ((-1, 1.4), (0, 1.9))
            ],
        )
    now = datetime.now(esc.TZ)
    day = now if is_working_day(now.date()) else _next_working_day(now)
    for hour in (9, 10):  # the same day's next run: nothing new
        async with h.db.session() as s:
            report = await nudges.send_nudges(
                s, datetime.combine(day.date(), time(hour, 5), esc.TZ), job_context()
            )
        assert report.urgent == (1 if hour == 9 else 0)
    async with h.db.session() as s:  # the next working day: neither again nor in the card
        next_day = datetime.combine(_next_working_day(day).date(), time(9, 5), esc.TZ)
        report = await nudges.send_nudges(s, next_day, job_context())
    assert report.queued == 0 and report.urgent == 0
    await deliver(h)
    [card] = [
        c
        for p in h.connector.in_conversation(f"a:{MAJA.aad_object_id}")
        for c in p.cards
        if "Indikatorlarm i Krokom" in json.dumps(c, ensure_ascii=False)
    ]
    assert RAISE_VERB in json.dumps(card)


async def test_a_manager_who_chose_english_reads_the_alert_row_in_english(
    harness: BotHarness,
) -> None:
    """The job's default language is Swedish; Maja chose English (`language en`): the
    alert row of her nudge is in English too, not only the card around it."""
    h = harness
    units, ids = await seed_county(h.db, [("Krokom", MAJA.upn, "manager")])
    await h.say(h.teams.personal_install(MAJA))
    async with h.db.session() as s:
        await channels_repo.remember_person(
            s, TENANT, MAJA.aad_object_id, upn=MAJA.upn, display_name=MAJA.name, language="en"
        )
        ref = last_month()
        await indicators_repo.upsert_values(
            s,
            [
                ValueIn(ids["utskrivningsklara_dagar"], units["Krokom"], ref.shift(k).label, v,
                        100.0, "test")
                for k, v in ((-1, 1.4), (0, 1.9))
            ],
        )  # fmt: skip
    now = datetime.now(esc.TZ)
    next_day = datetime.combine(_next_working_day(now).date(), time(9, 5), esc.TZ)
    async with h.db.session() as s:
        report = await nudges.send_nudges(s, next_day, job_context(language="sv"))
    assert report.queued == 1
    await deliver(h)
    posted = [c for p in h.connector.in_conversation(f"a:{MAJA.aad_object_id}") for c in p.cards]
    [card] = [c for c in posted if RAISE_VERB in json.dumps(c)]
    shown = json.dumps(card, ensure_ascii=False)
    assert "Days ready for discharge: 1.9 dagar for" in shown and "off the target 1.5" in shown
    assert "Utskrivningsklara" not in shown and "utanför målet" not in shown
