"""Items over HTTP with the fake connector, on SQLite and PostgreSQL:
team -> cluster -> county and the answer back; automatic escalation by the sweep
with a controlled clock; a missing parent channel; concurrent presses."""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta

from sqlmodel import col, select

from core.escalation import breach_at, end_of_day, local_date, policy_for
from scheduler.firing import fire
from services.escalation import SWEEP_KEY, sweep
from storage import items_repo
from storage.item_models import Item
from storage.models import Schedule, Unit
from storage.types import utcnow
from tests.cardschema import assert_valid_card
from tests.support.harness import BotHarness, user
from tests.support.items import (
    CLUSTER,
    COUNTY,
    TEAM,
    Delivered,
    bind,
    cards_in,
    deliver,
    events,
    find_action,
    invoke_card,
    item,
    load_org,
    texts_in,
)
from tests.support.jobs import job_context


async def _raise(h: BotHarness, channel: object, title: str) -> int:
    await h.post(h.teams.channel_message(channel, user(), f"ärende {title}"))  # type: ignore[arg-type]
    await h.connector.wait_for(lambda p: any(title in str(c) for c in p.cards))
    async with h.db.session() as s:
        row = (await s.execute(select(Item).where(col(Item.title) == title))).scalar_one()
    assert row.id is not None
    return row.id


async def test_full_path_team_cluster_county_and_the_answer_back(harness: BotHarness) -> None:
    h = harness
    await load_org(h.db)
    team, cluster, county = await bind(h, TEAM), await bind(h, CLUSTER), await bind(h, COUNTY)

    item_id = await _raise(h, team, "Svårt att nå jourläkare kvällstid")
    [raised] = [c for c in cards_in(h, team) if "jourläkare" in str(c)]
    assert_valid_card(raised)
    assert "Hemsjukvård Östersund" in str(raised)

    # The team's coordinator lifts it: /lyft <n> <reason>.
    await h.post(h.teams.channel_message(team, user(), f"lyft {item_id} Vi saknar mandat"))
    await h.connector.wait_for(lambda p: f"#{item_id}" in p.text and "lyft till" in p.text)
    assert await deliver(h) == Delivered(sent=1, updated=0)
    [at_cluster] = cards_in(h, cluster)[-1:]
    assert_valid_card(at_cluster)
    text = str(at_cluster)
    assert "Lyft hit från Hemsjukvård Östersund" in text and "Vi saknar mandat" in text
    assert "skapade ärendet" in text and "lyfte till Östersund" in text  # the trail

    # The cluster escalates further with the card's button (Action.Execute).
    esc_action = find_action(at_cluster, "item.escalate")
    status, body = await h.post(
        h.teams.invoke_action(
            cluster, user(), "item.escalate", {**esc_action["data"], "reason": "Länsfråga"}
        )
    )
    assert status == 200
    assert "lyft till **Regionens samverkansråd**" in str(invoke_card(body))
    # The county gets the card; the cluster's card is replaced by the state now (no buttons).
    assert await deliver(h) == Delivered(sent=1, updated=1)
    [updated] = [
        c
        for p in h.connector.in_conversation(cluster.conversation_id)
        if p.updates
        for c in p.cards
    ]
    assert_valid_card(updated)
    assert "actions" not in updated and "Regionens samverkansråd" in str(updated)
    at_county = cards_in(h, county)[-1]
    assert_valid_card(at_county)
    assert "Länsfråga" in str(at_county) and "Vi saknar mandat" in str(at_county)

    # Pressing the cluster's old button again changes nothing and shows the state now.
    before = await events(h.db, item_id)
    status, body = await h.post(
        h.teams.invoke_action(
            cluster, user(), "item.escalate", {**esc_action["data"], "reason": "igen"}
        )
    )
    stale = invoke_card(body)
    assert "inaktuellt" in str(stale) and "Regionens samverkansråd" in str(stale)
    assert await events(h.db, item_id) == before

    # The county resolves with an answer; it comes back to the cluster and the team.
    resolve = find_action(at_county, "item.resolve")
    status, body = await h.post(
        h.teams.invoke_action(
            county,
            user(),
            "item.resolve",
            {**resolve["data"], "answer": "Jourlinje inrättas från 1 mars"},
        )
    )
    assert "är löst" in str(invoke_card(body))
    # Answers to the cluster and the team; the county's and the cluster's cards updated.
    assert await deliver(h) == Delivered(sent=2, updated=2)
    for channel in (team, cluster):
        answer = cards_in(h, channel)[-1]
        assert_valid_card(answer)
        assert "Svar från Regionens samverkansråd" in str(answer)
        assert "Jourlinje inrättas från 1 mars" in str(answer)
        assert "Länsfråga" in str(answer)  # the whole trail comes along
        assert "actions" not in answer  # it is answered: nothing to press
    done = await item(h.db, item_id)
    assert done.status == "resolved" and done.on_agenda_pending
    assert await events(h.db, item_id) == ["created", "escalated", "escalated", "resolved"]
    async with h.db.session() as s:
        assert [i.id for i in await items_repo.agenda_items(s, done.origin_unit_id)] == [item_id]


async def test_at_the_top_it_cannot_go_higher_and_stays_open_flagged(harness: BotHarness) -> None:
    h = harness
    await load_org(h.db)
    county = await bind(h, COUNTY)
    item_id = await _raise(h, county, "Gemensam journal saknas")
    await h.post(h.teams.channel_message(county, user(), f"/escalate {item_id} Högre upp"))
    await h.connector.wait_for(lambda p: "kan inte lyftas högre" in p.text)
    row = await item(h.db, item_id)
    assert row.status == "open" and row.at_top
    async with h.db.session() as s:
        assert [i.id for i in await items_repo.flagged_at_top(s)] == [item_id]
    assert await events(h.db, item_id) == ["created", "flagged_top"]


async def test_missing_parent_channel_waits_names_coordinators_and_delivers_later(
    harness: BotHarness,
) -> None:
    h = harness
    await load_org(h.db)
    team = await bind(h, TEAM)
    item_id = await _raise(h, team, "Läkemedelsgenomgångar uteblir")
    await h.post(h.teams.channel_message(team, user(), f"lyft {item_id} Behöver klustrets hjälp"))
    told = await h.connector.wait_for(lambda p: "ingen kanal" in p.text)
    assert "samordnare.ostersund@example.se" in told.text
    row = await item(h.db, item_id)
    assert row.delivery_pending and row.status == "open"
    async with h.db.session() as s:
        cluster_id = (
            await s.execute(select(col(Unit.id)).where(col(Unit.name) == CLUSTER))
        ).scalar_one()
    assert row.current_unit_id == cluster_id
    assert await deliver(h) == Delivered(0, 0)  # nowhere to post yet

    # Much later the waiting item has not escalated further: it waits for a channel.
    async with h.db.session() as s:
        report = await sweep(s, utcnow() + timedelta(days=365))
    assert report.escalated == [] and (await item(h.db, item_id)).current_unit_id == cluster_id

    # Binding the cluster's channel delivers the waiting escalation at once, and says so.
    cluster = await bind(h, CLUSTER)
    await h.connector.wait_for(lambda p: "väntat på en kanal" in p.text)
    async with h.db.session() as s:
        report = await sweep(s, utcnow())
    assert report.delivered == []  # nothing left for the sweep
    assert (await deliver(h)).sent == 1
    card = cards_in(h, cluster)[-1]
    assert_valid_card(card)
    assert "Behöver klustrets hjälp" in str(card) and "Läkemedelsgenomgångar" in str(card)
    assert not (await item(h.db, item_id)).delivery_pending
    assert (await events(h.db, item_id))[-1] == "delivered"


async def test_automatic_escalation_by_the_sweep_with_a_controlled_clock(
    harness: BotHarness,
) -> None:
    h = harness
    await load_org(h.db)
    team, cluster = await bind(h, TEAM), await bind(h, CLUSTER)
    item_id = await _raise(h, team, "Utskrivningsplanering fungerar inte")
    row = await item(h.db, item_id)
    async with h.db.session() as s:
        unit = await s.get(Unit, row.current_unit_id)
        assert unit is not None
        policy = policy_for(unit.defaults, unit.level)
        schedule = (
            await s.execute(select(Schedule).where(col(Schedule.key) == SWEEP_KEY))
        ).scalar_one()
    assert (policy.resolve_days, policy.ack_days, policy.repeat) == (14, 3, 2)
    assert schedule.kind == "escalation_sweep"
    state = items_repo.state_of(row)
    first, last = breach_at(state, policy, 1), breach_at(state, policy, 3)
    # Due at the end of day 14; breach 1 at the end of day 14 + 3 (Stockholm calendar days).
    assert first == end_of_day(local_date(row.created_at) + timedelta(days=14 + 3))

    async def fire_at(now: datetime) -> bool:
        """The scheduler fires the sweep schedule's occurrence `now` (the controlled clock)."""
        async with h.db.session() as s:
            row = await s.get(Schedule, schedule.id)
            assert row is not None
            return await fire(s, row, now, job_context())

    async def trail() -> list[str]:
        return await events(h.db, item_id)

    assert await fire_at(first - timedelta(seconds=1))
    assert await trail() == ["created"]
    assert await fire_at(first)
    assert await trail() == ["created", "reminded"]
    assert await fire_at(first + timedelta(hours=5))
    assert await trail() == ["created", "reminded"]  # once per breach
    assert (await deliver(h)).sent == 1
    reminder = cards_in(h, team)[-1]
    assert_valid_card(reminder)
    assert "Påminnelse 1" in str(reminder)

    assert await fire_at(last)
    assert not await fire_at(last)  # the scheduler's double fire is one run
    async with h.db.session() as s:
        assert (await sweep(s, last + timedelta(minutes=1))).escalated == []  # never twice
    assert await deliver(h) == Delivered(sent=1, updated=1)  # + the reminder card
    card = cards_in(h, cluster)[-1]
    assert_valid_card(card)
    assert "Lyft hit från Hemsjukvård Östersund" in str(card)
    assert "Samverkan (automatiskt)" in str(card)
    assert await events(h.db, item_id) == ["created", "reminded", "escalated"]


async def test_two_coordinators_pressing_at_once_yield_one_transition(
    harness: BotHarness,
) -> None:
    h = harness
    await load_org(h.db)
    team, cluster = await bind(h, TEAM), await bind(h, CLUSTER)
    item_id = await _raise(h, team, "Samordnad individuell plan dröjer")
    await h.post(h.teams.channel_message(team, user(), f"lyft {item_id} Behöver stöd"))
    await h.connector.wait_for(lambda p: "lyft till" in p.text)
    await deliver(h)
    card = cards_in(h, cluster)[-1]
    resolve = find_action(card, "item.resolve")
    send_back = find_action(card, "item.send_back")
    version = (await item(h.db, item_id)).version

    results = await asyncio.gather(
        h.post(
            h.teams.invoke_action(
                cluster, user("Anna Berg"), "item.resolve", {**resolve["data"], "answer": "Löst A"}
            )
        ),
        h.post(
            h.teams.invoke_action(
                cluster,
                user("Bo Ek", "bo.ek@example.se"),
                "item.send_back",
                {**send_back["data"], "comment": "Lös lokalt"},
            )
        ),
    )
    replies = [str(invoke_card(body)) for _, body in results]
    assert sum("inaktuellt" in r for r in replies) == 1, replies
    row = await item(h.db, item_id)
    assert row.version == version + 1
    trail = await events(h.db, item_id)
    assert trail[:2] == ["created", "escalated"] and len(trail) == 3
    assert trail[2] in ("resolved", "sent_back")


async def test_send_back_returns_the_item_with_the_comment_and_actions(
    harness: BotHarness,
) -> None:
    h = harness
    await load_org(h.db)
    team, cluster = await bind(h, TEAM), await bind(h, CLUSTER)
    item_id = await _raise(h, team, "Oklart vem som kallar till SIP")
    await h.post(h.teams.channel_message(team, user(), f"lyft {item_id} Oklar rutin"))
    await h.connector.wait_for(lambda p: "lyft till" in p.text)
    await deliver(h)
    back = find_action(cards_in(h, cluster)[-1], "item.send_back")
    await h.post(
        h.teams.invoke_action(
            cluster,
            user(),
            "item.send_back",
            {**back["data"], "comment": "Rutinen finns, se SIP-guiden"},
        )
    )
    assert (await deliver(h)).sent == 1
    returned = cards_in(h, team)[-1]
    assert_valid_card(returned)
    assert "Skickat tillbaka från Östersund" in str(returned)
    assert "Rutinen finns" in str(returned)
    find_action(returned, "item.resolve")  # the team can act on it again
    row = await item(h.db, item_id)
    assert row.status == "sent_back" and row.path == [row.origin_unit_id]


async def test_personnummer_is_refused_and_nothing_is_stored(harness: BotHarness) -> None:
    h = harness
    await load_org(h.db)
    team = await bind(h, TEAM)
    await h.post(h.teams.channel_message(team, user(), "ärende Patient 19121212-1212 fick vänta"))
    await h.connector.wait_for(lambda p: "personnummer" in p.text)
    async with h.db.session() as s:
        assert (await s.execute(select(Item))).first() is None
    assert not any("19121212" in t for t in texts_in(h, team))


async def test_items_lists_open_items_with_filters(harness: BotHarness) -> None:
    h = harness
    await load_org(h.db)
    team = await bind(h, TEAM)
    first = await _raise(h, team, "Första hindret")
    await _raise(h, team, "Andra hindret")
    await h.post(h.teams.channel_message(team, user(), f"lyft {first} Behöver hjälp"))
    await h.connector.wait_for(lambda p: "ingen kanal" in p.text)
    await h.post(h.teams.channel_message(team, user(), "ärenden lyfta"))
    listed = await h.connector.wait_for(lambda p: any("Ärenden" in str(c) for c in p.cards))
    [card] = listed.cards
    assert_valid_card(card)
    assert "Första hindret" in str(card) and "Andra hindret" not in str(card)
    assert "väntar på kanal" in str(card)
