"""A digest subscription ends with the role: at send time the digest job checks the
subscriber's current roles (inherited from above, after an org reload or a deleted role
row) and neither queues the digest for someone who lost them nor keeps their subscription.

Over HTTP (subscribe in the personal chat, JWT on), the job fired as the scheduler fires
it, the outbox delivered to the fake connector; SQLite and PostgreSQL.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import delete
from sqlmodel import col, select

from core.org import OrgSpec, parse_org_text
from scheduler.firing import fire
from services import digest as composer
from storage import indicators_repo, schedules_repo
from storage.indicator_models import DigestSubscription
from storage.models import AuditEvent, RoleAssignment, Unit
from storage.org_repo import sync_org
from tests.fakes.issuer import LocalIssuer
from tests.support.harness import BotHarness, connector, secured
from tests.support.indicators import seed_definitions, seed_values
from tests.support.items import deliver
from tests.support.jobs import job_context
from tests.teams import TeamsUser

__all__ = ["connector", "secured"]

LEFT = TeamsUser(name="Lena Lämnat", upn="lena.lamnat@example.se")  # loses her role
STAYS = TeamsUser(name="Sven Stannar", upn="sven.stannar@example.se")  # keeps his


def org(*managers: TeamsUser) -> OrgSpec:
    roles = f"    roles: {{manager: [{', '.join(m.upn for m in managers)}]}}\n" if managers else ""
    text = (
        "county: Testlän\n"
        "units:\n"
        "  - name: Regionens samverkansråd\n"
        "    level: macro\n"
        f"{roles}"
        "    children:\n"
        "      - {name: Östersund, level: cluster}\n"
        "      - {name: Krokom, level: cluster}\n"
        "      - {name: Härjedalen, level: cluster}\n"
    )
    spec = parse_org_text(text)
    assert isinstance(spec, OrgSpec), spec
    return spec


async def load(h: BotHarness, spec: OrgSpec) -> dict[str, int]:
    async with h.db.session() as s:
        plan = await sync_org(s, spec, actor="test")
        assert not plan.problems
    async with h.db.session() as s:
        return {u.name: u.id for u in (await s.execute(select(Unit))).scalars() if u.id}


async def subscribe(h: BotHarness, person: TeamsUser) -> None:
    h.connector.add_member(
        person.channel_id, aad_object_id=person.aad_object_id, name=person.name, upn=person.upn
    )
    await h.say(h.teams.personal_install(person))
    await h.say(h.teams.personal_message(person, "digest subscribe Krokom"))
    await h.connector.wait_for(
        lambda p: "Klart" in p.text and p.conversation_id == f"a:{person.aad_object_id}"
    )


async def fire_digest(h: BotHarness, unit_id: int) -> None:
    async with h.db.session() as s:
        await composer.ensure_schedules(s, [unit_id])
        schedule = await schedules_repo.get_schedule(s, composer.schedule_key(unit_id))
        assert schedule is not None
        assert await fire(s, schedule, datetime.now(UTC).replace(microsecond=0), job_context())
    await deliver(h)


def digests_to(h: BotHarness, person: TeamsUser) -> int:
    return sum(
        bool(p.cards) and "Krokom" in str(p.cards[0])
        for p in h.connector.in_conversation(f"a:{person.aad_object_id}")
    )


@pytest.mark.parametrize("how", ["org reload", "role row deleted"])
async def test_a_subscriber_who_lost_the_role_gets_no_digest(
    secured: tuple[BotHarness, LocalIssuer], how: str
) -> None:
    h, _ = secured
    units = await load(h, org(LEFT, STAYS))
    await seed_values(h.db, units, await seed_definitions(h.db))
    # Both manage the county's macro unit, so (inherited) they may subscribe to Krokom.
    await subscribe(h, LEFT)
    await subscribe(h, STAYS)

    if how == "org reload":
        await load(h, org(STAYS))
    else:
        async with h.db.session() as s:
            await s.execute(
                delete(RoleAssignment).where(col(RoleAssignment.person) == LEFT.upn.lower())
            )
    await fire_digest(h, units["Krokom"])

    assert digests_to(h, STAYS) == 1
    assert digests_to(h, LEFT) == 0
    async with h.db.session() as s:
        subs = (await s.execute(select(DigestSubscription))).scalars().all()
        lapsed = (
            (
                await s.execute(
                    select(AuditEvent).where(col(AuditEvent.action) == "digest.subscription.lapsed")
                )
            )
            .scalars()
            .all()
        )
    assert [s.person for s in subs] == [STAYS.aad_object_id.lower()]
    assert [e.details["person"] for e in lapsed] == [LEFT.aad_object_id.lower()]


async def test_a_role_given_back_brings_the_digest_back_without_a_new_subscription(
    secured: tuple[BotHarness, LocalIssuer],
) -> None:
    """The lapsed subscription is deleted, not turned into an opt-out."""
    h, _ = secured
    units = await load(h, org(LEFT))
    await seed_values(h.db, units, await seed_definitions(h.db))
    await subscribe(h, LEFT)
    await load(h, org())  # nobody manages anything now
    await fire_digest(h, units["Krokom"])
    assert digests_to(h, LEFT) == 0

    # Given Krokom's manager role directly: the org role brings the digest again.
    async with h.db.session() as s:
        s.add(RoleAssignment(unit_id=units["Krokom"], person=LEFT.upn, role="manager"))
    async with h.db.session() as s:
        people = (await indicators_repo.recipients(s, [units["Krokom"]]))[units["Krokom"]]
    assert [m.aad_object_id for m in people.managers] == [LEFT.aad_object_id.lower()]
