"""What a manager reads in the digest: the figures shown, where they came from and which
way they go — over HTTP with the fake connector, on SQLite and PostgreSQL."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from core.indicators import last_complete
from services.digest import today_local
from services.indicator_import import import_file
from tests.indicators.test_digest_http import MANAGER, bind, texts
from tests.support.harness import BotHarness
from tests.support.indicators import seed_county, seed_values

REVIEW = "Läkemedelsgenomgång i särskilt boende"  # yearly, from Kolada, usual lag one year


def table_rows(card: dict[str, Any]) -> dict[str, tuple[list[str], list[str | None]]]:
    """First cell -> (the cells' texts, their colours), for every table row of the card."""
    rows = {}
    for element in card["body"]:
        if element.get("type") != "Table":
            continue
        for row in element["rows"]:
            blocks = [cell["items"][0] for cell in row["cells"]]
            rows[blocks[0]["text"]] = (
                [b["text"] for b in blocks],
                [b.get("color") for b in blocks],
            )
    return rows


def sources_line(card: dict[str, Any]) -> str:
    [line] = [e["text"] for e in card["body"] if str(e.get("text", "")).startswith("Källor:")]
    return str(line)


async def _digest(h: BotHarness, unit: str, command: str = "sammanställning") -> dict[str, Any]:
    channel = await bind(h, unit, MANAGER)
    await h.say(h.teams.channel_message(channel, MANAGER, command))
    posted = await h.connector.wait_for(lambda p: bool(p.cards) and unit in texts(p.cards[0]))
    return posted.cards[0]


async def test_a_figure_imported_from_a_file_early_is_shown_and_credited_to_the_file(
    harness: BotHarness, tmp_path: Path
) -> None:
    h = harness
    units, _ = await seed_county(h.db)
    newest = last_complete("year", today_local())  # the usual lag would show the year before
    csv = tmp_path / "läkemedel.csv"
    csv.write_text(
        "indikator;enhet;period;värde\n"
        f"lakemedelsgenomgang_sabo;Krokom;{newest.shift(-1).label};70\n"
        f"lakemedelsgenomgang_sabo;Krokom;{newest.label};91\n",
        encoding="utf-8",
    )
    async with h.db.session() as s:
        report = await import_file(s, csv)
    assert report.imported, report.bad
    assert units["Krokom"]

    card = await _digest(h, "Krokom")
    cells, _ = table_rows(card)[REVIEW]
    assert cells[1] == "91,0\u00a0%"  # the newest year's figure, not 70,0
    sources = sources_line(card)
    assert "Fil: läkemedel.csv" in sources and "Kolada" not in sources


async def test_trend_says_better_or_worse_by_the_indicators_good_direction(
    harness: BotHarness,
) -> None:
    """Discharge days: lower is better. Krokom's rise is worse, Östersund's fall better."""
    h = harness
    units, ids = await seed_county(h.db)
    await seed_values(h.db, units, ids)
    days = "Utskrivningsklara dagar"
    cells, colours = table_rows(await _digest(h, "Krokom"))[days]
    assert (cells[3], colours[3]) == ("↑ sämre", "Attention")
    cells, colours = table_rows(await _digest(h, "Östersund"))[days]
    assert (cells[3], colours[3]) == ("↓ bättre", None)  # the word says it; no faint green
