"""`möte ny` always makes a new series (issue 17, "Series are explicit"): without a name,
with a series already there, it asks for one instead of rewriting the existing series;
with a name it adds a second series; an existing name is refused. Over HTTP, both backends."""

from __future__ import annotations

from sqlmodel import col, select

from storage.meeting_models import MeetingOccurrence, MeetingSeries
from tests.meetings.test_rules_http import NILS, SARA, _bound, _say
from tests.support.harness import BotHarness


async def _series(h: BotHarness) -> list[tuple[str, str, bool]]:
    async with h.db.session() as s:
        rows = await s.execute(select(MeetingSeries).order_by(col(MeetingSeries.id)))
        return [(x.name, x.rule_text, x.active) for x in rows.scalars().all()]


async def test_a_new_series_needs_its_own_name(harness: BotHarness) -> None:
    h = harness
    channel = await _bound(h)
    await _say(h, channel, SARA, "möte ny första tisdagen varje månad 13–15", "Klart")
    first = await _series(h)
    assert first == [("Samverkansmöte", "första tisdagen varje månad 13–15", True)]
    async with h.db.session() as s:
        before = (await s.execute(select(MeetingOccurrence))).scalars().all()

    asked = await _say(h, channel, SARA, "möte ny varannan torsdag 9-10", "eget namn")
    assert "**Samverkansmöte**" in asked
    assert "`möte ny Ledningsgrupp varannan torsdag 9-10`" in asked
    assert await _series(h) == first  # nothing rewritten
    async with h.db.session() as s:
        after = (await s.execute(select(MeetingOccurrence))).scalars().all()
    assert [(o.slot_at, o.status) for o in after] == [(o.slot_at, o.status) for o in before]

    made = await _say(
        h, channel, SARA, "möte ny Ledningsgrupp varannan torsdag 9-10 | Rum 2", "Klart"
    )
    assert "**Ledningsgrupp** varannan torsdag kl. 9.00–10.00" in made
    assert await _series(h) == [*first, ("Ledningsgrupp", "varannan torsdag 9-10", True)]

    await _say(h, channel, SARA, "möte ny ledningsgrupp varje fredag 9-10", "finns redan")
    assert len(await _series(h)) == 2
    await _say(h, channel, NILS, "language en", "English")
    shown = await _say(h, channel, NILS, "meeting new every friday 9-10", "name of its own")
    assert "`meeting new Steering group every friday 9-10`" in shown
