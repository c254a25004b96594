"""`mitt` reads only what can concern the person (services/nudge_only.py), and shows exactly
what it showed when it read the whole county: on a seeded county-like dataset, each
person's rows equal their rows of `waiting_for_everyone(everything=True)`, sorted and one
per subject, as `mine` built them before (the oracle)."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

from core import escalation as esc
from core import nudges as rules
from services import nudges
from storage.db import Database
from storage.item_models import Item, ItemEvent
from storage.meeting_models import ActionItem
from storage.models import (
    ChannelBinding,
    ChannelMember,
    Conversation,
    Person,
    RoleAssignment,
    Unit,
)
from storage.pulse_answers_repo import save_answers
from storage.pulse_models import Pulse

SECRET = "s" * 40
NOW = datetime(2025, 3, 12, 9, 30, tzinfo=UTC)  # a Wednesday, a working day
TENANTS = ("t1", "t2")
NAMES = ("Anna Berg", "Åsa Ek", "Olle Nord", "Anna Berg", "Per Öst", "Lisa Sund")


def _oid(i: int) -> str:
    return f"00000000-0000-4000-8000-{i:012d}"


async def _county(db: Database, rnd: random.Random) -> list[Person]:
    """Units in a tree (some archived, some without coordinators), people of two tenants
    with shared names, actions owned by object id or UPN in any case, items of every
    status with free-text owners, answers, channels with members, open pulses (some in a
    thread, some answered)."""
    async with db.session() as s:
        root = Unit(name="Län", level="macro", defaults={})
        s.add(root)
        await s.flush()
        units = [root]
        for i in range(14):
            archived = NOW if i == 5 else None
            policy = {"nudges": {"due_soon_days": 4}} if i % 4 == 0 else {}
            unit = Unit(
                name=f"Enhet {i}",
                level="cluster",
                parent_id=rnd.choice(units).id,
                defaults=policy,
                archived_at=archived,
            )
            s.add(unit)
            await s.flush()
            units.append(unit)
        unit_ids = [u.id or 0 for u in units]
        people = [
            Person(
                tenant_id=TENANTS[i % 3 == 0],
                aad_object_id=_oid(i),
                upn=f"P{i}@County.se" if i % 7 else None,
                display_name=rnd.choice(NAMES) if i % 2 else f"Person {i}",
            )
            for i in range(40)
        ]
        s.add_all(people)
        for uid in rnd.sample(unit_ids, 9):
            for _ in range(rnd.randint(1, 2)):
                who = rnd.randrange(45)  # 40+: someone the bot has never seen
                ident = _oid(who) if who % 2 else f"p{who}@county.se"
                s.add(RoleAssignment(unit_id=uid, person=ident, role="coordinator"))
        for i in range(0, 40, 2):  # reach: who may see an item assigned to them
            s.add(RoleAssignment(unit_id=rnd.choice(unit_ids), person=_oid(i), role="member"))

        def owner_ident() -> str | None:
            who = rnd.randrange(44)
            return rnd.choice(
                [_oid(who), f"P{who}@COUNTY.SE", f"p{who}@county.se", None, "Anna Berg"]
            )

        for n in range(160):
            s.add(
                ActionItem(
                    unit_id=rnd.choice(unit_ids),
                    text=f"Åtgärd {n}",
                    owner_aad_id=owner_ident(),
                    owner_name="Någon",
                    due=NOW.date() + timedelta(days=rnd.randint(-20, 20)),
                    status="open" if n % 9 else "done",
                )
            )

        def free_text_owner() -> str | None:
            who = rnd.randrange(44)
            return rnd.choice(
                [
                    f"  {rnd.choice(NAMES).upper()} ",
                    f"P{who}@county.se",
                    _oid(who),
                    f"Person {who}",
                    "Okänd",
                    None,
                ]
            )

        items: list[Item] = []
        for n in range(120):
            uid = rnd.choice(unit_ids)
            items.append(
                Item(
                    origin_unit_id=rnd.choice(unit_ids),
                    current_unit_id=uid,
                    title=f"Ärende {n}",
                    status=rnd.choice(["open", "acknowledged", "sent_back", "resolved"]),
                    owner=free_text_owner(),
                    due=NOW.date() + timedelta(days=rnd.randint(-5, 20)),
                    path=rnd.sample(unit_ids, rnd.randint(1, 3)),
                    created_by=owner_ident(),
                    delivery_pending=n % 11 == 0,
                )
            )
        s.add_all(items)
        await s.flush()
        for item in rnd.sample(items, 80):
            for _ in range(rnd.randint(1, 2)):
                s.add(
                    ItemEvent(
                        item_id=item.id or 0,
                        unit_id=item.current_unit_id,
                        event=rnd.choice(["resolved", "sent_back", "acknowledged"]),
                        at=NOW - timedelta(hours=rnd.randint(0, 80)),
                    )
                )
        for n, uid in enumerate(unit_ids[:10]):
            channel = f"19:kanal{n}@thread.tacv2"
            conv = Conversation(
                conversation_id=channel if n % 3 else f"{channel};messageid={n}",
                kind="channel",
                tenant_id=TENANTS[0],
                reference={},
            )
            s.add(conv)
            await s.flush()
            s.add(ChannelBinding(unit_id=uid, conversation_pk=conv.id or 0))
            members = rnd.sample(range(44), 12)
            for who in members:
                s.add(
                    ChannelMember(
                        conversation_id=channel,
                        tenant_id=TENANTS[who % 3 == 0],
                        aad_object_id=_oid(who),
                    )
                )
            if n == 7:
                continue
            pulse = Pulse(
                ref=f"puls{n}",
                unit_id=uid,
                conversation_pk=conv.id or 0,
                template_key="t",
                template={},
                period="2025-03",
                opened_at=NOW - timedelta(days=rnd.randint(1, 5)),
                closes_at=NOW + timedelta(days=rnd.randint(-1, 4)),
                closed_at=NOW if n == 4 else None,
            )
            s.add(pulse)
            await s.flush()
            answered = rnd.sample(members, 4)
            await save_answers(s, pulse, SECRET, {_oid(who): {"q": 1} for who in answered})
    return people


async def _oracle(db: Database, object_id: str) -> list[rules.Waiting]:
    """What `mine` showed when it read everything: the person's rows of the county-wide
    read, sorted, the first of each subject."""
    async with db.read() as s:
        people = await nudges.directory(s)
        key = people.key(object_id) or ("", object_id)
        everyone = await nudges.waiting_for_everyone(
            s, esc.local_date(NOW), NOW, SECRET, people=people, everything=True
        )
    unique: dict[str, rules.Waiting] = {}
    for w in sorted(everyone.get(key, []), key=lambda w: w.order):
        unique.setdefault(w.subject, w)
    return list(unique.values())


async def test_mine_shows_exactly_the_rows_of_the_county_wide_read(db: Database) -> None:
    people = await _county(db, random.Random(20250312))
    shown = 0
    for object_id in [p.aad_object_id for p in people] + [_oid(41), "P3@COUNTY.SE"]:
        rows, _meetings, _names = await nudges.mine(db, "", object_id, [], NOW, SECRET, "sv")
        assert rows == await _oracle(db, object_id), object_id
        shown += len(rows)
    kinds = {w.kind for p in people for w in await _oracle(db, p.aad_object_id)}
    # The dataset exercises every kind a county-wide read gives (alerts aside).
    assert kinds >= {
        "action_overdue",
        "action_overdue_other",
        "item_waiting",
        "action_today",
        "item_assigned",
        "item_answered",
        "pulse_closing",
        "action_soon",
        "action_later",
    }, kinds
    assert shown > 100
