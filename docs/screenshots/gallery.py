"""The cards the screenshots show, built by the project's own builders from example data.

The digests come the way `make run` shows them: the Jämtland org file, its indicator
definitions and fictitious values (examples/) loaded into a temporary SQLite database,
then `services.digest` composes them and `cards.digest` draws them, on a fixed day so
the pictures repeat. The other cards are built from small, realistic views.

    python docs/screenshots/gallery.py OUT_DIR     # writes OUT_DIR/<name>.json

Used by `make screenshots` (then render.mjs draws each JSON in Chromium) and by
tests/cards/test_gallery.py (every card here is valid Adaptive Cards 1.5).
"""

from __future__ import annotations

import asyncio
import json
import random
import sys
import tempfile
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import yaml  # noqa: E402
from sqlmodel import SQLModel  # noqa: E402

import storage.models  # noqa: E402, F401
from bot.handlers import build_router  # noqa: E402
from cards.alerts import alert_card  # noqa: E402
from cards.base import Card  # noqa: E402
from cards.digest import county_units_card  # noqa: E402
from cards.help import help_card  # noqa: E402
from cards.items import EventView, ItemView, item_card  # noqa: E402
from cards.meetings import AgendaNotes, MeetingView, agenda_card, default_standing  # noqa: E402
from cards.pulse import results_card  # noqa: E402
from cards.pulse_trend import trend_chart  # noqa: E402
from core.agenda import ActionEntry, Agenda, AgendaEntry  # noqa: E402
from core.alerts import Alert, AlertKind  # noqa: E402
from core.indicators import Period, parse_definitions  # noqa: E402
from core.org import OrgSpec, parse_org_text  # noqa: E402
from core.pulse_results import summarize  # noqa: E402
from core.pulse_templates import SAMVERKANSPULS  # noqa: E402
from core.roles import allows  # noqa: E402
from i18n.texts import t  # noqa: E402
from services import digest as composer  # noqa: E402
from services.indicator_import import import_file  # noqa: E402
from services.meetings import reminder_headline  # noqa: E402
from storage import indicators_repo  # noqa: E402
from storage.db import Database  # noqa: E402
from storage.org_repo import sync_org  # noqa: E402

EXAMPLES = ROOT / "examples"
TODAY = date(2026, 11, 20)  # the example values run to 2026-10: the newest complete month
NOW = datetime(2026, 11, 20, 8, 30, tzinfo=UTC)
UNIT = "Östersund"
LANG = "sv"


async def _example_database(db: Database) -> None:
    """examples/jamtland.yaml, examples/indicators.yaml and examples/jamtland_values.csv,
    as `make run` loads them (same functions as the CLI)."""
    async with db.engine.begin() as conn:
        await conn.run_sync(SQLModel.metadata.create_all)
    spec = parse_org_text((EXAMPLES / "jamtland.yaml").read_text(encoding="utf-8"))
    assert isinstance(spec, OrgSpec), spec
    defs, overrides, problems = parse_definitions(
        yaml.safe_load((EXAMPLES / "indicators.yaml").read_text(encoding="utf-8"))
    )
    assert not problems, problems
    async with db.session() as s:
        plan = await sync_org(s, spec, archive=False, dry_run=False, actor="gallery")
        assert not plan.problems, plan.problems
    async with db.session() as s:
        saved = await indicators_repo.save_definitions(s, defs, overrides)
        assert not saved.problems, saved.problems
    async with db.session() as s:
        await import_file(s, EXAMPLES / "jamtland_values.csv", skip_bad_rows=False)


async def digest_cards() -> dict[str, Card]:
    """The unit digest (compact and "Visa alla") for Östersund, the county digest and its
    units for one indicator, and an alert on one of Östersund's figures."""
    with tempfile.TemporaryDirectory() as tmp:
        db = Database(f"sqlite+aiosqlite:///{Path(tmp) / 'gallery.db'}")
        try:
            await _example_database(db)
            async with db.session() as s:
                data = await composer.load(s, today=TODAY)
        finally:
            await db.dispose()
    unit = next(uid for uid, u in data.units.items() if u.name == UNIT)
    county = next(uid for uid, u in data.units.items() if composer.is_county(u))
    compact, _ = composer.digest_card(data, unit, LANG)
    expanded, _ = composer.digest_card(data, unit, LANG, expanded=True)
    county_card, _ = composer.digest_card(data, county, LANG)
    return {
        "digest-unit": compact,
        "digest-unit-all": expanded,
        "digest-county": county_card,
        "digest-county-units": _county_units(data, county),
        "alert": _alert(data, unit),
    }


def _alert(data: composer.DigestData, unit: int) -> Card:
    """The alert when Östersund's days waiting for discharge crossed the target (the
    example values: 1,5 in July, 1,8 in August; target 1,5)."""
    ind_id, defn = next((i, d) for i, d in data.defs if d.key == "utskrivningsklara_dagar")
    values = ((Period("month", 2026, 6), 1.5), (Period("month", 2026, 7), 1.5))
    alert = Alert(
        kind=AlertKind.CROSSED,
        period=Period("month", 2026, 8),
        value=1.8,
        target=1.5,
        previous=1.5,
        values=(*values, (Period("month", 2026, 8), 1.8)),
    )
    return alert_card(
        LANG,
        alert,
        defn,
        indicator_id=ind_id,
        unit_id=unit,
        unit_name=UNIT,
        recipients=["Maja Berg", "Per Lund"],
    )


def _county_units(data: composer.DigestData, county: int) -> Card:
    """The county's units side by side for its first indicator ("Visa enheterna"), built
    as bot/handlers/digest.py `county_units` builds it."""
    digest = composer.county_digest(data, county)
    row = digest.rows[0]
    ind_id = next(i for i, d in data.defs if d.key == row.defn.key)
    unit_ids = composer.county_units(data, county)
    targets = {u: data.targets.get((ind_id, u), row.defn.target) for u in unit_ids}
    return county_units_card(digest, row, unit_ids, targets, 1, LANG)


def pulse_results() -> Card:
    """Samverkanspuls for Östersund: 14 answers, four earlier pulses in the trend, the
    county beside it."""
    rng = random.Random(4)
    examples = [
        "Gemensam genomgång av utskrivningar varje tisdag har minskat missarna.",
        "Svårt att nå distriktssköterskan efter 15.",
        "Bra med en namngiven kontakt på hemtjänsten.",
        "Vi borde ha samma mall för SIP-kallelser.",
        "Snabbare svar i Teams-kanalen än på telefon.",
    ]
    answers: list[dict[str, Any]] = []
    for i, collab in enumerate([4, 4, 3, 5, 4, 3, 4, 2, 4, 5, 3, 4, 4, 3]):
        answer: dict[str, Any] = {"collab": collab, "contact": "yes" if i % 4 else "no"}
        if i < len(examples):
            answer["example"] = examples[i]
        answers.append(answer)
    results = summarize(SAMVERKANSPULS, answers, 5, members=22, rng=rng)
    points = [
        (date(2026, 7, 6), {"collab": 3.1}),
        (date(2026, 8, 3), {"collab": 3.3}),
        (date(2026, 9, 7), {"collab": 3.4}),
        (date(2026, 10, 5), {"collab": 3.6}),
        (date(2026, 11, 2), {"collab": results.questions[0].mean or 0.0}),
    ]
    trend = trend_chart(LANG, [("collab", "Samarbetet")], points)
    return results_card(
        LANG,
        SAMVERKANSPULS,
        results,
        unit=UNIT,
        period="2026-11",
        beside={"collab": [("Regionens samverkansråd", 3.4, 96)]},
        trend=trend,
    )


def item() -> Card:
    """A barrier raised in Krokom and escalated to Östersund, with its trail."""
    raised = datetime(2026, 11, 9, 9, 12, tzinfo=UTC)
    lifted = datetime(2026, 11, 16, 14, 3, tzinfo=UTC)
    view = ItemView(
        id=42,
        version=3,
        kind="barrier",
        title="Utskrivningsmeddelanden når inte hemtjänsten före hemgång",
        status="open",
        origin="Krokom",
        current="Östersund",
        path=["Krokom", "Östersund"],
        topic="Äldres hälsa",
        owner="Maja Berg",
        due=date(2026, 12, 4),
        description=(
            "Tre patienter förra veckan kom hem utan att hemtjänsten visste om det. "
            "Meddelandet i Lifecare skickas men ingen bevakar inkorgen efter 16."
        ),
        answer=None,
        created_at=raised,
        arrived_at=lifted,
        at_top=False,
        delivery_pending=False,
        escalated_here=True,
        age_days=11,
        trail=[
            EventView(raised, "Krokom", "Anna Ek", "created", None),
            EventView(
                datetime(2026, 11, 12, 10, 0, tzinfo=UTC),
                "Krokom",
                "Per Lund",
                "commented",
                "Samma sak hände två gånger i oktober.",
            ),
            EventView(lifted, "Krokom", "Anna Ek", "escalated", None, to_unit="Östersund"),
        ],
    )
    return item_card(LANG, view, suggested_due=date(2026, 12, 4))


def agenda_reminder() -> Card:
    """The reminder the day before Östersund's monthly meeting."""
    meeting = MeetingView(
        occurrence_id=7,
        unit=UNIT,
        name="Samverkansmöte",
        starts_at=datetime(2026, 12, 1, 12, 0, tzinfo=UTC),
        ends_at=datetime(2026, 12, 1, 14, 0, tzinfo=UTC),
        place="Teams",
        status="scheduled",
    )
    agenda = Agenda(
        standing=tuple(default_standing(LANG)),
        items=(
            AgendaEntry(1, 7, 1, "Utskrivningsmeddelanden till hemtjänsten", proposed_by="Maja"),
            AgendaEntry(2, 7, 2, "Gemensam mall för SIP-kallelser", proposed_by="Per"),
            AgendaEntry(3, 7, 3, "Läkemedelsgenomgångar på särskilt boende", carried_from=6),
        ),
        actions=(
            ActionEntry(1, "Ta fram kontaktlista för kvällstid", "Anna Ek", date(2026, 11, 25)),
            ActionEntry(2, "Boka gemensam utbildning i SIP", "Per Lund", date(2026, 12, 15)),
        ),
    )
    return agenda_card(
        LANG,
        meeting,
        agenda,
        AgendaNotes(headline=reminder_headline(LANG, 1)),
        today=date(2026, 11, 30),
    )


def help_for_manager() -> Card:
    """Help in a unit's channel, as a manager sees it: the real command table."""
    roles = {"manager"}
    commands = [
        (entry.words.get(LANG, entry.spec.name), entry.help_key)
        for entry in build_router().commands.values()
        if "channel" in entry.spec.scopes and allows(roles, entry.spec.role)
    ]
    return help_card(
        LANG, [(word, t(LANG, key)) for word, key in commands], unit=UNIT, roles=["manager"]
    )


async def build_all() -> dict[str, Card]:
    """Every card the screenshots show, by file name (without .json)."""
    cards = await digest_cards()
    cards["pulse-results"] = pulse_results()
    cards["item"] = item()
    cards["agenda-reminder"] = agenda_reminder()
    cards["help"] = help_for_manager()
    return cards


CAPTIONS = {
    "digest-unit": "The digest for one unit (Östersund) as it arrives: headline, the table "
    "against targets, charts of what is off target, items, next meeting.",
    "digest-unit-all": "The same digest after “Visa alla”: every indicator and more charts.",
    "digest-county": "The county digest (Regionens samverkansråd): the county's figures, and "
    "per indicator the units off target.",
    "digest-county-units": "“Visa enheterna” on the county digest: one indicator, the "
    "county's units side by side against their targets.",
    "alert": "An indicator alert in the unit's channel: the figure crossed its target; the "
    "button raises an item carrying the figures.",
    "pulse-results": "Samverkanspuls results for a unit: distribution, mean, the county beside "
    "it, free texts, and the trend over the pulses (a Teams Chart.Line).",
    "item": "An item (a barrier raised in Krokom, escalated to Östersund) with its trail "
    "and buttons.",
    "agenda-reminder": "The meeting reminder the day before: standing points, proposed points "
    "with their buttons, actions to follow up, a field to propose a point.",
    "help": "Help in a unit's channel as a manager sees it (the real command table).",
}


def main() -> None:
    out = Path(sys.argv[1] if len(sys.argv) > 1 else "var/screenshots")
    out.mkdir(parents=True, exist_ok=True)
    cards = asyncio.run(build_all())
    for name, content in cards.items():
        (out / f"{name}.json").write_text(
            json.dumps(content, ensure_ascii=False, indent=1), encoding="utf-8"
        )
        print(f"{out / name}.json")
    index = {name: CAPTIONS.get(name, "") for name in cards}
    (out / "index.json").write_text(json.dumps(index, ensure_ascii=False, indent=1), "utf-8")


if __name__ == "__main__":
    main()
