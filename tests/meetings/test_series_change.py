"""Changing or ending a series withdraws every future meeting and reminder of the old rule,
however far ahead, whichever instance made the change and across a restart (issue 17,
"Series are explicit"): the old rule's January meeting, beyond the planning window, used
to keep its reminders ("I morgon … tisdag 5 januari"). Both backends, two Database
instances on one database, a moving clock."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlmodel import col, select

from core.recurrence import parse_rule
from services import meetings as service
from storage import (
    meeting_lookup_repo,
    meeting_occurrences_repo,
    meeting_series_repo,
    schedules_repo,
)
from storage.db import Database
from storage.meeting_models import MeetingOccurrence, MeetingSeries, ReminderCard
from storage.models import OutboxMessage, Unit
from tests.meetings.clock import card_text, outbox, run_clock
from tests.support.scheduler import unit_with_channel

SE = ZoneInfo("Europe/Stockholm")
T0 = datetime(2030, 11, 25, 8, tzinfo=UTC)  # Monday 09:00 local
OLD = "första tisdagen varje månad 13-15"  # 3 December 2030, 7 January 2031
NEW = "varje torsdag 13-15 till och med 2030-12-19"  # four Thursdays, then none


def _local(occ: MeetingOccurrence) -> datetime:
    return occ.starts_at.astimezone(SE)


async def _plan(db: Database, text: str, unit: Unit, now: datetime) -> MeetingSeries:
    existing = None
    assert unit.id is not None
    for series in await service.series_of(db, unit.id):
        existing = series
    plan = service.SeriesPlan(
        "Samverkansmöte", parse_rule(text, now.astimezone(SE).date()), text, None, existing
    )
    series, _ = await service.save_series(
        db, unit, plan, actor="test", zone="Europe/Stockholm", now=now, lang="sv"
    )
    return series


async def _occurrences(db: Database) -> list[MeetingOccurrence]:
    async with db.session() as s:
        rows = await s.execute(select(MeetingOccurrence).order_by(col(MeetingOccurrence.slot_at)))
        return list(rows.scalars().all())


async def test_a_changed_rule_leaves_no_reminder_of_the_old_one(db_url: str) -> None:
    a, b = Database(db_url), Database(db_url)
    try:
        async with a.session() as s:
            unit = await unit_with_channel(s)
            await meeting_series_repo.ensure_sync_schedule(s)
        await _plan(a, OLD, unit, T0)
        # Reach 7 January (beyond the two planned) so it has reminder schedules too.
        async with a.session() as s:
            assert unit.id is not None
            january = await meeting_lookup_repo.occurrence_for_day(
                s, unit.id, datetime(2031, 1, 7).date(), T0
            )
            assert january is not None and january.id is not None
            jan_id = january.id
        # Instance A sends the 7-day reminder of 3 December (Tuesday 26 November 13:00).
        changed_at = datetime(2030, 11, 27, 9, tzinfo=UTC)
        await run_clock([a], T0, changed_at, timedelta(hours=6))
        [posted] = await outbox(a, "reminder:")
        assert "tisdag 3 december" in card_text(posted)

        # Instance B changes the rule; instance A restarts.
        await _plan(b, NEW, unit, changed_at)
        live = [o for o in await _occurrences(b) if o.status != "cancelled"]
        assert {_local(o).weekday() for o in live} == {3}  # at once, not when the window gets there
        await a.dispose()
        a = Database(db_url)
        await run_clock([a, b], changed_at, datetime(2031, 1, 12, tzinfo=UTC), timedelta(hours=6))

        occs = await _occurrences(a)
        old = [o for o in occs if _local(o).weekday() == 1]
        assert {_local(o).date().isoformat() for o in old} == {"2030-12-03", "2031-01-07"}
        assert all(o.status == "cancelled" for o in old)
        async with a.session() as s:
            for occ in old:
                for key in (meeting_occurrences_repo.reminder_key(occ.id or 0, 1),
                            meeting_occurrences_repo.reminder_key(occ.id or 0, 7),
                            meeting_occurrences_repo.minutes_key(occ.id or 0)):  # fmt: skip
                    row = await schedules_repo.get_schedule(s, key)
                    assert row is None or not row.active, key
            cards = (await s.execute(select(ReminderCard))).scalars().all()
        by_id = {o.id: o for o in occs}
        # Every reminder sent after the change is for a Thursday, none for 7 January.
        reminded = [by_id[i] for i in sorted({c.occurrence_id for c in cards if c.lead_days})]
        assert jan_id not in {o.id for o in reminded}
        thursdays = [_local(o).date() for o in reminded if _local(o).weekday() == 3]
        assert [d.isoformat() for d in thursdays] == [
            "2030-11-28", "2030-12-05", "2030-12-12", "2030-12-19"
        ]  # fmt: skip
        # The only other reminder is the one sent for 3 December before the change.
        assert [o.id for o in reminded if _local(o).weekday() != 3] == [_occurrence_of(posted)]
        # The card already in the channel for 3 December now says it is cancelled.
        updates = [r for r in await outbox(a, "agenda:") if r.updates_key == posted.idempotency_key]
        assert updates and "inställt" in card_text(updates[-1]).casefold()
    finally:
        await a.dispose()
        await b.dispose()


def _occurrence_of(row: OutboxMessage) -> int:
    return int(row.idempotency_key.split(":")[1])  # reminder:{occurrence_id}:{lead}


async def test_ending_a_series_withdraws_every_future_meeting(db: Database) -> None:
    async with db.session() as s:
        unit = await unit_with_channel(s)
        assert unit.id is not None
    series = await _plan(db, OLD, unit, T0)
    async with db.session() as s:
        await meeting_lookup_repo.occurrence_for_day(s, unit.id, datetime(2031, 2, 4).date(), T0)
    assert series.id is not None
    await service.end_series(db, series.id, T0)
    await run_clock([db], T0, datetime(2030, 12, 10, tzinfo=UTC), timedelta(hours=12))
    assert await outbox(db, "reminder:") == []
    assert {o.status for o in await _occurrences(db)} == {"cancelled"}
    # Made again under the same name: its meetings and reminders come back.
    later = datetime(2030, 12, 10, tzinfo=UTC)
    await _plan(db, OLD, unit, later)
    await run_clock([db], later, datetime(2031, 1, 8, tzinfo=UTC), timedelta(hours=12))
    async with db.session() as s:
        cards = (await s.execute(select(ReminderCard))).scalars().all()
    by_id = {o.id: o for o in await _occurrences(db)}
    assert {_local(by_id[c.occurrence_id]).date().isoformat() for c in cards} == {"2031-01-07"}
