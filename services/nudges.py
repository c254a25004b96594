"""The daily nudge: everything waiting for each person, gathered into one personal card.

`waiting_for_everyone(session, today, now, secret)` reads what waits, in a handful of bulk
queries, as core/nudges.py `Waiting` rows per person (tenant id, object id):

- my open actions: due soon, due today, overdue (every nudge day while overdue);
- actions of a unit I coordinate, overdue beyond the org file's limit (the coordinator
  hears, after the owner was reminded);
- items at a unit I coordinate, not yet acknowledged;
- items assigned to me (acknowledged or sent back with me as owner, by name or UPN);
- answers (resolved, sent back) since the previous working day to items I raised;
- a pulse open in a unit whose channel I am in, that I have not answered, on the one
  reminder day before it closes (who answered is known only while it is open).

Who sees what follows the scope rules: coordinators see their units (nearest
coordinator up, as for refusals), owners their own actions, the raiser their own item,
channel members their unit's pulse (and never an answer). `nudge_job` (listed in
scheduler/kinds.py) runs hourly in the window and sends each person one card on their
nudge days (`services/personal.py`, key per person, day and subject "nudge"), and what
the org file marks urgent at once (subject "urgent:<subject>").
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import func, or_
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from cards.base import card_message
from cards.nudges import nudge_card
from core import escalation as esc
from core import nudges as rules
from core.holidays import is_working_day
from core.org import GROUP_PREFIX
from core.roles import ancestors
from i18n.texts import t
from services import alert_nudges, nudge_only
from services.context import JobContext
from services.nudge_only import Only
from services.people import language_of
from services.personal import Message, Outcome, send_many
from storage import (
    channels_repo,
    meeting_lookup_repo,
    pulse_answers_repo,
    pulse_repo,
    roles_repo,
)
from storage.db import Database
from storage.item_models import Item, ItemEvent
from storage.meeting_models import ActionItem, MeetingSeries
from storage.models import ChannelBinding, ChannelMember, Conversation, Person, Schedule, Unit
from storage.people_models import NudgeSnooze
from storage.pulse_models import Pulse
from storage.schedules_repo import upsert_schedule

log = logging.getLogger(__name__)

KIND = "nudges"
KEY = "nudges:daily"
# Hourly at :05 on weekdays in the widest window; each run sends only inside a person's
# unit window, the gathered card once a day (its outbox key), urgent rows as they come.
TRIGGER: dict[str, Any] = {"day_of_week": "mon-fri", "hour": "6-18", "minute": "5"}

PersonKey = tuple[str, str]  # (tenant id, Entra object id)


async def ensure_schedule(session: AsyncSession) -> None:
    """The county-wide nudge schedule (idempotent)."""
    await upsert_schedule(session, KEY, KIND, None, TRIGGER, {}, 3600)


@dataclass
class Directory:
    """People known to the bot, by object id and by UPN / name (lower case), and their
    rows in `people`; read for one person (`directory(only=...)`), everyone's identifiers
    and names but only that person's row."""

    people: dict[PersonKey, Person] = field(default_factory=dict)
    by_ident: dict[str, PersonKey] = field(default_factory=dict)
    by_name: dict[str, list[PersonKey]] = field(default_factory=dict)

    def add(self, key: PersonKey, upn: str | None, name: str | None) -> None:
        self.by_ident.setdefault(key[1], key)
        if upn:
            self.by_ident.setdefault(upn.lower(), key)
        if name:
            self.by_name.setdefault(name.strip().lower(), []).append(key)

    def key(self, ident: str | None) -> PersonKey | None:
        if not ident:
            return None
        return self.by_ident.get(ident) or self.by_ident.get(ident.lower())

    def owner(self, text: str | None) -> PersonKey | None:
        """An item's free-text owner, when it names exactly one known person."""
        if not text:
            return None
        key = self.key(text.strip())
        if key is not None:
            return key
        named = self.by_name.get(text.strip().lower(), [])
        return named[0] if len(named) == 1 else None


async def directory(session: AsyncSession, *, only: str | None = None) -> Directory:
    """Everyone; with `only` (an identifier), the row of the person it names alone, as
    reading everyone's rows is most of the cost of one person's `mitt`."""
    d = Directory()
    if only is None:
        for p in (await session.execute(select(Person))).scalars().all():
            key = (p.tenant_id, p.aad_object_id)
            d.people[key] = p
            d.add(key, p.upn, p.display_name)
        return d
    idents = await session.execute(
        select(
            col(Person.tenant_id),
            col(Person.aad_object_id),
            col(Person.upn),
            col(Person.display_name),
        )
    )
    for tenant, oid, upn, name in idents.all():
        d.add((tenant, oid), upn, name)
    named = d.key(only)
    person = await session.get(Person, named) if named is not None else None
    if named is not None and person is not None:
        d.people[named] = person
    return d


@dataclass
class Org:
    units: dict[int, Unit]
    parents: dict[int, int | None]
    coordinators: dict[int, list[PersonKey]]  # unit -> nearest coordinators, resolved
    policies: dict[int, rules.Policy]
    # person -> units they hold a role in or were seen in the channel of (core/scope.py)
    reach: dict[PersonKey, set[int]] = field(default_factory=dict)

    def may_see(self, person: PersonKey, units: list[int]) -> bool:
        """Whether the person may see data of these units from their personal chat."""
        held = self.reach.get(person, set())
        return any(held.intersection(ancestors(u, self.parents)) for u in units)


async def org(session: AsyncSession, people: Directory) -> Org:
    units = {
        u.id: u
        for u in (await session.execute(select(Unit))).scalars().all()
        if u.id is not None and u.archived_at is None
    }
    parents = {uid: u.parent_id for uid, u in units.items()}
    by_unit = await roles_repo.people_by_unit(session, list(units))
    coordinators: dict[int, list[PersonKey]] = {}
    for uid in units:
        for up in ancestors(uid, parents):
            idents = by_unit.get(up, {}).get("coordinator", [])
            keys = [
                k
                for k in (people.key(i) for i in idents if not i.startswith(GROUP_PREFIX))
                if k is not None
            ]
            if idents:
                coordinators[uid] = list(dict.fromkeys(keys))
                break
    policies = {uid: rules.policy_for(u.defaults) for uid, u in units.items()}
    reach: dict[PersonKey, set[int]] = defaultdict(set)
    for uid, roles in by_unit.items():
        for idents in roles.values():
            for ident in idents:
                key = people.key(ident)
                if key is not None:
                    reach[key].add(uid)
    members = await session.execute(
        select(
            col(ChannelMember.tenant_id),
            col(ChannelMember.aad_object_id),
            col(ChannelBinding.unit_id),
        )
        .join(Conversation, col(Conversation.conversation_id) == col(ChannelMember.conversation_id))
        .join(ChannelBinding, col(ChannelBinding.conversation_pk) == col(Conversation.id))
        .where(col(ChannelBinding.active).is_(True), col(Conversation.kind) == "channel")
    )
    for tenant, oid, uid in members.all():
        reach[(tenant, oid)].add(uid)
    return Org(units, parents, coordinators, policies, dict(reach))


def previous_working_day(day: date) -> date:
    day -= timedelta(days=1)
    while not is_working_day(day):
        day -= timedelta(days=1)
    return day


async def waiting_for_everyone(
    session: AsyncSession,
    today: date,
    now: datetime,
    secret: str,
    *,
    people: Directory | None = None,
    structure: Org | None = None,
    everything: bool = False,
    own_tenant: str | None = None,
    lang: str = "sv",
    only: Only | None = None,
) -> dict[PersonKey, list[rules.Waiting]]:
    """What waits for each known person on `today` (local), read in bulk. With
    `everything` (the `mitt` card), every open action and every open pulse not yet
    answered, not only those due for a nudge today. Indicator alerts of the last days
    (services/alert_nudges.py) come with the day of their import as `due`; `send_nudges`
    keeps those due today (core/nudges.py `alert_due`). With `only`, the reads skip rows
    that cannot concern that person (services/nudge_only.py): their rows are the same,
    other people's are incomplete."""
    people = people or await directory(session)
    structure = structure or await org(session, people)
    out: dict[PersonKey, list[rules.Waiting]] = defaultdict(list)

    def policy(unit_id: int) -> rules.Policy:
        return structure.policies.get(unit_id, rules.DEFAULT_POLICY)

    # Actions: the owner while due soon / today / overdue; the coordinators once late.
    for a in await _open_actions(session, people, only):
        if a.unit_id not in structure.units:
            continue
        p = policy(a.unit_id)
        stage = rules.action_stage(a.due, today, p)
        if stage is None:
            if not everything:
                continue
            stage = ("action_later", 0)
        kind, days = stage
        subject = f"action:{a.id}"
        owner = people.key(a.owner_aad_id)
        if owner is not None:
            out[owner].append(
                rules.Waiting(kind, subject, a.unit_id, a.text, a.id or 0, a.due, days)
            )
        if rules.coordinator_hears(a.due, today, p):
            for c in structure.coordinators.get(a.unit_id, []):
                if c != owner:
                    out[c].append(
                        rules.Waiting(
                            "action_overdue_other", subject, a.unit_id, a.text, a.id or 0,
                            a.due, days,
                        )
                    )  # fmt: skip

    # Items: waiting at a unit I coordinate; assigned to me.
    for item in await _active_items(session, people, only):
        subject = f"item:{item.id}"
        if item.status == esc.OPEN:
            for c in structure.coordinators.get(item.current_unit_id, []):
                out[c].append(
                    rules.Waiting(
                        "item_waiting", subject, item.current_unit_id, item.title,
                        item.id or 0, item.due,
                    )
                )  # fmt: skip
        else:
            # The owner is free text: only someone who may see the item gets it.
            owner = people.owner(item.owner)
            if owner is not None and structure.may_see(owner, [*item.path]):
                out[owner].append(
                    rules.Waiting(
                        "item_assigned", subject, item.current_unit_id, item.title,
                        item.id or 0, item.due,
                    )
                )  # fmt: skip

    # Answers since the previous working day, to the person who raised the item.
    since = esc.end_of_day(previous_working_day(today) - timedelta(days=1))
    for item in await _answered_items(session, since, now, people, only):
        # The one who raised it, and the one it was assigned to (when they are known).
        for who in {people.key(item.created_by), people.owner(item.owner)} - {None}:
            assert who is not None
            if who != people.key(item.created_by) and not structure.may_see(who, [*item.path]):
                continue
            out[who].append(
                rules.Waiting(
                    "item_answered", f"answer:{item.id}", item.origin_unit_id, item.title,
                    item.id or 0,
                )
            )  # fmt: skip

    await _pulses(session, today, now, secret, people, out, everything=everything, only=only)
    alerts = await alert_nudges.waiting_alerts(
        session, now, people.people, people.by_ident.items(), own_tenant=own_tenant, lang=lang
    )
    for key, found in alerts.items():
        out[key].extend(found)
    return dict(out)


async def _open_actions(
    session: AsyncSession, people: Directory, only: Only | None
) -> Sequence[ActionItem]:
    """Open actions (with `only`: those they own or of units they coordinate)."""
    is_open = col(ActionItem.status) == "open"
    query = select(ActionItem).where(is_open)
    if only is not None:
        owners = await only.naming(
            session, select(col(ActionItem.owner_aad_id)).where(is_open), people.key
        )
        query = query.where(
            or_(
                col(ActionItem.owner_aad_id).in_(owners),
                col(ActionItem.unit_id).in_(only.coordinated),
            )
        )
    return (await session.execute(query)).scalars().all()


async def _active_items(
    session: AsyncSession, people: Directory, only: Only | None
) -> Sequence[Item]:
    """Active items delivered to their unit (with `only`: those assigned to them by
    name, or at a unit they coordinate)."""
    active = (col(Item.status).in_(esc.ACTIVE), col(Item.delivery_pending).is_(False))
    query = select(Item).where(*active)
    if only is not None:
        owners = await only.naming(session, select(col(Item.owner)).where(*active), people.owner)
        query = query.where(
            or_(col(Item.owner).in_(owners), col(Item.current_unit_id).in_(only.coordinated))
        )
    return (await session.execute(query)).scalars().all()


async def _answered_items(
    session: AsyncSession, since: datetime, now: datetime, people: Directory, only: Only | None
) -> list[Item]:
    """The item of each answer (resolved, sent back) between `since` and `now` (with
    `only`: items they raised or are named the owner of)."""
    answers = (
        col(ItemEvent.event).in_(("resolved", "sent_back")),
        col(ItemEvent.at) >= since,
        col(ItemEvent.at) <= now,
    )
    joined = (Item, col(Item.id) == col(ItemEvent.item_id))
    query = select(ItemEvent, Item).join(*joined).where(*answers)
    if only is not None:
        raisers = await only.naming(
            session,
            select(col(Item.created_by)).select_from(ItemEvent).join(*joined).where(*answers),
            people.key,
        )
        owners = await only.naming(
            session,
            select(col(Item.owner)).select_from(ItemEvent).join(*joined).where(*answers),
            people.owner,
        )
        query = query.where(or_(col(Item.created_by).in_(raisers), col(Item.owner).in_(owners)))
    return [item for _event, item in (await session.execute(query)).all()]


async def _pulses(
    session: AsyncSession,
    today: date,
    now: datetime,
    secret: str,
    people: Directory,
    out: dict[PersonKey, list[rules.Waiting]],
    *,
    everything: bool = False,
    only: Only | None = None,
) -> None:
    """One reminder before an open pulse closes, to the channel's members who have not
    answered. Only "answered or not" is read, and only while the pulse is open."""
    query = select(Pulse).where(col(Pulse.closed_at).is_(None))
    if only is not None:
        query = query.where(col(Pulse.conversation_pk).in_(only.conversations()))
    pulses = await session.execute(query)
    for pulse in pulses.scalars().all():
        if not pulse_repo.is_open(pulse, now):
            continue
        opened, closes = esc.local_date(pulse.opened_at), esc.local_date(pulse.closes_at)
        if not everything and not rules.pulse_reminder_day(opened, closes, today):
            continue
        conv = await session.get(Conversation, pulse.conversation_pk)
        if conv is None:
            continue
        channel = conv.conversation_id.split(";", 1)[0]
        for tenant, oid in await _members(session, channel, only):
            key = (tenant, oid)
            if key not in people.people:
                continue
            if await pulse_answers_repo.has_answered(session, pulse, secret, oid):
                continue
            out[key].append(
                rules.Waiting(
                    "pulse_closing", f"pulse:{pulse.ref}", pulse.unit_id,
                    "", pulse.ref, closes,
                )
            )  # fmt: skip


async def _members(session: AsyncSession, channel: str, only: Only | None) -> list[PersonKey]:
    """The channel's members (with `only`: that person if they are one)."""
    if only is not None:
        return list(only.member(channel))
    members = await session.execute(
        select(col(ChannelMember.tenant_id), col(ChannelMember.aad_object_id)).where(
            col(ChannelMember.conversation_id) == channel
        )
    )
    return [(tenant, oid) for tenant, oid in members.all()]


async def snoozes_of_everyone(
    session: AsyncSession, today: date
) -> dict[PersonKey, list[rules.Snooze]]:
    rows = await session.execute(select(NudgeSnooze).where(col(NudgeSnooze.until) > today))
    out: dict[PersonKey, list[rules.Snooze]] = defaultdict(list)
    for s in rows.scalars().all():
        out[(s.tenant_id, s.aad_object_id)].append(rules.Snooze(s.subject, s.until))
    return out


@dataclass
class NudgeReport:
    people: int = 0
    queued: int = 0
    urgent: int = 0
    unreachable: int = 0
    duplicates: int = 0


async def send_nudges(
    session: AsyncSession,
    local_now: datetime,
    context: JobContext,
) -> NudgeReport:
    """Queue today's nudges (one gathered card per person on their nudge days, urgent rows
    at once) for everyone inside their window at `local_now`. Safe to run any number of
    times: the outbox keys are per person, day and subject."""
    report = NudgeReport()
    today = local_now.date()
    if not is_working_day(today):
        return report
    now = local_now.astimezone(esc.TZ)
    people = await directory(session)
    structure = await org(session, people)
    waiting = await waiting_for_everyone(
        session,
        today,
        now,
        context.secret,
        people=people,
        structure=structure,
        own_tenant=context.own_tenant,
        lang=context.language,
    )
    snoozes = await snoozes_of_everyone(session, today)
    names = {uid: u.name for uid, u in structure.units.items()}
    batch: list[Message] = []
    kinds: list[str] = []
    for key, rows in waiting.items():
        person = people.people.get(key)
        if person is None or person.left_at is not None:
            continue
        unit_policy = structure.policies.get(rows[0].unit_id, rules.DEFAULT_POLICY)
        if not rules.in_window(local_now, unit_policy):
            continue
        rows = [
            w
            for w in rows
            if w.kind != alert_nudges.KIND
            or (
                w.due is not None
                and rules.alert_due(
                    w.due, today, person.nudges, alert_nudges.KIND in unit_policy.urgent
                )
            )
        ]
        nudge = rules.gather(rows, today, person.nudges, snoozes.get(key, []), unit_policy.urgent)
        if alert_nudges.KIND in unit_policy.urgent:  # told apart, once: not in the card too
            nudge = rules.Nudge(
                [w for w in nudge.rows if w.kind != alert_nudges.KIND], nudge.urgent
            )
        if nudge.empty:
            continue
        report.people += 1
        lang = language_of(person, context.language)
        if nudge.rows:
            content = nudge_card(lang, nudge.rows, names, today)
            summary = t(lang, "nudge.summary", n=len(nudge.rows))
            batch.append(
                Message(key[0], key[1], "nudge", today, card_message(content, summary),
                        nudge.rows[0].unit_id, lang)
            )  # fmt: skip
            kinds.append("queued")
        for w in nudge.urgent:
            content = nudge_card(lang, [w], names, today, urgent=True)
            summary = t(lang, "nudge.urgent_summary")
            once = w.kind == alert_nudges.KIND  # an alert is told once, not every day
            batch.append(
                Message(key[0], key[1], f"urgent:{w.subject}", None if once else today,
                        card_message(content, summary), w.unit_id, lang)
            )  # fmt: skip
            kinds.append("urgent")
    outcomes = await send_many(session, batch, now=now, own_tenant=context.own_tenant)
    for kind, outcome in zip(kinds, outcomes, strict=True):
        _count(report, outcome, kind)
    return report


def _count(report: NudgeReport, outcome: Outcome, field_: str) -> None:
    if outcome is Outcome.QUEUED:
        setattr(report, field_, getattr(report, field_) + 1)
    elif outcome is Outcome.DUPLICATE:
        report.duplicates += 1
    else:
        report.unreachable += 1


async def nudge_job(
    session: AsyncSession, schedule: Schedule, occurrence_at: datetime, context: JobContext
) -> None:
    """The `nudges` job: the occurrence is the clock (local time in the job's zone)."""
    report = await send_nudges(session, occurrence_at.astimezone(context.zone), context)
    log.info(
        "nudges: %d people, %d cards, %d urgent, %d unreachable, %d already sent",
        report.people,
        report.queued,
        report.urgent,
        report.unreachable,
        report.duplicates,
    )


# -- preference and snooze ------------------------------------------------------------------


async def set_preference(session: AsyncSession, tenant_id: str, object_id: str, pref: str) -> None:
    person = await channels_repo.remember_person(session, tenant_id, object_id)
    person.nudges = pref


async def preference(db: Database, tenant_id: str, object_id: str) -> str:
    async with db.read() as s:
        person = await channels_repo.get_person(s, tenant_id, object_id)
    return (person.nudges if person else None) or rules.DEFAULT_PREF


async def snooze(
    session: AsyncSession, tenant_id: str, object_id: str, subject: str, until: date
) -> None:
    """Hide `subject` (or all, "*") from the person's nudges until `until`."""
    tenant = tenant_id.lower()
    row = (
        await session.execute(
            select(NudgeSnooze).where(
                col(NudgeSnooze.tenant_id) == tenant,
                col(NudgeSnooze.aad_object_id) == object_id,
                col(NudgeSnooze.subject) == subject,
            )
        )
    ).scalar_one_or_none()
    if row is None:
        session.add(
            NudgeSnooze(tenant_id=tenant, aad_object_id=object_id, subject=subject, until=until)
        )
    else:
        row.until = until
    await session.flush()


async def count_snoozes(session: AsyncSession) -> int:
    return int((await session.execute(select(func.count()).select_from(NudgeSnooze))).scalar_one())


# -- `mitt` / `mine` ------------------------------------------------------------------------


@dataclass(frozen=True)
class MeetingLine:
    unit: str
    name: str
    starts_at: datetime
    ends_at: datetime


async def mine(
    db: Database,
    tenant_id: str,
    object_id: str,
    unit_ids: list[int],
    now: datetime,
    secret: str,
    lang: str,
) -> tuple[list[rules.Waiting], list[MeetingLine], dict[int, str]]:
    """Everything open for one person (their rows of `waiting_for_everyone` with
    `everything`, written in `lang`), the next meeting of each of their units, and unit
    names."""
    today = esc.local_date(now)
    async with db.read() as s:
        people = await directory(s, only=object_id)
        key = people.key(object_id) or (tenant_id.lower(), object_id)
        structure = await org(s, people)
        everything = await waiting_for_everyone(
            s,
            today,
            now,
            secret,
            people=people,
            structure=structure,
            everything=True,
            lang=lang,
            only=await nudge_only.only(s, key, structure.coordinators),
        )
        rows = sorted(everything.get(key, []), key=lambda w: w.order)
        unique: dict[str, rules.Waiting] = {}
        for w in rows:
            unique.setdefault(w.subject, w)
        meetings: list[MeetingLine] = []
        for uid in unit_ids:
            occ = await meeting_lookup_repo.next_meeting(s, uid, now)
            if occ is None:
                continue
            series = await s.get(MeetingSeries, occ.series_id)
            unit = structure.units.get(uid)
            meetings.append(
                MeetingLine(
                    unit.name if unit else "?",
                    series.name if series else "",
                    occ.starts_at,
                    occ.ends_at,
                )
            )
    meetings.sort(key=lambda m: m.starts_at)
    names = {uid: u.name for uid, u in structure.units.items()}
    return list(unique.values()), meetings, names
