"""Pulse surveys over HTTP: the real app, the fake connector, SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
import json
from datetime import timedelta
from typing import Any

from sqlalchemy import select, text, update
from sqlmodel import col

from storage import pulse_answers_repo, pulse_repo
from storage.models import OutboxMessage, Unit
from storage.pulse_models import Pulse, PulseAnswer, PulseRespondent
from storage.types import utcnow
from tests.cardschema import assert_valid_card
from tests.support.harness import BotHarness, add_units
from tests.support.items import deliver
from tests.teams import Channel, TeamsUser, new_channel

COUNTY = {
    "Jämtland": None,
    "Östersund": "Jämtland",
    "Krokom": "Jämtland",
}
COORDINATOR = TeamsUser(name="Karin Samordnare", upn="karin@example.se")


async def _setup_channel(h: BotHarness, unit: str) -> Channel:
    channel = new_channel(f"{unit} samverkan")
    await h.post(h.teams.install_in_team(channel, COORDINATOR))
    await h.post(h.teams.channel_message(channel, COORDINATOR, f"setup {unit}"))
    await h.connector.wait_for(
        lambda p: p.conversation_id.startswith(channel.conversation_id) and "Klart" in p.text
    )
    return channel


async def _start(h: BotHarness, channel: Channel) -> tuple[str, str]:
    """Start a pulse; returns (pulse ref, activity id of the card)."""
    await h.post(h.teams.channel_message(channel, COORDINATOR, "puls start"))
    await deliver(h)  # the card goes out through the outbox, as every pulse post does
    posted = await h.connector.wait_for(
        lambda p: (
            p.conversation_id == channel.conversation_id
            and any("pulse.answer" in json.dumps(c) for c in p.cards)
        )
    )
    [card] = posted.cards
    assert_valid_card(card)
    execute = card["actions"][0]
    assert execute["type"] == "Action.Execute" and execute["fallback"]["type"] == "Action.Submit"
    assert "refresh" not in card  # the shared card is the same for everyone
    return execute["data"]["pulse"], posted.id


def _values(collab: Any, contact: Any = "yes", example: Any = None, **extra: Any) -> dict[str, Any]:
    out: dict[str, Any] = {"q_collab": collab, "q_contact": contact, **extra}
    if example is not None:
        out["q_example"] = example
    return out


async def _answer(
    h: BotHarness, channel: Channel, who: TeamsUser, ref: str | int, values: dict[str, Any]
) -> Any:
    data = {"action": "pulse.answer", "pulse": ref, **values}
    status, body = await h.post(h.teams.invoke_action(channel, who, "pulse.answer", data))
    assert status == 200
    return body


async def _rows(h: BotHarness) -> list[PulseAnswer]:
    """Written answers (the last `threshold` of an open pulse are held in memory)."""
    async with h.db.session() as s:
        return list((await s.execute(select(PulseAnswer))).scalars().all())


async def _respondents(h: BotHarness) -> int:
    async with h.db.session() as s:
        return len((await s.execute(select(PulseRespondent))).scalars().all())


def _people(n: int, prefix: str = "Person") -> list[TeamsUser]:
    return [
        TeamsUser(name=f"{prefix} {i}", upn=f"{prefix.lower()}{i}@example.se") for i in range(n)
    ]


async def test_one_answer_per_person_that_cannot_be_changed(harness: BotHarness) -> None:
    h = harness
    await add_units(h.db, COUNTY)
    channel = await _setup_channel(h, "Östersund")
    ref, _ = await _start(h, channel)
    anna = TeamsUser(name="Anna", upn="anna@example.se")

    body = await _answer(h, channel, anna, ref, _values("4", example="Bra samordning kring SIP"))
    assert body["type"] == "application/vnd.microsoft.card.adaptive"
    own = body["value"]
    assert_valid_card(own)
    dumped = json.dumps(own, ensure_ascii=False)
    assert "Du svarade 4 · Ja" in dumped and "går inte att ändra" in dumped
    assert own["refresh"]["userIds"] == [anna.channel_id]
    assert "actions" not in own  # no "Ändra"

    # Another answer, then many at once: each refused, politely; still one respondent.
    body = await _answer(h, channel, anna, ref, _values("2", contact="no"))
    again = json.dumps(body["value"], ensure_ascii=False)
    assert "Du har svarat" in again and "kan inte ändras" in again and "Du svarade 2" not in again
    await asyncio.gather(*[_answer(h, channel, anna, ref, _values("3")) for _ in range(8)])
    assert await _respondents(h) == 1
    # Her answer is not written yet: it waits in memory for others' (see the writer).
    assert await _rows(h) == []

    # Refresh (Teams asks when Anna views the card again): "you have answered", with
    # nothing of what she answered (nothing leads back to it); "Ändra" on an old card: why not.
    refresh = {"action": "pulse.refresh", "pulse": ref}
    _, body = await h.post(h.teams.invoke_action(channel, anna, "pulse.refresh", refresh))
    view = json.dumps(body["value"], ensure_ascii=False)
    assert "Du har svarat" in view and "SIP" not in view and "Du svarade 4" not in view
    _, body = await h.post(
        h.teams.invoke_action(channel, anna, "pulse.edit", {"action": "pulse.edit", "pulse": ref})
    )
    assert_valid_card(body["value"])
    assert "kan inte ändras" in json.dumps(body["value"], ensure_ascii=False)
    assert not [el for el in body["value"]["body"] if el.get("id") == "q_collab"]
    # Someone else refreshing sees the blank form.
    bo = TeamsUser(name="Bo", upn="bo@example.se")
    _, body = await h.post(h.teams.invoke_action(channel, bo, "pulse.refresh", refresh))
    blank = next(el for el in body["value"]["body"] if el.get("id") == "q_collab")
    assert "value" not in blank and "refresh" not in body["value"]

    # Action.Submit fallback answers too, once.
    submit = {"action": "pulse.answer", "pulse": ref, **_values("5")}
    await h.post(h.teams.card_submit(channel, bo, submit))
    await h.connector.wait_for(lambda p: "Ditt svar är sparat" in p.text)
    await h.post(h.teams.card_submit(channel, bo, submit))
    await h.connector.wait_for(lambda p: "Du har redan svarat" in p.text)
    assert await _respondents(h) == 2


async def test_refused_answers_store_nothing(harness: BotHarness) -> None:
    h = harness
    await add_units(h.db, COUNTY)
    channel = await _setup_channel(h, "Östersund")
    other = await _setup_channel(h, "Krokom")
    ref, _ = await _start(h, channel)
    who = TeamsUser(name="Cecilia", upn="cecilia@example.se")

    cases: list[tuple[str, str | int, dict[str, Any], Channel]] = [
        ("finns inte", "nope-not-a-pulse", _values("4"), channel),
        ("utanför", ref, _values("7"), channel),
        ("utanför", ref, _values("4", contact="kanske"), channel),
        ("kunde inte läsas", ref, _values("4", q_admin="1"), channel),
        ("kunde inte läsas", ref, _values({"$gt": 1}), channel),
        ("finns inte", ref, _values("4"), other),  # another channel's pulse: as if missing
        ("kunde inte läsas", 12345, _values("4"), channel),
    ]
    for expected, pulse_ref, values, where in cases:
        body = await _answer(h, where, who, pulse_ref, values)
        assert body["type"] == "application/vnd.microsoft.activity.message", body
        assert expected in body["value"], (expected, body)
    # A personnummer in free text: explained, the form comes back without the text.
    body = await _answer(h, channel, who, ref, _values("4", example="Gäller 19121212-1212"))
    card = body["value"]
    assert_valid_card(card)
    dumped = json.dumps(card, ensure_ascii=False)
    assert "personnummer" in dumped and "19121212" not in dumped
    assert await _rows(h) == [] and await _respondents(h) == 0


async def test_close_at_four_keeps_only_the_count_and_refuses_a_late_answer(
    harness: BotHarness,
) -> None:
    h = harness
    await add_units(h.db, COUNTY)
    channel = await _setup_channel(h, "Östersund")
    for i in range(9):
        h.connector.add_member(f"29:m{i}", aad_object_id=f"m{i}", name=f"M {i}", upn=f"m{i}@x.se")
    ref, card_id = await _start(h, channel)
    people = _people(4)
    for i, who in enumerate(people):
        await _answer(h, channel, who, ref, _values(str(2 + i % 3), example=f"exempel {i}"))

    await h.post(h.teams.channel_message(channel, COORDINATOR, "puls stäng"))
    await deliver(h)
    await h.connector.wait_for(lambda p: "är stängd (4 svar)" in p.text)
    closed = h.connector.by_id[card_id]
    assert closed.updates == 1
    [card] = closed.cards
    assert_valid_card(card)
    assert "stängd" in json.dumps(card, ensure_ascii=False)
    assert "För få svar" in json.dumps(card, ensure_ascii=False)
    async with h.db.session() as s:
        pulse = (await s.execute(select(Pulse))).scalar_one()
    assert pulse.closed_at is not None and pulse.answer_count == 4 and pulse.held == 0
    # Four answers under four known names would be a group of four: never written.
    assert await _rows(h) == [] and await _respondents(h) == 0

    # Late answer: refused, nothing stored; a refresh shows the closed card.
    body = await _answer(h, channel, people[0], ref, _values("5"))
    assert "stängd" in body["value"]
    assert await _rows(h) == [] and await _respondents(h) == 0
    refresh = {"action": "pulse.refresh", "pulse": ref}
    _, body = await h.post(h.teams.invoke_action(channel, people[1], "pulse.refresh", refresh))
    assert "4 svar" in json.dumps(body["value"], ensure_ascii=False)

    await h.post(h.teams.channel_message(channel, COORDINATOR, "puls resultat"))
    posted = await h.connector.wait_for(lambda p: any("resultat för" in str(c) for c in p.cards))
    results = json.dumps(posted.cards[0], ensure_ascii=False)
    assert "för få för att visa" in results
    assert "exempel" not in results and "Medelvärde" not in results


async def test_results_at_five_and_staff_cannot_close(harness: BotHarness) -> None:
    h = harness
    await add_units(h.db, COUNTY, roles=[("Östersund", "karin@example.se", "coordinator")])
    channel = await _setup_channel(h, "Östersund")
    for i in range(10):
        h.connector.add_member(f"29:m{i}", aad_object_id=f"m{i}", name=f"M {i}", upn=f"m{i}@x.se")
    ref, card_id = await _start(h, channel)
    for i, who in enumerate(_people(5)):
        await _answer(h, channel, who, ref, _values(str(1 + i), example=f"exempel {i}"))

    await h.post(h.teams.channel_message(channel, COORDINATOR, "puls stäng"))
    await deliver(h)
    posted = await h.connector.wait_for(lambda p: any("resultat för" in str(c) for c in p.cards))
    results = posted.cards[0]
    assert_valid_card(results)
    dumped = json.dumps(results, ensure_ascii=False)
    assert "Medelvärde 3,0 av 5" in dumped
    assert "50 % av 10 i kanalen" in dumped
    assert all(f"exempel {i}" in dumped for i in range(5))
    assert "där" not in dumped  # no times
    closed = json.dumps(h.connector.by_id[card_id].cards[0], ensure_ascii=False)
    assert "Resultatet finns i kanalen" in closed


async def test_the_answer_rate_counts_each_person_in_a_shared_channel_once(
    harness: BotHarness,
) -> None:
    """A shared channel's roster lists a guest once per tenant's view, and may list the
    same person twice: ten people, fourteen roster rows, the rate is of ten."""
    h = harness
    await add_units(h.db, COUNTY, roles=[("Östersund", "karin@example.se", "coordinator")])
    channel = await _setup_channel(h, "Östersund")
    for i in range(10):
        h.connector.add_member(f"29:m{i}", aad_object_id=f"m{i}", name=f"M {i}", upn=f"m{i}@x.se")
    for i in range(4):  # the same four people again, as the partner tenant sees them
        h.connector.add_member(
            f"29:partner-m{i}",
            aad_object_id=f"m{i}",
            name=f"M {i}",
            upn=f"m{i}@x.se",
            tenant_id="0b5e1c2d-0000-4000-8000-00000000c0de",
        )
    ref, _ = await _start(h, channel)
    for i, who in enumerate(_people(5)):
        await _answer(h, channel, who, ref, _values(str(1 + i)))
    await h.post(h.teams.channel_message(channel, COORDINATOR, "puls stäng"))
    await deliver(h)
    posted = await h.connector.wait_for(lambda p: any("resultat för" in str(c) for c in p.cards))
    dumped = json.dumps(posted.cards[0], ensure_ascii=False)
    assert "50 % av 10 i kanalen" in dumped and "av 14" not in dumped


async def _pulse_with(h: BotHarness, unit: str, n: int) -> None:
    channel = await _setup_channel(h, unit)
    ref, _ = await _start(h, channel)
    for who in _people(n, prefix=unit):
        await _answer(h, channel, who, ref, _values("4"))
    await h.post(h.teams.channel_message(channel, COORDINATOR, "puls stäng"))
    await deliver(h)
    await h.connector.wait_for(lambda p: f"Pulsen för {unit} är stängd" in p.text)


async def test_a_small_pulse_adds_nothing_to_the_roll_up(harness: BotHarness) -> None:
    """Östersund (6) and Jämtland's own pulse (5) are public; Krokom (2) is not, and its
    two answers were never written (too few to hide among), so Jämtland's roll-up
    covers the public eleven and nothing can be subtracted from it to reach Krokom's."""
    h = harness
    await add_units(h.db, COUNTY)
    await _pulse_with(h, "Östersund", 6)
    await _pulse_with(h, "Krokom", 2)
    await _pulse_with(h, "Jämtland", 5)
    async with h.db.session() as s:  # the month has ended
        await s.execute(update(Pulse).values(period="2026-01"))
        counts: dict[int | None, tuple[int | None, int]] = {
            p.unit_id: (p.answer_count, await pulse_answers_repo.stored_count(s, p.id or 0))
            for p in (await s.execute(select(Pulse))).scalars()
        }
        units = {u.name: u.id for u in (await s.execute(select(Unit))).scalars()}
    assert counts[units["Krokom"]] == (2, 0)
    assert counts[units["Östersund"]] == (6, 6)

    async with h.db.session() as s:
        rows = await s.execute(
            text(
                "SELECT u.name, c.conversation_id FROM units u JOIN channel_bindings b "
                "ON b.unit_id = u.id JOIN conversations c ON c.id = b.conversation_pk"
            )
        )
        channel_of: dict[str, str] = dict(rows.all())
    channel = Channel(team_id=channel_of["Jämtland"], channel_id=channel_of["Jämtland"])
    await h.post(h.teams.channel_message(channel, COORDINATOR, "puls resultat"))
    posted = await h.connector.wait_for(
        lambda p: (
            p.conversation_id.startswith(channel.channel_id)
            and any("Skattad samverkan" in json.dumps(c, ensure_ascii=False) for c in p.cards)
        )
    )
    rollup = next(el for el in reversed(posted.cards[0]["body"]) if el["type"] == "FactSet")
    values = {f["title"]: f["value"] for f in rollup["facts"]}
    assert values == {"Jämtland": "4,0", "Krokom": "–", "Östersund": "4,0"}


async def test_answer_through_invoke_with_jwt_on(secured: tuple[BotHarness, Any]) -> None:
    h, _issuer = secured
    await add_units(h.db, COUNTY, roles=[("Östersund", "karin@example.se", "coordinator")])
    h.connector.add_member(
        COORDINATOR.channel_id,
        aad_object_id=COORDINATOR.aad_object_id,
        name=COORDINATOR.name,
        upn=COORDINATOR.upn,
    )
    channel = new_channel("Östersund samverkan")
    assert await h.say(h.teams.install_in_team(channel, COORDINATOR)) in (200, 202)
    await h.say(h.teams.channel_message(channel, COORDINATOR, "setup Östersund"))
    await h.connector.wait_for(lambda p: "Klart" in p.text)
    await h.say(h.teams.channel_message(channel, COORDINATOR, "puls start"))
    await deliver(h)
    posted = await h.connector.wait_for(lambda p: any("pulse.answer" in str(c) for c in p.cards))
    ref = posted.cards[0]["actions"][0]["data"]["pulse"]
    who = TeamsUser(name="Dan", upn="dan@example.se")
    act = h.teams.invoke_action(channel, who, "pulse.answer", {"pulse": ref, **_values("5")})
    status, body = await h.post(act, {"Authorization": f"Bearer {h.token}"})
    assert status == 200 and "Du svarade 5" in json.dumps(body, ensure_ascii=False)
    status, _ = await h.post(act)  # no token: refused before anything is stored
    assert status == 401
    assert await _respondents(h) == 1


async def test_a_pulse_closed_by_another_instance_refuses_the_next_answer(
    harness: BotHarness,
) -> None:
    """The close sweep runs on the scheduler leader, which may be another instance: this
    one has just read the pulse for an answer and still holds it as open, yet the next
    answer is refused as late and nothing is stored; this instance then notices the
    close and settles what it held."""
    h = harness
    assert h.services is not None
    await add_units(h.db, COUNTY)
    channel = await _setup_channel(h, "Krokom")
    ref, _ = await _start(h, channel)
    first, second = _people(2)
    body = await _answer(h, channel, first, ref, _values("3"))
    assert "Du svarade 3" in json.dumps(body, ensure_ascii=False)

    async with h.db.session() as s:  # what the leader's sweep does at closing time
        pulse = (await s.execute(select(Pulse))).scalar_one()
        assert pulse.id is not None
        assert await pulse_repo.close_pulse(s, pulse.id) is not None

    body = await _answer(h, channel, second, ref, _values("5"))
    assert "stängd" in body["value"]
    body = await _answer(h, channel, first, ref, _values("1"))
    assert "stängd" in body["value"]
    assert await _respondents(h) == 1 and h.services.answers.holds(pulse.id) == 1

    await h.services.answers.settle_closed()  # what its poller does every few seconds
    async with h.db.session() as s:
        done = await s.get(Pulse, pulse.id)
    assert done is not None and done.answer_count == 1 and done.held == 0
    assert await _rows(h) == [] and await _respondents(h) == 0
    async with h.db.session() as s:  # the card's update, for the dispatcher to send
        update_row = (
            await s.execute(
                select(OutboxMessage).where(
                    col(OutboxMessage.idempotency_key) == f"pulse:{ref}:closed"
                )
            )
        ).scalar_one()
    assert "För få svar" in json.dumps(update_row.payload, ensure_ascii=False)


async def test_a_lone_comment_among_six_answers_is_not_shown(harness: BotHarness) -> None:
    h = harness
    await add_units(h.db, COUNTY)
    channel = await _setup_channel(h, "Östersund")
    ref, _ = await _start(h, channel)
    for i, who in enumerate(_people(6)):
        example = "Vår enhetschef lyssnar aldrig" if i == 2 else None
        await _answer(h, channel, who, ref, _values(str(1 + i % 5), example=example))

    await h.post(h.teams.channel_message(channel, COORDINATOR, "puls stäng"))
    await deliver(h)  # the results go out through the outbox
    posted = await h.connector.wait_for(lambda p: any("resultat för" in str(c) for c in p.cards))
    results = json.dumps(posted.cards[0], ensure_ascii=False)
    assert_valid_card(posted.cards[0])
    assert "Medelvärde" in results and "6" in results  # the numbers are shown
    assert "lyssnar" not in results
    assert "1 person skrev fritext" in results and "minst 5 personer" in results
    # Coordinators asking later get the same.
    await h.post(h.teams.channel_message(channel, COORDINATOR, "puls resultat"))
    later = await h.connector.wait_for(
        lambda p: p is not posted and any("resultat för" in str(c) for c in p.cards)
    )
    assert "lyssnar" not in json.dumps(later.cards[0], ensure_ascii=False)


async def test_a_new_pulse_waits_for_the_cool_down(harness: BotHarness) -> None:
    h = harness
    await add_units(h.db, COUNTY)
    async with h.db.session() as s:  # Krokom's org file says 14 days
        await s.execute(
            update(Unit)
            .where(col(Unit.name) == "Krokom")
            .values(defaults={"pulse": {"cooldown_days": 14}})
        )
    channel = await _setup_channel(h, "Östersund")
    await _start(h, channel)
    await h.post(h.teams.channel_message(channel, COORDINATOR, "puls stäng"))
    await h.connector.wait_for(lambda p: "Pulsen för Östersund är stängd" in p.text)

    await h.post(h.teams.channel_message(channel, COORDINATOR, "puls start"))
    refusal = await h.connector.wait_for(lambda p: "tidigast" in p.text)
    assert "Östersund hade nyss en puls" in refusal.text
    async with h.db.session() as s:
        [closed] = (await s.execute(select(Pulse))).scalars().all()
    assert closed.closed_at is not None
    # Seven days (the default) from the close, in the person's own words and zone.
    from i18n import format as fmt

    when = fmt.when("sv", closed.closed_at + timedelta(days=7), "Europe/Stockholm")
    assert when in refusal.text
    english = h.teams.channel_message(channel, COORDINATOR, "pulse start")
    english["locale"] = "en-GB"
    await h.post(english)
    await h.connector.wait_for(lambda p: "at the earliest" in p.text)

    # Krokom's cool-down is its own: 14 days from its close.
    krokom = await _setup_channel(h, "Krokom")
    await _start(h, krokom)
    async with h.db.session() as s:  # closed 8 days ago: Östersund's 7 would have passed
        await s.execute(
            update(Pulse)
            .where(Pulse.closed_at.is_(None))  # type: ignore[union-attr]
            .values(closed_at=utcnow() - timedelta(days=8), answer_count=0)
        )
    await h.post(h.teams.channel_message(krokom, COORDINATOR, "puls start"))
    await h.connector.wait_for(lambda p: "Krokom hade nyss en puls" in p.text)
    async with h.db.session() as s:
        assert len((await s.execute(select(Pulse))).scalars().all()) == 2  # none opened
