"""Pulse surveys over HTTP: the real app, the fake connector, SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
import json
from typing import Any

from sqlalchemy import select, text, update

from storage import pulse_repo
from storage.pulse_models import Pulse, PulseAnswer
from tests.bot.conftest import BotHarness, add_units
from tests.cardschema import assert_valid_card
from tests.items.support import deliver
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
    h: BotHarness, channel: Channel, who: TeamsUser, ref: str, values: dict[str, Any]
) -> Any:
    data = {"action": "pulse.answer", "pulse": ref, **values}
    status, body = await h.post(h.teams.invoke_action(channel, who, "pulse.answer", data))
    assert status == 200
    return body


async def _rows(h: BotHarness) -> list[PulseAnswer]:
    async with h.db.session() as s:
        return list((await s.execute(select(PulseAnswer))).scalars().all())


def _people(n: int, prefix: str = "Person") -> list[TeamsUser]:
    return [
        TeamsUser(name=f"{prefix} {i}", upn=f"{prefix.lower()}{i}@example.se") for i in range(n)
    ]


async def test_answer_change_duplicate_and_own_view(harness: BotHarness) -> None:
    h = harness
    await add_units(h.db, COUNTY)
    channel = await _setup_channel(h, "Östersund")
    ref, _ = await _start(h, channel)
    anna = TeamsUser(name="Anna", upn="anna@example.se")

    body = await _answer(h, channel, anna, ref, _values("4", example="Bra samordning kring SIP"))
    assert body["type"] == "application/vnd.microsoft.card.adaptive"
    own = body["value"]
    assert_valid_card(own)
    assert "Du svarade 4 · Ja" in json.dumps(own, ensure_ascii=False)
    assert own["refresh"]["userIds"] == [anna.channel_id]
    assert own["actions"][0]["verb"] == "pulse.edit"

    # Change the answer, then click many times at once: still one row, the last value.
    await _answer(h, channel, anna, ref, _values("2", contact="no"))
    await asyncio.gather(*[_answer(h, channel, anna, ref, _values("3")) for _ in range(8)])
    rows = await _rows(h)
    assert len(rows) == 1 and rows[0].values == {"collab": 3, "contact": "yes"}
    # The row holds no trace of who: not the object id, not the channel id, not the name.
    dump = json.dumps([r.model_dump() for r in rows])
    for trace in (anna.aad_object_id, anna.channel_id, anna.name, anna.upn):
        assert trace not in dump

    # Refresh (Teams asks when Anna views the card again): her own view; edit: prefilled form.
    refresh = {"action": "pulse.refresh", "pulse": ref}
    _, body = await h.post(h.teams.invoke_action(channel, anna, "pulse.refresh", refresh))
    assert "Du svarade 3" in json.dumps(body["value"], ensure_ascii=False)
    _, body = await h.post(
        h.teams.invoke_action(channel, anna, "pulse.edit", {"action": "pulse.edit", "pulse": ref})
    )
    form = body["value"]
    assert_valid_card(form)
    collab = next(el for el in form["body"] if el.get("id") == "q_collab")
    assert collab["value"] == "3"
    # Someone else refreshing sees the blank form.
    bo = TeamsUser(name="Bo", upn="bo@example.se")
    _, body = await h.post(h.teams.invoke_action(channel, bo, "pulse.refresh", refresh))
    blank = next(el for el in body["value"]["body"] if el.get("id") == "q_collab")
    assert "value" not in blank and "refresh" not in body["value"]

    # Action.Submit fallback stores too (one row per person).
    await h.post(
        h.teams.card_submit(channel, bo, {"action": "pulse.answer", "pulse": ref, **_values("5")})
    )
    await h.connector.wait_for(lambda p: "Ditt svar är sparat" in p.text)
    assert len(await _rows(h)) == 2


async def test_refused_answers_store_nothing(harness: BotHarness) -> None:
    h = harness
    await add_units(h.db, COUNTY)
    channel = await _setup_channel(h, "Östersund")
    other = await _setup_channel(h, "Krokom")
    ref, _ = await _start(h, channel)
    who = TeamsUser(name="Cecilia", upn="cecilia@example.se")

    cases = [
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
    assert await _rows(h) == []


async def test_close_results_at_four_and_late_answer(harness: BotHarness) -> None:
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
    assert pulse.sealed_key is None and pulse.closed_at is not None and pulse.answer_count == 4

    # Late answer: refused, nothing stored; a refresh shows the closed card.
    body = await _answer(h, channel, people[0], ref, _values("5"))
    assert "stängd" in body["value"]
    assert len(await _rows(h)) == 4

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


async def _pulse_with(h: BotHarness, unit: str, n: int) -> None:
    channel = await _setup_channel(h, unit)
    ref, _ = await _start(h, channel)
    for who in _people(n, prefix=unit):
        await _answer(h, channel, who, ref, _values("4"))
    await h.post(h.teams.channel_message(channel, COORDINATOR, "puls stäng"))
    await deliver(h)
    await h.connector.wait_for(lambda p: f"Pulsen för {unit} är stängd" in p.text)


async def test_differencing_blocks_the_parent_total(harness: BotHarness) -> None:
    """Östersund (6) and Jämtland's own pulse (5) are public; Krokom (2) is not. Showing
    Jämtland's roll-up would let anyone subtract and read Krokom's two answers."""
    h = harness
    await add_units(h.db, COUNTY)
    await _pulse_with(h, "Östersund", 6)
    await _pulse_with(h, "Krokom", 2)
    await _pulse_with(h, "Jämtland", 5)
    async with h.db.session() as s:  # the month has ended
        await s.execute(update(Pulse).values(period="2026-01"))

    async with h.db.session() as s:
        rows = await s.execute(
            text(
                "SELECT u.name, c.conversation_id FROM units u JOIN channel_bindings b "
                "ON b.unit_id = u.id JOIN conversations c ON c.id = b.conversation_pk"
            )
        )
        channel_of = dict(rows.all())
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
    assert values == {"Jämtland": "–", "Krokom": "–", "Östersund": "4,0"}


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
    assert len(await _rows(h)) == 1


async def test_a_pulse_closed_by_another_instance_refuses_the_next_answer(
    harness: BotHarness,
) -> None:
    """The close sweep runs on the scheduler leader, which may be another instance: this
    one has just read the pulse for an answer and still holds it as open, yet the next
    answer is refused as late and nothing is stored."""
    h = harness
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
    body = await _answer(h, channel, first, ref, _values("1"))  # nor may an answer change
    assert "stängd" in body["value"]
    rows = await _rows(h)
    assert [r.values for r in rows] == [{"collab": 3, "contact": "yes"}]
