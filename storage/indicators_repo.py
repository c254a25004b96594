"""Indicators in the database: definitions, targets, values, digest recipients.

Everything the digest needs is loaded in bulk: a county digest for 300 units and
40 indicators is a handful of queries, never one per indicator or per unit.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Awaitable, Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import and_, delete, func, or_, tuple_, update
from sqlalchemy import select as sa_select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from core.indicators import Definition, Direction, Period, Rollup, intern_period, parse_period
from core.org import GROUP_PREFIX, fold
from core.roles import allows, effective_roles
from storage.indicator_models import (
    DigestSubscription,
    IndicatorDefinition,
    IndicatorTarget,
    IndicatorValue,
)
from storage.models import (
    AuditEvent,
    ChannelBinding,
    Conversation,
    Person,
    RoleAssignment,
    Unit,
)
from storage.roles_repo import parents_map
from storage.types import utcnow
from storage.upsert import dialect_insert, insert_missing

# (value, denominator) by unit id, then by period.
Series = dict[int, dict[Period, tuple[float, float | None]]]


def to_definition(row: IndicatorDefinition) -> Definition:
    return Definition(
        key=row.key,
        name_sv=row.name_sv,
        name_en=row.name_en,
        unit=row.unit,
        direction=Direction(row.direction),
        target=row.target,
        period_kind=row.period_kind,
        source=row.source,
        kolada_kpi=row.kolada_kpi,
        rollup=Rollup(row.rollup),
        tolerance=row.tolerance,
        trend_periods=row.trend_periods,
        lag_periods=row.lag_periods,
        decimals=row.decimals,
    )


# ---------------------------------------------------------------------------
# Definitions


@dataclass
class DefinitionResult:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    targets: int = 0
    problems: list[str] = field(default_factory=list)
    # Said, not refused: a per-unit target for a unit this org does not have (the shared
    # indicator file names units of one county; another county loads it all the same).
    warnings: list[str] = field(default_factory=list)


async def save_definitions(
    session: AsyncSession,
    defs: Sequence[Definition],
    overrides: Mapping[str, Mapping[str, float]] | None = None,
) -> DefinitionResult:
    """Create or update definitions by key (idempotent) and replace per-unit targets.

    Unit names in `overrides` are matched case-insensitively; a name no unit has is a
    warning and its target is left out (targets per unit are optional).
    """
    result = DefinitionResult()
    units = {fold(u.name): u.id for u in (await session.execute(select(Unit))).scalars().all()}
    known: dict[str, dict[str, float]] = {}
    for key, by_unit in (overrides or {}).items():
        for name, target in by_unit.items():
            if fold(name) not in units:
                result.warnings.append(
                    f"{key}.targets: no unit named {name!r} in this org; target left out"
                )
            else:
                known.setdefault(key, {})[name] = target
    overrides = known
    existing = {
        r.key: r for r in (await session.execute(select(IndicatorDefinition))).scalars().all()
    }
    for position, d in enumerate(defs):
        desired: dict[str, Any] = {
            "name_sv": d.name_sv,
            "name_en": d.name_en,
            "unit": d.unit,
            "direction": d.direction.value,
            "target": d.target,
            "period_kind": d.period_kind,
            "source": d.source,
            "kolada_kpi": d.kolada_kpi,
            "rollup": d.rollup.value,
            "tolerance": d.tolerance,
            "trend_periods": d.trend_periods,
            "lag_periods": d.lag_periods,
            "decimals": d.decimals,
            "position": position,
            "active": True,
        }
        row = existing.get(d.key)
        if row is None and await insert_missing(
            session,
            IndicatorDefinition,
            {"key": d.key, **desired, "updated_at": utcnow()},
            ["key"],
        ):
            result.created += 1
            continue
        if row is None:  # a concurrent load created it since we looked
            row = (
                await session.execute(
                    select(IndicatorDefinition).where(col(IndicatorDefinition.key) == d.key)
                )
            ).scalar_one()
        if any(getattr(row, k) != v for k, v in desired.items()):
            for k, v in desired.items():
                setattr(row, k, v)
            row.updated_at = utcnow()
            result.updated += 1
        else:
            result.unchanged += 1
    await session.flush()
    ids = await definition_ids(session)
    for key, by_unit in (overrides or {}).items():
        ind = ids[key]
        current = {
            t.unit_id: t
            for t in (
                await session.execute(
                    select(IndicatorTarget).where(col(IndicatorTarget.indicator_id) == ind)
                )
            )
            .scalars()
            .all()
        }
        for name, target in by_unit.items():
            uid = units[fold(name)]
            assert uid is not None
            row_t = current.get(uid)
            if row_t is not None:
                row_t.target = target
            elif not await insert_missing(
                session,
                IndicatorTarget,
                {"indicator_id": ind, "unit_id": uid, "target": target},
                ["indicator_id", "unit_id"],
            ):  # a concurrent load added it since we looked
                await session.execute(
                    update(IndicatorTarget)
                    .where(
                        col(IndicatorTarget.indicator_id) == ind,
                        col(IndicatorTarget.unit_id) == uid,
                    )
                    .values(target=target)
                )
            result.targets += 1
    await session.flush()
    return result


async def definition_ids(session: AsyncSession) -> dict[str, int]:
    rows = await session.execute(select(col(IndicatorDefinition.key), col(IndicatorDefinition.id)))
    return {k: i for k, i in rows.all() if i is not None}


async def load_definitions(session: AsyncSession) -> list[tuple[int, Definition]]:
    """Active definitions in the file's order, with their row ids."""
    rows = (
        await session.execute(
            select(IndicatorDefinition)
            .where(col(IndicatorDefinition.active).is_(True))
            .order_by(col(IndicatorDefinition.position), col(IndicatorDefinition.key))
        )
    ).scalars()
    return [(r.id, to_definition(r)) for r in rows.all() if r.id is not None]


async def unit_targets(session: AsyncSession) -> dict[tuple[int, int], float]:
    """(indicator id, unit id) -> the unit's own target."""
    rows = await session.execute(
        select(
            col(IndicatorTarget.indicator_id),
            col(IndicatorTarget.unit_id),
            col(IndicatorTarget.target),
        )
    )
    return {(i, u): t for i, u, t in rows.all()}


# ---------------------------------------------------------------------------
# Values


@dataclass(frozen=True)
class ValueIn:
    indicator_id: int
    unit_id: int
    period: str  # canonical label
    value: float
    denominator: float | None = None
    source: str = ""


@dataclass
class UpsertResult:
    inserted: int = 0
    updated: int = 0
    unchanged: int = 0


_CHUNK = 500


async def upsert_values(session: AsyncSession, values: Sequence[ValueIn]) -> UpsertResult:
    """Insert new figures, update changed ones, leave equal ones alone.

    A re-import of the same data changes nothing (not even `imported_at`). The
    last row wins when `values` holds the same key twice.
    """
    result = UpsertResult()
    wanted: dict[tuple[int, int, str], ValueIn] = {}
    for v in values:
        wanted[(v.indicator_id, v.unit_id, v.period)] = v
    keys = list(wanted)
    existing: dict[tuple[int, int, str], IndicatorValue] = {}
    for start in range(0, len(keys), _CHUNK):
        chunk = keys[start : start + _CHUNK]
        rows = await session.execute(
            select(IndicatorValue).where(
                tuple_(
                    col(IndicatorValue.indicator_id),
                    col(IndicatorValue.unit_id),
                    col(IndicatorValue.period),
                ).in_(chunk)
            )
        )
        for row in rows.scalars().all():
            existing[(row.indicator_id, row.unit_id, row.period)] = row
    now = utcnow()
    new_rows: list[dict[str, Any]] = []
    for key, v in wanted.items():
        found = existing.get(key)
        if found is None:
            new_rows.append(
                {
                    "indicator_id": v.indicator_id,
                    "unit_id": v.unit_id,
                    "period": v.period,
                    "value": v.value,
                    "denominator": v.denominator,
                    "source": v.source,
                    "imported_at": now,
                }
            )
        elif (found.value, found.denominator, found.source) != (v.value, v.denominator, v.source):
            found.value, found.denominator, found.source = v.value, v.denominator, v.source
            found.imported_at = now
            result.updated += 1
        else:
            result.unchanged += 1
    await session.flush()
    # New figures: a concurrent import (or a closing pulse) may add the same key since we
    # looked; the later write wins, as it would one after the other.
    for start in range(0, len(new_rows), _CHUNK):
        stmt = dialect_insert(session, IndicatorValue).values(new_rows[start : start + _CHUNK])
        excluded = stmt.excluded
        await session.execute(
            stmt.on_conflict_do_update(
                index_elements=["indicator_id", "unit_id", "period"],
                set_={
                    "value": excluded.value,
                    "denominator": excluded.denominator,
                    "source": excluded.source,
                    "imported_at": excluded.imported_at,
                },
            )
        )
    result.inserted = len(new_rows)
    return result


async def load_values(
    session: AsyncSession,
    windows: Mapping[int, tuple[Period, Period]],
    unit_ids: Iterable[int] | None = None,
) -> dict[int, Series]:
    """indicator id -> unit id -> period -> (value, denominator), in one query.

    `windows[indicator id] = (first, last)` bounds the periods loaded (labels of one
    kind sort like their periods). `unit_ids` None: every unit.
    """
    if not windows:
        return {}
    # One condition per distinct window (indicators of a kind and lag share one), not
    # one per indicator: a shorter statement to compile and for the database to plan.
    by_window: dict[tuple[str, str], list[int]] = defaultdict(list)
    for ind, (first, last) in windows.items():
        by_window[(first.label, last.label)].append(ind)
    conditions = [
        and_(
            col(IndicatorValue.indicator_id).in_(inds),
            col(IndicatorValue.period) >= first,
            col(IndicatorValue.period) <= last,
        )
        for (first, last), inds in by_window.items()
    ]
    query = sa_select(
        col(IndicatorValue.indicator_id),
        col(IndicatorValue.unit_id),
        col(IndicatorValue.period),
        col(IndicatorValue.value),
        col(IndicatorValue.denominator),
    ).where(or_(*conditions))
    if unit_ids is not None:
        ids = list(unit_ids)
        query = query.where(col(IndicatorValue.unit_id).in_(ids))
    out: dict[int, Series] = {}
    parsed: dict[str, Period] = {}
    # A Core query on the session's connection: no ORM row processing for ~10^5 rows.
    # Rows come grouped by indicator (its index), mostly by unit too: keep the last
    # series at hand instead of two dict look-ups per row.
    conn = await session.connection()
    last_key: tuple[int, int] | None = None
    series: dict[Period, tuple[float, float | None]] = {}
    for ind, uid, label, value, denominator in (await conn.execute(query)).all():
        period = parsed.get(label)
        if period is None:
            # Interned: the digest's look-ups by period then hit on identity.
            period = parsed[label] = intern_period(parse_period(label))
        if (ind, uid) != last_key:
            last_key = (ind, uid)
            series = out.setdefault(ind, {}).setdefault(uid, {})
        series[period] = (value, denominator)
    return out


async def value_sources(
    session: AsyncSession,
    references: Mapping[int, Period],
    unit_ids: Iterable[int] | None = None,
) -> dict[int, set[str]]:
    """unit id -> where the figures a digest shows came from (the `source` of each value
    at its indicator's reference period: "Källa: Kolada", "Fil: värden.csv", ...)."""
    if not references:
        return {}
    by_period: dict[str, list[int]] = defaultdict(list)
    for ind, period in references.items():
        by_period[period.label].append(ind)
    query = sa_select(col(IndicatorValue.unit_id), col(IndicatorValue.source)).where(
        or_(
            *(
                and_(
                    col(IndicatorValue.period) == label, col(IndicatorValue.indicator_id).in_(inds)
                )
                for label, inds in by_period.items()
            )
        ),
        col(IndicatorValue.source) != "",
    )
    if unit_ids is not None:
        query = query.where(col(IndicatorValue.unit_id).in_(list(unit_ids)))
    out: dict[int, set[str]] = defaultdict(set)
    for uid, source in (await session.execute(query.distinct())).all():
        out[uid].add(source)
    return dict(out)


async def latest_import(session: AsyncSession) -> datetime | None:
    rows = await session.execute(
        select(col(IndicatorValue.imported_at))
        .order_by(col(IndicatorValue.imported_at).desc())
        .limit(1)
    )
    return rows.scalar_one_or_none()


async def value_count(session: AsyncSession) -> int:
    from sqlalchemy import func

    return int(
        (await session.execute(select(func.count()).select_from(IndicatorValue))).scalar_one()
    )


# ---------------------------------------------------------------------------
# Subscriptions and recipients


async def set_subscription(
    session: AsyncSession, unit_id: int, person: str, subscribed: bool
) -> bool:
    """Record a person's choice; True if it changed anything."""
    person = person.lower()
    values = {
        "unit_id": unit_id,
        "person": person,
        "subscribed": subscribed,
        "updated_at": utcnow(),
    }
    if await insert_missing(session, DigestSubscription, values, ["unit_id", "person"]):
        return True
    row = (
        await session.execute(
            select(DigestSubscription).where(
                col(DigestSubscription.unit_id) == unit_id, col(DigestSubscription.person) == person
            )
        )
    ).scalar_one()
    if row.subscribed == subscribed:
        return False
    row.subscribed = subscribed
    row.updated_at = utcnow()
    await session.flush()
    return True


async def subscriptions_of(session: AsyncSession, person: str) -> dict[int, bool]:
    rows = await session.execute(
        select(col(DigestSubscription.unit_id), col(DigestSubscription.subscribed)).where(
            col(DigestSubscription.person) == person.lower()
        )
    )
    return {u: s for u, s in rows.all()}


@dataclass(frozen=True)
class Recipient:
    """A manager (or subscriber) of a unit, and where the bot can reach them."""

    person: str  # as named in the org file or the subscription (object id or UPN)
    aad_object_id: str | None
    conversation_pk: int | None  # their personal chat with the bot, if installed
    display: str  # what to call them in a report
    lang: str | None = None  # their chosen language, if any
    tenant: str | None = None  # their own tenant, once seen (core/tenancy.py `reach`)


@dataclass(frozen=True)
class UnitRecipients:
    managers: tuple[Recipient, ...]
    coordinators: tuple[Recipient, ...]
    channel_pk: int | None  # the unit's channel, if bound
    # Subscribers who no longer lead the unit (object ids): left out, to be dropped.
    lapsed: tuple[str, ...] = ()


# (Entra group object id, the person's keys) -> is a member; Graph, where configured.
GroupCheck = Callable[[str, list[str]], Awaitable[bool]]


async def recipients(
    session: AsyncSession,
    unit_ids: Sequence[int],
    *,
    admins: Collection[str] = (),
    group_member: GroupCheck | None = None,
) -> dict[int, UnitRecipients]:
    """Per unit: managers from the org file plus subscribers, less those who opted out;
    coordinators (to report unreachable managers to); the unit's channel. Five queries.

    A subscription counts only while its person still leads the unit (manager,
    coordinator or admin there or above, by the role rows as they are now; `admins`
    are the global ones; roles of Entra groups through `group_member`, else none):
    `digest subscribe` needed the role, and losing it ends the digest."""
    ids = list(unit_ids)
    roles = await session.execute(
        select(
            col(RoleAssignment.unit_id), col(RoleAssignment.person), col(RoleAssignment.role)
        ).where(
            col(RoleAssignment.unit_id).in_(ids),
            col(RoleAssignment.role).in_(["manager", "coordinator"]),
        )
    )
    managers: dict[int, list[str]] = defaultdict(list)
    coordinators: dict[int, list[str]] = defaultdict(list)
    for uid, person, role in roles.all():
        (managers if role == "manager" else coordinators)[uid].append(person.lower())
    subs = await session.execute(
        select(
            col(DigestSubscription.unit_id),
            col(DigestSubscription.person),
            col(DigestSubscription.subscribed),
        ).where(col(DigestSubscription.unit_id).in_(ids))
    )
    opted_out: set[tuple[int, str]] = set()
    subscribed_to: list[tuple[int, str]] = []
    for uid, person, subscribed in subs.all():
        if subscribed:
            subscribed_to.append((uid, person))
        else:
            opted_out.add((uid, person))
    leads = await _still_leading(session, subscribed_to, admins, group_member)
    lapsed: dict[int, list[str]] = defaultdict(list)
    for uid, person in subscribed_to:
        if (uid, person) not in leads:
            lapsed[uid].append(person)
        elif person not in managers[uid]:
            managers[uid].append(person)
    everyone = {p for ps in managers.values() for p in ps} | {
        p for ps in coordinators.values() for p in ps
    }
    people = (
        (
            await session.execute(
                select(Person).where(
                    or_(
                        col(Person.upn).in_(list(everyone)),
                        col(Person.aad_object_id).in_(list(everyone)),
                    )
                )
            )
        )
        .scalars()
        .all()
    )
    aad_of: dict[str, str] = {}
    name_of: dict[str, str] = {}
    lang_of: dict[str, str] = {}
    tenant_of: dict[str, str] = {}
    for p in people:
        for k in (p.aad_object_id.lower(), (p.upn or "").lower()):
            if k:
                aad_of[k] = p.aad_object_id.lower()
                if p.tenant_id:
                    tenant_of[k] = p.tenant_id.lower()
                if p.display_name:
                    name_of[k] = p.display_name
                if p.language:
                    lang_of[k] = p.language
    convs = await session.execute(
        select(col(Conversation.user_aad_id), col(Conversation.id)).where(
            col(Conversation.kind) == "personal",
            col(Conversation.active).is_(True),
            col(Conversation.user_aad_id).is_not(None),
        )
    )
    conv_of = {str(a).lower(): pk for a, pk in convs.all() if pk is not None}
    bindings = await session.execute(
        select(col(ChannelBinding.unit_id), col(ChannelBinding.conversation_pk)).where(
            col(ChannelBinding.unit_id).in_(ids), col(ChannelBinding.active).is_(True)
        )
    )
    channel_of = dict(bindings.all())

    def resolve(person: str) -> Recipient:
        aad = aad_of.get(person) or (person if "@" not in person else None)
        display = name_of.get(person) or person
        conv = conv_of.get(aad) if aad else None
        return Recipient(person, aad, conv, display, lang_of.get(person), tenant_of.get(person))

    out: dict[int, UnitRecipients] = {}
    for uid in ids:
        mgrs = tuple(
            resolve(p)
            for p in sorted(set(managers.get(uid, [])))
            if (uid, p) not in opted_out and (uid, aad_of.get(p, p)) not in opted_out
        )
        coords = tuple(resolve(p) for p in sorted(set(coordinators.get(uid, []))))
        out[uid] = UnitRecipients(
            mgrs, coords, channel_of.get(uid), tuple(sorted(lapsed.get(uid, [])))
        )
    return out


async def _still_leading(
    session: AsyncSession,
    subscriptions: Sequence[tuple[int, str]],
    admins: Collection[str],
    group_member: GroupCheck | None,
) -> set[tuple[int, str]]:
    """The (unit, person) subscriptions whose person holds manager or above for the unit
    now, inherited from above. Three queries, whatever the number of subscribers."""
    if not subscriptions:
        return set()
    people = {p for _, p in subscriptions}
    keys_of: dict[str, set[str]] = {p: {p} for p in people}
    rows = await session.execute(
        select(col(Person.aad_object_id), col(Person.upn)).where(
            func.lower(col(Person.aad_object_id)).in_(list(people))
        )
    )
    for aad, upn in rows.all():
        if upn:
            keys_of[aad.lower()].add(upn.lower())
    owner_of = {k: p for p, ks in keys_of.items() for k in ks}
    role_rows = await session.execute(
        select(
            col(RoleAssignment.unit_id), col(RoleAssignment.person), col(RoleAssignment.role)
        ).where(
            or_(
                col(RoleAssignment.person).in_(list(owner_of)),
                col(RoleAssignment.person).startswith(GROUP_PREFIX),
            )
        )
    )
    held: dict[str, dict[int, set[str]]] = {p: defaultdict(set) for p in people}
    for uid, key, role in role_rows.all():
        if key.startswith(GROUP_PREFIX):
            if group_member is None:
                continue  # without Graph, a group's role grants nothing (as for commands)
            group = key.removeprefix(GROUP_PREFIX)
            for person in people:
                if await group_member(group, sorted(keys_of[person])):
                    held[person][uid].add(role)
        elif key.lower() in owner_of:
            held[owner_of[key.lower()]][uid].add(role)
    parents = await parents_map(session)
    admin_keys = {a.lower() for a in admins}
    return {
        (uid, person)
        for uid, person in subscriptions
        if allows(
            effective_roles(
                uid, parents, held[person], global_admin=bool(keys_of[person] & admin_keys)
            ),
            "manager",
        )
    }


async def drop_subscriptions(session: AsyncSession, unit_id: int, people: Sequence[str]) -> int:
    """Delete subscriptions whose person no longer leads the unit (an audit event each).

    Deleted rather than set to "opted out", so a role given back brings the digest again."""
    if not people:
        return 0
    result = await session.execute(
        delete(DigestSubscription).where(
            col(DigestSubscription.unit_id) == unit_id,
            col(DigestSubscription.person).in_(list(people)),
            col(DigestSubscription.subscribed).is_(True),
        )
    )
    for person in people:
        session.add(
            AuditEvent(
                actor=None,
                action="digest.subscription.lapsed",
                unit_id=unit_id,
                details={"person": person, "reason": "no manager or coordinator role"},
            )
        )
    return int(result.rowcount)  # type: ignore[attr-defined]


# ---------------------------------------------------------------------------
# Units


async def live_units(session: AsyncSession) -> list[Unit]:
    rows = await session.execute(
        select(Unit).where(col(Unit.archived_at).is_(None)).order_by(col(Unit.name))
    )
    return list(rows.scalars().all())


def units_by_kolada(units: Iterable[Unit]) -> dict[str, list[int]]:
    """Municipality code -> units carrying it (a municipality may have several forums)."""
    out: dict[str, list[int]] = defaultdict(list)
    for u in units:
        if u.kolada_id and u.id is not None:
            out[u.kolada_id].append(u.id)
    return dict(out)
