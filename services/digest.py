"""Compose digests from bulk-loaded data, and the `digest` job that delivers them.

`load` reads everything a set of digests needs in a fixed number of queries
(definitions, targets, values in the display window, units, items, pulses,
meetings); `unit_digest` and `county_digest` are then loops in memory. The job
sends the digest to each manager's personal chat through the outbox; a manager
the bot cannot reach (no personal chat stored: the app is not installed for
them) is reported to the unit's coordinators with how to fix it. The job is
`digest_job`, listed in scheduler/kinds.py; who else leads a unit (global admins,
Entra groups) and how to install the app come in its JobContext.
"""

from __future__ import annotations

import hashlib
import logging
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from cards.base import Card, card_message
from cards.digest import (
    CountyDigest,
    ItemCounts,
    PulseSummary,
    UnitDigest,
    county_digest_card,
    headline_text,
    unit_digest_card,
)
from core import indicators as ind
from core.comparison import Areas, Comparison, compare
from core.dates import HOME_ZONE
from core.indicators import CHART_PERIODS, Definition, Period
from core.roles import descendants
from core.tenancy import Unreachable, reach
from i18n.texts import t
from services.context import InstallHook, JobContext
from services.kolada import comparison_areas as kolada_areas
from storage import (
    comparisons_repo,
    indicators_repo,
    items_repo,
    outbox_repo,
    roles_repo,
    schedules_repo,
)
from storage.db import Database
from storage.indicators_repo import Series
from storage.models import Schedule, Unit
from storage.pulse_models import Pulse

log = logging.getLogger(__name__)

ZONE = ZoneInfo(HOME_ZONE)
KIND = "digest"
PULSE_INDICATOR = "staff_rated_collaboration"  # storage.pulse_indicator_repo.INDICATOR_KEY
PULSE_SOURCE = "Pulsmätning"


# ---------------------------------------------------------------------------
# Loading


@dataclass
class DigestData:
    today: date
    asked: Period | None
    defs: list[tuple[int, Definition]]
    references: dict[int, Period]
    targets: dict[tuple[int, int], float]
    values: dict[int, Series]
    units: dict[int, Unit]
    parents: dict[int, int | None]
    items: dict[int, ItemCounts] = field(default_factory=dict)
    waiting: dict[int, list[str]] = field(default_factory=dict)  # macro id -> titles
    pulses: dict[int, PulseSummary] = field(default_factory=dict)
    meetings: dict[int, datetime] = field(default_factory=dict)
    # unit id -> the sources of its values at the reference periods
    value_sources: dict[int, set[str]] = field(default_factory=dict)
    # Memoised while composing many digests from one load.
    below: dict[int, list[int]] = field(default_factory=dict)
    agreements: set[str] | None = None
    # Kolada comparison figures: indicator id -> period label -> area code -> value,
    # and the county's comparison areas (riket, region, peers).
    comparisons: dict[int, dict[str, dict[str, float]]] = field(default_factory=dict)
    areas: Areas = field(default_factory=Areas)


async def load(
    session: AsyncSession,
    *,
    today: date,
    asked: Period | None = None,
    unit_ids: Sequence[int] | None = None,
) -> DigestData:
    """Everything for the digests of `unit_ids` (None: every unit), in bulk."""
    defs = await indicators_repo.load_definitions(session)
    references = {i: ind.reference_period(d, today, asked) for i, d in defs}
    # The lag says when a period's figures usually arrive; load up to the newest complete
    # period too, so figures that came early are shown (see _newest_loaded).
    newest = {
        i: references[i] if asked else ind.last_complete(d.period_kind, today) for i, d in defs
    }
    windows = {i: (references[i].shift(-(CHART_PERIODS - 1)), newest[i]) for i, _ in defs}
    units = {u.id: u for u in await indicators_repo.live_units(session) if u.id is not None}
    parents = {uid: u.parent_id for uid, u in units.items()}
    wanted: set[int] | None = None
    if unit_ids is not None:
        wanted = set()
        for uid in unit_ids:
            wanted.update(descendants(uid, parents))
    values = await indicators_repo.load_values(session, windows, wanted)
    references = {i: _newest_loaded(values.get(i, {}), references[i], newest[i]) for i, _ in defs}
    data = DigestData(
        today=today,
        asked=asked,
        defs=defs,
        references=references,
        targets=await indicators_repo.unit_targets(session),
        values=values,
        units=units,
        parents=parents,
    )
    data.value_sources = await indicators_repo.value_sources(session, references, wanted)
    data.comparisons = await comparisons_repo.load(session, [i for i, d in defs if d.kolada_kpi])
    if data.comparisons:
        data.areas = await kolada_areas(session)
    await _load_items(session, data)
    await _load_pulses(session, data, list(wanted) if wanted is not None else list(units))
    data.meetings = await next_meetings(
        session, list(wanted) if wanted is not None else list(units)
    )
    return data


async def load_units(db: Database, unit_ids: Sequence[int], asked: Period | None) -> DigestData:
    """`load` for these units as of today, in its own transaction (the `digest` command
    and its card's buttons)."""
    async with db.session() as s:
        return await load(s, today=today_local(), asked=asked, unit_ids=unit_ids)


def _newest_loaded(by_unit: Series, expected: ind.Period, newest: ind.Period) -> ind.Period:
    """The period to show: the expected one (the newest complete less the usual lag), or
    a newer complete one that already has figures (a 2025 value loaded early is shown,
    not the 2024 one)."""
    best = expected
    if expected < newest:
        for series in by_unit.values():
            for period in series:
                if best < period <= newest:
                    best = period
    return best


async def _load_items(session: AsyncSession, data: DigestData) -> None:
    counts: dict[int, list[int]] = defaultdict(lambda: [0, 0, 0])
    waiting: dict[int, list[str]] = defaultdict(list)
    for item in await items_repo.active_items(session):
        counts[item.current_unit_id][0] += 1
        if item.origin_unit_id != item.current_unit_id:
            counts[item.current_unit_id][1] += 1
            counts[item.origin_unit_id][2] += 1
        top = _root(item.current_unit_id, data.parents)
        if item.at_top or item.current_unit_id == top:
            waiting[top].append(item.title)
    data.items = {u: ItemCounts(*c) for u, c in counts.items()}
    data.waiting = dict(waiting)


def _root(unit_id: int, parents: dict[int, int | None]) -> int:
    seen = set()
    while parents.get(unit_id) is not None and unit_id not in seen:
        seen.add(unit_id)
        parent = parents[unit_id]
        assert parent is not None
        unit_id = parent
    return unit_id


async def _load_pulses(session: AsyncSession, data: DigestData, unit_ids: list[int]) -> None:
    """The latest closed pulse per unit (one query). The score shown is the published
    "staff-rated collaboration" indicator value for the pulse's month, which the
    pulse module only gives when anonymity allows."""
    if not unit_ids:
        return
    rows = await session.execute(
        select(
            col(Pulse.unit_id),
            col(Pulse.period),
            col(Pulse.answer_count),
            col(Pulse.threshold),
            col(Pulse.closed_at),
        ).where(col(Pulse.unit_id).in_(unit_ids), col(Pulse.closed_at).is_not(None))
    )
    latest: dict[int, tuple[Any, ...]] = {}
    for uid, period, answers, threshold, closed_at in rows.all():
        if uid not in latest or closed_at > latest[uid][3]:
            latest[uid] = (period, answers or 0, threshold, closed_at)
    pulse_ind = next((i for i, d in data.defs if d.key == PULSE_INDICATOR), None)
    for uid, (period, answers, threshold, _closed) in latest.items():
        score = None
        if pulse_ind is not None:
            try:
                p = ind.parse_period(period)
            except ValueError:
                p = None
            got = data.values.get(pulse_ind, {}).get(uid, {}).get(p) if p else None
            score = got[0] if got else None
        data.pulses[uid] = PulseSummary(period, answers, threshold, score)


async def next_meetings(session: AsyncSession, unit_ids: list[int]) -> dict[int, datetime]:
    """The next meeting (not yet over, not cancelled) per unit, from the meetings module.

    A few units: `storage.meeting_lookup_repo.next_meeting(session, unit_id, now)`, its public
    function. A whole county: one query over its `MeetingOccurrence` table, so the
    digest never queries per unit. Without the meetings module: none known.
    """
    try:
        from storage import meeting_lookup_repo
        from storage.meeting_models import MeetingOccurrence
    except ImportError:
        return {}
    now = datetime.now(ZONE)
    out: dict[int, datetime] = {}
    if len(unit_ids) <= 5:
        for uid in unit_ids:
            occ = await meeting_lookup_repo.next_meeting(session, uid, now)
            if occ is not None:
                out[uid] = occ.starts_at.astimezone(ZONE)
        return out
    rows = await session.execute(
        select(col(MeetingOccurrence.unit_id), col(MeetingOccurrence.starts_at)).where(
            col(MeetingOccurrence.unit_id).in_(unit_ids),
            col(MeetingOccurrence.status) != "cancelled",
            col(MeetingOccurrence.ends_at) > now,
        )
    )
    for uid, starts in rows.all():
        if uid not in out or starts < out[uid]:
            out[uid] = starts
    return {u: s.astimezone(ZONE) for u, s in out.items()}


# ---------------------------------------------------------------------------
# Composing


def unit_series(
    data: DigestData, indicator_id: int, unit_id: int, defn: Definition
) -> dict[Period, tuple[float, float | None]]:
    """The unit's own (value, denominator) pairs; for a unit without any (a cluster above
    teams), the roll-up of the units below it, period by period."""
    by_unit = data.values.get(indicator_id, {})
    own = by_unit.get(unit_id)
    if own:
        return own
    below = [u for u in _descendants(data, unit_id) if u != unit_id]
    per_period: dict[Period, list[tuple[float, float | None]]] = defaultdict(list)
    for u in below:
        for p, pair in by_unit.get(u, {}).items():
            per_period[p].append(pair)
    out: dict[Period, tuple[float, float | None]] = {}
    for p, pairs in per_period.items():
        value = ind.rollup(pairs, defn.rollup).value
        if value is not None:
            out[p] = (value, None)
    return out


def _descendants(data: DigestData, unit_id: int) -> list[int]:
    got = data.below.get(unit_id)
    if got is None:
        got = data.below[unit_id] = descendants(unit_id, data.parents)
    return got


def _sources(data: DigestData, unit_id: int) -> list[str]:
    """What the unit's digest credits: the agreements its indicators come from, and where
    the figures shown came from (Kolada only when they did; a file's name when imported)."""
    if data.agreements is None:
        data.agreements = {d.source for _, d in data.defs if d.source}
    shown: set[str] = set()
    for uid in _descendants(data, unit_id):
        shown |= data.value_sources.get(uid, set())
    # Kolada's values are stored as "Källa: Kolada"; the card says "Källor: …" already.
    return sorted(data.agreements | {s.removeprefix("Källa: ") for s in shown})


def unit_digest(data: DigestData, unit_id: int, period_arg: str | None = None) -> UnitDigest:
    rows: list[ind.Row] = []
    targets = data.targets
    for i, d in data.defs:
        target = targets.get((i, unit_id), d.target)
        series = unit_series(data, i, unit_id, d)
        rows.append(ind.evaluate_pairs(d, series, data.references[i], target))
    rows = ind.sort_rows(rows)
    unit = data.units[unit_id]
    return UnitDigest(
        comparisons=_comparisons(data, unit, rows),
        peer_name=data.areas.peer_name,
        unit_id=unit_id,
        unit_name=unit.name,
        rows=rows,
        headline=ind.headline(rows),
        today=data.today,
        period_arg=period_arg,
        pulse=data.pulses.get(unit_id),
        items=data.items.get(unit_id, ItemCounts()),
        next_meeting=data.meetings.get(unit_id),
        sources=_sources(data, unit_id),
    )


def _comparisons(data: DigestData, unit: Unit, rows: Sequence[ind.Row]) -> dict[str, Comparison]:
    """Riket, the county and the peer group for each row's period (Kolada indicators)."""
    if not data.comparisons:
        return {}
    ids = {d.key: i for i, d in data.defs}
    out: dict[str, Comparison] = {}
    for row in rows:
        if row.period is None or not row.defn.kolada_kpi:
            continue
        by_area = data.comparisons.get(ids[row.defn.key], {}).get(row.period.label)
        if by_area:
            found = compare(by_area, data.areas, own_code=unit.kolada_id)
            if not found.empty:
                out[row.defn.key] = found
    return out


def county_units(data: DigestData, macro_id: int) -> list[int]:
    """The units compared in a county digest: every unit below the macro unit except
    county-wide topic groups."""
    return [
        u for u in _descendants(data, macro_id) if u != macro_id and data.units[u].level != "topic"
    ]


def county_digest(data: DigestData, macro_id: int, period_arg: str | None = None) -> CountyDigest:
    unit_ids = county_units(data, macro_id)
    rows = []
    for i, d in data.defs:
        targets = {u: data.targets.get((i, u), d.target) for u in unit_ids}
        rows.append(
            ind.county_row(d, data.values.get(i, {}), targets, unit_ids, data.references[i])
        )
    rows.sort(key=lambda r: (0 if r.off_units else 1, -len(r.off_units)))
    waiting = data.waiting.get(macro_id, [])
    return CountyDigest(
        unit_id=macro_id,
        unit_name=data.units[macro_id].name,
        rows=rows,
        unit_names={u: data.units[u].name for u in unit_ids},
        unit_count=len(unit_ids),
        today=data.today,
        period_arg=period_arg,
        waiting_items=waiting[:5],
        waiting_count=len(waiting),
    )


def is_county(unit: Unit) -> bool:
    return unit.level == "macro"


def digest_card(
    data: DigestData,
    unit_id: int,
    lang: str,
    *,
    period_arg: str | None = None,
    expanded: bool = False,
    page: int = 1,
) -> tuple[Card, str]:
    """The card for a unit (the county view for a macro unit) and its one-line summary;
    `page` pages the expanded rows (the county's indicator table)."""
    unit = data.units[unit_id]
    if is_county(unit):
        c = county_digest(data, unit_id, period_arg)
        return county_digest_card(c, lang, page), t(lang, "digest.county_title", unit=unit.name)
    d = unit_digest(data, unit_id, period_arg)
    summary = t(lang, "digest.summary", unit=unit.name, headline=headline_text(d, lang))
    return unit_digest_card(d, lang, expanded=expanded, page=page), summary


def today_local(now: datetime | None = None) -> date:
    return (now or datetime.now(ZONE)).astimezone(ZONE).date()


# ---------------------------------------------------------------------------
# Pulse values as an indicator


async def sync_pulse_values(session: AsyncSession, period: Period) -> int:
    """Copy the pulse module's published "staff-rated collaboration" values for
    `period` into indicator values (when that indicator is defined). Returns rows
    written. Coordinates through storage.pulse_indicator_repo.pulse_indicator_values."""
    ids = await indicators_repo.definition_ids(session)
    ind_id = ids.get(PULSE_INDICATOR)
    if ind_id is None:
        return 0
    from storage import pulse_indicator_repo

    got = await pulse_indicator_repo.pulse_indicator_values(session, period.label)
    rows = [indicators_repo.ValueIn(ind_id, uid, p, v, None, PULSE_SOURCE) for uid, p, v in got]
    res = await indicators_repo.upsert_values(session, rows)
    return res.inserted + res.updated


# ---------------------------------------------------------------------------
# Delivery


async def unit_recipients(
    session: AsyncSession, unit_id: int, context: JobContext
) -> indicators_repo.UnitRecipients:
    """The unit's recipients now. Subscriptions of people who lost the role are left out
    and dropped (in the caller's transaction). Who else may lead a unit at send time:
    the global admins and, where Graph roles are on, members of the Entra groups the
    org file names (both from the context)."""
    graph = context.graph
    people = (
        await indicators_repo.recipients(
            session,
            [unit_id],
            admins=context.admins,
            group_member=graph.is_member if graph is not None else None,
        )
    )[unit_id]
    if people.lapsed:
        await indicators_repo.drop_subscriptions(session, unit_id, people.lapsed)
        log.info(
            "digest unit %s: %d subscription(s) lapsed with the role", unit_id, len(people.lapsed)
        )
    return people


@dataclass
class Delivery:
    sent_to: list[str] = field(default_factory=list)
    unreachable: list[str] = field(default_factory=list)
    installed: list[str] = field(default_factory=list)  # app installed for them just now
    # Of another organisation (a shared channel's other tenant): reached only in the
    # channel, never through Graph against our tenant (core/tenancy.py `reach`).
    elsewhere: list[str] = field(default_factory=list)
    reported_to: list[str] = field(default_factory=list)
    channel: bool = False


async def deliver_unit(
    session: AsyncSession,
    unit_id: int,
    occurrence_at: datetime,
    context: JobContext,
    *,
    default_lang: str = "sv",
) -> Delivery:
    """Queue the unit's digest for its managers (and its channel if the unit chose so)."""
    unit = await session.get(Unit, unit_id)
    out = Delivery()
    if unit is None or unit.archived_at is not None:
        return out
    local = occurrence_at.astimezone(ZONE)
    try:
        await sync_pulse_values(session, ind.last_complete("month", local.date()))
    except Exception:  # the pulse figures are a bonus; never block the digest
        log.exception("syncing pulse values failed")
    data = await load(session, today=local.date(), unit_ids=[unit_id])
    people = await unit_recipients(session, unit_id, context)
    stamp = occurrence_at.isoformat()
    cards: dict[str, tuple[Card, str]] = {}

    def card_for(lang: str) -> tuple[Card, str]:
        if lang not in cards:
            cards[lang] = digest_card(data, unit_id, lang)
        return cards[lang]

    unreachable: list[indicators_repo.Recipient] = []
    for person in people.managers:
        if person.conversation_pk is None:
            unreachable.append(person)
            continue
        c, summary = card_for(person.lang or default_lang)
        key = f"digest:{unit_id}:{stamp}:{person.aad_object_id or person.person}"
        await outbox_repo.enqueue(session, key, person.conversation_pk, card_message(c, summary))
        out.sent_to.append(person.display)
    settings = (unit.defaults or {}).get("digest") or {}
    if settings.get("channel") and people.channel_pk is not None:
        c, summary = card_for(default_lang)
        await outbox_repo.enqueue(
            session,
            f"digest:{unit_id}:{stamp}:channel",
            people.channel_pk,
            card_message(c, summary),
        )
        out.channel = True
    elsewhere = [p for p in unreachable if _other_organisation(p, context)]
    unreachable = [p for p in unreachable if p not in elsewhere]
    out.elsewhere = [p.display for p in elsewhere]
    installed = await _try_install(unreachable, context.install_hook)
    for person in unreachable:
        if person.aad_object_id is not None and person.aad_object_id in installed:
            # Teams now creates their personal chat (conversationUpdate, stored by
            # bot/handlers/lifecycle.py): they get the next digest, or `/digest` now.
            out.installed.append(person.display)
        else:
            out.unreachable.append(person.display)
    if out.unreachable:
        await _report_unreachable(session, unit, people, out, stamp, default_lang)
    if out.elsewhere:
        await _report_unreachable(
            session, unit, people, out, stamp, default_lang, other_organisation=True
        )
    return out


def _other_organisation(person: indicators_repo.Recipient, context: JobContext) -> bool:
    """A manager of another tenant: the bot cannot write to them personally."""
    if context.own_tenant is None or person.tenant is None:
        return False
    return reach(person.tenant, context.own_tenant).why_not is Unreachable.OTHER_TENANT


async def _try_install(
    people: list[indicators_repo.Recipient], hook: InstallHook | None
) -> set[str]:
    """Make unreachable managers reachable where the tenant lets the bot install itself
    (services/app_install.py); returns the object ids it installed for."""
    ids = [p.aad_object_id for p in people if p.aad_object_id]
    if hook is None or not ids:
        return set()
    try:
        return {i.lower() for i in await hook(ids)}
    except Exception:  # installing is a bonus; the coordinators still hear about them
        log.exception("installing the app for unreachable managers failed")
        return set()


async def _report_unreachable(
    session: AsyncSession,
    unit: Unit,
    people: indicators_repo.UnitRecipients,
    out: Delivery,
    stamp: str,
    lang: str,
    *,
    other_organisation: bool = False,
) -> None:
    """Tell the unit's coordinators (their personal chats, else the unit's channel),
    once per occurrence, who could not be reached and how to fix it (or, for people of
    another organisation, that they are reached only in the channel)."""
    coordinators = list(people.coordinators)
    if not coordinators:
        parents = await roles_repo.parents_map(session)
        chain = []
        uid = parents.get(unit.id) if unit.id is not None else None
        while uid is not None:
            chain.append(uid)
            uid = parents.get(uid)
        if chain:
            above = await indicators_repo.recipients(session, chain)
            for cid in chain:
                if above[cid].coordinators:
                    coordinators = list(above[cid].coordinators)
                    break
    names = ", ".join(out.elsewhere if other_organisation else out.unreachable)
    text_key = "tenancy.digest_elsewhere" if other_organisation else "digest.unreachable"
    tag = "digest-elsewhere" if other_organisation else "digest-unreachable"
    if other_organisation:
        # Told once: that these people belong to another organisation does not change with
        # each digest, so the key names the people, not the occurrence (a new name: again).
        stamp = hashlib.sha256("\n".join(sorted(out.elsewhere)).encode()).hexdigest()[:16]
    reached = False
    for c in coordinators:
        if c.conversation_pk is None:
            continue
        text = t(c.lang or lang, text_key, unit=unit.name, people=names)
        key = f"{tag}:{unit.id}:{stamp}:{c.aad_object_id or c.person}"
        await outbox_repo.enqueue(
            session,
            key,
            c.conversation_pk,
            {"type": "message", "text": text, "textFormat": "markdown"},
        )
        out.reported_to.append(c.display)
        reached = True
    if not reached and people.channel_pk is not None:
        text = t(lang, text_key, unit=unit.name, people=names)
        await outbox_repo.enqueue(
            session,
            f"{tag}:{unit.id}:{stamp}:channel",
            people.channel_pk,
            {"type": "message", "text": text, "textFormat": "markdown"},
        )
        out.reported_to.append("channel")
    if not out.reported_to:
        log.warning(
            "digest for unit %s: %d managers unreachable and nobody to tell",
            unit.id,
            len(out.unreachable),
        )


async def digest_job(
    session: AsyncSession, schedule: Schedule, occurrence_at: datetime, context: JobContext
) -> None:
    if schedule.unit_id is None:
        return
    lang = str(schedule.payload.get("lang") or "sv")
    result = await deliver_unit(
        session, schedule.unit_id, occurrence_at, context, default_lang=lang
    )
    log.info(
        "digest unit %s: %d sent, %d app installed, %d unreachable, reported to %d",
        schedule.unit_id,
        len(result.sent_to),
        len(result.installed),
        len(result.unreachable),
        len(result.reported_to),
    )


def schedule_key(unit_id: int) -> str:
    return f"digest:unit:{unit_id}"


async def ensure_schedules(session: AsyncSession, unit_ids: Sequence[int] | None = None) -> int:
    """A `digest` schedule per live unit, from `defaults.digest.cadence` (default monthly,
    first Monday 08:00); `cadence: off` deactivates it. Returns schedules active."""
    units = await indicators_repo.live_units(session)
    active = 0
    for unit in units:
        if unit.id is None or (unit_ids is not None and unit.id not in unit_ids):
            continue
        settings = (unit.defaults or {}).get("digest") or {}
        try:
            trigger = ind.digest_trigger(settings.get("cadence"))
        except ValueError:
            log.warning(
                "unit %s: digest cadence %r not understood; using the default",
                unit.name,
                settings.get("cadence"),
            )
            trigger = ind.digest_trigger(None)
        if trigger is None:
            await schedules_repo.deactivate_schedule(session, schedule_key(unit.id))
            continue
        await schedules_repo.upsert_schedule(session, schedule_key(unit.id), KIND, unit.id, trigger)
        active += 1
    return active
