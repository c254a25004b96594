"""One nudge a day at most (services/nudges.py through the scheduler's `fire`, delivered
by the real dispatcher to the fake connector), with a clock that moves across the end of
summer time (Sunday 2026-10-25) and across julafton and juldagen: one card per working
day inside 08:00-17:00 Stockholm, none on weekends and days off; the owner is reminded
while overdue, the coordinator hears after three working days; weekly means Monday."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from sqlmodel import col, select

from scheduler.firing import fire
from services import nudges
from storage import channels_repo
from storage.item_models import Item
from storage.meeting_models import ActionItem
from storage.models import Schedule, Unit
from tests.cardschema import assert_valid_card
from tests.support.harness import BotHarness
from tests.support.items import CLUSTER, bind, deliver, load_org
from tests.support.jobs import job_context
from tests.teams import TENANT, TeamsUser

SE = ZoneInfo("Europe/Stockholm")
EVA = TeamsUser("Eva Ek", upn="eva.ek@example.se")
SARA = TeamsUser("Sara Lind", upn="samordnare.ostersund@example.se")  # Östersund's coordinator


def local(y: int, m: int, d: int, h: int = 8, mi: int = 5) -> datetime:
    return datetime(y, m, d, h, mi, tzinfo=SE).astimezone(UTC)


async def _setup(h: BotHarness, due: date) -> dict[str, int]:
    units = await load_org(h.db)
    await bind(h, CLUSTER)
    for who in (EVA, SARA):
        await h.say(h.teams.personal_install(who))
        async with h.db.session() as s:
            await channels_repo.remember_person(
                s, TENANT, who.aad_object_id, upn=who.upn, display_name=who.name
            )
    async with h.db.session() as s:
        s.add(
            ActionItem(
                unit_id=units[CLUSTER], text="Ring kommunen om hjälpmedel",
                owner_aad_id=EVA.aad_object_id, owner_name=EVA.name, due=due,
            )
        )  # fmt: skip
        await nudges.ensure_schedule(s)
    return units


async def _fire(h: BotHarness, at: datetime) -> None:
    async with h.db.session() as s:
        schedule = (
            await s.execute(select(Schedule).where(col(Schedule.key) == nudges.KEY))
        ).scalar_one()
        await fire(s, schedule, at, job_context())


def _cards_to(h: BotHarness, who: TeamsUser) -> list[dict[str, object]]:
    """The nudge cards in the person's chat (not the welcome card of the install)."""
    return [
        c
        for p in h.connector.in_conversation(f"a:{who.aad_object_id}")
        for c in p.cards
        if "Det här väntar på dig" in str(c)
    ]


async def test_one_card_per_working_day_across_dst_and_holidays(harness: BotHarness) -> None:
    h = harness
    await _setup(h, due=date(2026, 10, 23))  # Friday before summer time ends

    await _fire(h, local(2026, 10, 22))  # Thursday: due soon
    await _fire(h, local(2026, 10, 22, 9))  # an hour later: nothing new
    await deliver(h)
    [thursday] = _cards_to(h, EVA)
    assert_valid_card(thursday)
    assert "ska vara klar" in str(thursday) and "Ring kommunen" in str(thursday)

    for at in (local(2026, 10, 24), local(2026, 10, 25, 10)):  # the DST weekend
        await _fire(h, at)
    await _fire(h, datetime(2026, 10, 26, 6, 5, tzinfo=UTC))  # 07:05 local: before the window
    await deliver(h)
    assert len(_cards_to(h, EVA)) == 1

    await _fire(h, datetime(2026, 10, 26, 7, 5, tzinfo=UTC))  # 08:05 local (UTC+1 now)
    await deliver(h)
    monday = _cards_to(h, EVA)[-1]
    assert len(_cards_to(h, EVA)) == 2 and "försenad (1 arbetsdagar" in str(monday)
    assert _cards_to(h, SARA) == []  # the coordinator hears only after three working days

    await _fire(h, local(2026, 10, 28))  # Wednesday: 3 working days overdue
    await deliver(h)
    assert len(_cards_to(h, EVA)) == 3
    [to_sara] = _cards_to(h, SARA)
    assert "i Östersund är försenad 3 arbetsdagar" in str(to_sara)

    # Still overdue at Christmas: julafton and juldagen are days off, Monday is not.
    for day in (24, 25, 26, 27):
        await _fire(h, local(2026, 12, day))
    await deliver(h)
    assert len(_cards_to(h, EVA)) == 3
    await _fire(h, local(2026, 12, 28))
    await deliver(h)
    assert len(_cards_to(h, EVA)) == 4


async def test_weekly_means_the_first_working_day_of_the_week(harness: BotHarness) -> None:
    h = harness
    await _setup(h, due=date(2026, 3, 30))
    async with h.db.session() as s:
        await nudges.set_preference(s, TENANT, EVA.aad_object_id, "weekly")
    for day in (31, 1, 2, 3):  # Tue 31 March .. Good Friday 3 April
        await _fire(h, local(2026, 3 if day == 31 else 4, day))
    await _fire(h, local(2026, 4, 6))  # Easter Monday: a day off
    await deliver(h)
    assert _cards_to(h, EVA) == []
    await _fire(h, local(2026, 4, 7))  # Tuesday after Easter: the week's first working day
    await deliver(h)
    assert len(_cards_to(h, EVA)) == 1


async def test_urgent_kinds_go_at_once_and_a_free_text_owner_must_see_the_item(
    harness: BotHarness,
) -> None:
    h = harness
    units = await _setup(h, due=date(2027, 6, 1))  # Eva's action is far off: no row
    async with h.db.session() as s:
        cluster = await s.get(Unit, units[CLUSTER])
        assert cluster is not None
        cluster.defaults = {**cluster.defaults, "nudges": {"urgent": ["item_waiting"]}}
        await nudges.set_preference(s, TENANT, SARA.aad_object_id, "urgent")
        s.add(Item(origin_unit_id=units[CLUSTER], current_unit_id=units[CLUSTER],
                   title="Akut: ingen hemtjänst i helgen", path=[units[CLUSTER]]))  # fmt: skip
        # Assigned by name to "Eva Ek" in a unit Eva has no part in (Berg).
        s.add(Item(origin_unit_id=units["Berg"], current_unit_id=units["Berg"],
                   title="Bergs ärende", status="acknowledged", owner="Eva Ek",
                   due=date(2026, 12, 1), path=[units["Berg"]]))  # fmt: skip
    await _fire(h, local(2026, 11, 26))
    await deliver(h)
    urgent = [
        c
        for p in h.connector.in_conversation(f"a:{SARA.aad_object_id}")
        for c in p.cards
        if "Brådskande" in str(c)
    ]
    assert len(urgent) == 1 and "ingen hemtjänst" in str(urgent[0])
    assert _cards_to(h, SARA) == []  # "urgent only": no gathered card
    eva = str([p.activity for p in h.connector.in_conversation(f"a:{EVA.aad_object_id}")])
    assert "Bergs ärende" not in eva
