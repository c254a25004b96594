"""Results beyond one pulse: the trend chart and the parent unit and county beside it."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from cards.pulse import results_card
from cards.pulse_trend import without_charts
from services import pulse as service
from storage.db import Database
from storage.models import Unit
from tests.cardschema import assert_valid_card
from tests.support.pulses import closed_pulse
from tests.support.scheduler import unit_with_channel

ZONE = ZoneInfo("Europe/Stockholm")
SECRET = "s" * 40


async def _tree(db: Database) -> dict[str, Unit]:
    """Län > Östersund > (Team A, Team B); Län > Krokom."""
    units: dict[str, Unit] = {}
    async with db.session() as s:
        for name, parent, level in [
            ("Län", None, "macro"),
            ("Östersund", "Län", "cluster"),
            ("Team A", "Östersund", "team"),
            ("Team B", "Östersund", "team"),
            ("Krokom", "Län", "cluster"),
        ]:
            unit = await unit_with_channel(s, name)
            unit.level = level
            unit.parent_id = units[parent].id if parent else None
            units[name] = unit
    return units


async def test_trend_and_groups_beside(db: Database) -> None:
    units = await _tree(db)
    await closed_pulse(db, units["Team A"], datetime(2026, 9, 7, 8, tzinfo=UTC), [2, 3, 3, 3, 4])
    await closed_pulse(
        db, units["Team A"], datetime(2026, 10, 5, 8, tzinfo=UTC), [4, 4, 4, 4, 4, 5]
    )
    await closed_pulse(db, units["Team B"], datetime(2026, 10, 5, 8, tzinfo=UTC), [2, 2, 2, 2, 2])
    await closed_pulse(db, units["Krokom"], datetime(2026, 10, 6, 8, tzinfo=UTC), [3] * 7)

    latest = await service.latest_results(db, units["Team A"], zone=ZONE, lang="sv")
    assert latest is not None and latest.extras is not None and latest.results.shown
    # Östersund: Team A's six and Team B's five; the county adds Krokom's seven.
    [ostersund, county] = latest.extras.beside["collab"]
    assert ostersund == ("Östersund", 35 / 11, 11)
    assert county == ("Län", 56 / 18, 18)
    trend = latest.extras.trend
    assert trend is not None and trend["type"] == "Chart.Line"
    [line] = trend["data"]
    assert line["values"] == [{"x": "7 sep. 2026", "y": 3.0}, {"x": "5 okt. 2026", "y": 4.17}]

    card = results_card(
        "sv",
        latest.template,
        latest.results,
        unit="Team A",
        period=latest.pulse.period,
        beside=latest.extras.beside,
        trend=trend,
    )
    shown = without_charts(card)
    assert isinstance(shown, dict)
    assert_valid_card(shown)
    text = str(shown)
    assert "Jämför: Östersund 3,2 (11 svar) · Län 3,1 (18 svar)" in text
    assert "4,2" in text and "3,0" in text  # the table under the chart


async def test_a_few_stored_answers_keep_the_groups_off(db: Database) -> None:
    """Team B's three stored answers were never shown (below the threshold): the parent
    minus Team A would be exactly them, so neither Östersund nor the county is shown."""
    units = await _tree(db)
    await closed_pulse(db, units["Team A"], datetime(2026, 10, 5, 8, tzinfo=UTC), [4] * 6)
    await closed_pulse(db, units["Team B"], datetime(2026, 10, 5, 8, tzinfo=UTC), [1, 1, 1])
    await closed_pulse(db, units["Krokom"], datetime(2026, 10, 6, 8, tzinfo=UTC), [3] * 7)
    latest = await service.latest_results(db, units["Team A"], zone=ZONE, lang="sv")
    assert latest is not None and latest.extras is not None
    assert latest.extras.beside == {}
    assert latest.extras.trend is None  # one pulse: no line to draw
