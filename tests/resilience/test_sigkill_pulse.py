"""SIGKILL during a burst of pulse answers: every acknowledged answer is counted, once.

The bot is the real app in a subprocess (SQLite file, PostgreSQL). Many distinct people
answer one open pulse through `adaptiveCard/action` invokes, 16 at a time; once a third
have been acknowledged (HTTP 200 with the person's "Du svarade" card) the process is
killed with SIGKILL and started again on the same database. Then every acknowledged
person is recorded as having answered (the test knows the server secret and each
person's id) and cannot answer again; and the answers written are answers that were
sent: all acknowledged ones but at most the pulse's threshold, which the killed process
held in memory so as never to write an answer when its author gave it
(storage/answer_writer.py).
"""

from __future__ import annotations

import asyncio
import json
import time
from collections import Counter
from pathlib import Path
from typing import Any

import aiohttp
from sqlalchemy import func
from sqlmodel import select

from storage import pulse_answers_repo
from storage.db import Database
from storage.pulse_models import Pulse, PulseAnswer, PulseRespondent
from tests.fakes.connector import FakeConnector
from tests.support.harness import add_units
from tests.support.processes import BotProcess
from tests.teams import ActivityFactory, Channel, TeamsUser, new_channel

SECRET = "k" * 40
PEOPLE = 600
PARALLEL = 16
COORDINATOR = TeamsUser(name="Karin Samordnare", upn="karin@example.se")


async def _post(http: aiohttp.ClientSession, bot: BotProcess, act: dict[str, Any]) -> Any:
    async with http.post(bot.url + "/api/messages", json=act) as resp:
        text = await resp.text()
        return resp.status, text


async def _open_pulse(
    http: aiohttp.ClientSession, bot: BotProcess, fake: FakeConnector, teams: ActivityFactory
) -> tuple[Channel, str]:
    channel = new_channel("Östersund samverkan")
    await _post(http, bot, teams.install_in_team(channel, COORDINATOR))
    await _post(http, bot, teams.channel_message(channel, COORDINATOR, "setup Östersund"))
    await fake.wait_for(lambda p: "Klart" in p.text, timeout=20)
    await _post(http, bot, teams.channel_message(channel, COORDINATOR, "puls start"))
    posted = await fake.wait_for(
        lambda p: any("pulse.answer" in json.dumps(c) for c in p.cards), timeout=20
    )
    return channel, posted.cards[0]["actions"][0]["data"]["pulse"]


def _values(i: int) -> dict[str, Any]:
    return {"q_collab": str(i % 5 + 1), "q_contact": "yes" if i % 2 else "no"}


def _stored(i: int) -> dict[str, Any]:
    """The answer as stored (question ids without the input prefix, scale as a number)."""
    return {"collab": i % 5 + 1, "contact": "yes" if i % 2 else "no"}


async def test_sigkill_mid_burst_keeps_every_acknowledged_answer(
    db: Database, connector: tuple[FakeConnector, str], tmp_path: Path
) -> None:
    fake, service_url = connector
    fake.enforce_limits = False
    await add_units(
        db,
        {"Jämtland": None, "Östersund": "Jämtland"},
        roles=[("Östersund", COORDINATOR.upn, "coordinator")],
    )
    teams = ActivityFactory(service_url)
    people = [TeamsUser(name=f"Person {i}", upn=f"p{i}@example.se") for i in range(PEOPLE)]
    extra = ("--secret", SECRET)
    bot = BotProcess(db.url, tmp_path / "data", tmp_path / "bot.log", *extra)
    acknowledged: dict[int, dict[str, Any]] = {}
    sent: set[int] = set()
    statuses: list[int | str] = []
    try:
        await bot.start()
        async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=30)) as http:
            channel, ref = await _open_pulse(http, bot, fake, teams)
            queue: asyncio.Queue[int] = asyncio.Queue()
            killed = asyncio.Event()
            for i in range(PEOPLE):
                queue.put_nowait(i)

            async def answerer() -> None:
                while not queue.empty() and not killed.is_set():
                    i = queue.get_nowait()
                    data = {"action": "pulse.answer", "pulse": ref, **_values(i)}
                    act = teams.invoke_action(channel, people[i], "pulse.answer", data)
                    sent.add(i)
                    try:
                        status, text = await _post(http, bot, act)
                    except (aiohttp.ClientError, TimeoutError) as exc:
                        statuses.append(type(exc).__name__)  # the kill cut this one off
                        continue
                    statuses.append(status)
                    if status == 200 and "Du svarade" in text:
                        acknowledged[i] = _stored(i)

            workers = [asyncio.create_task(answerer()) for _ in range(PARALLEL)]
            deadline = time.monotonic() + 60
            while len(acknowledged) < PEOPLE // 3:
                assert time.monotonic() < deadline, f"burst too slow: {statuses[-5:]}"
                await asyncio.sleep(0.002)
            killed.set()
            bot.kill()
            acked_at_kill = len(acknowledged)
            await asyncio.gather(*workers)
    finally:
        bot.kill()

    assert len(sent) < PEOPLE, "killed too late to prove anything"
    # The killed process answered nothing after it died, and never with a 500.
    assert not [s for s in statuses if isinstance(s, int) and s >= 500]
    bot = BotProcess(db.url, tmp_path / "data", tmp_path / "bot2.log", *extra)
    try:
        await bot.start()  # the restarted bot opens the same database cleanly
        async with aiohttp.ClientSession() as http, http.get(bot.url + "/healthz") as resp:
            assert resp.status == 200
    finally:
        bot.stop()

    async with db.session() as s:
        pulse = (await s.execute(select(Pulse).where(Pulse.ref == ref))).scalar_one()
        written = [
            dict(v)
            for v in (
                await s.execute(select(PulseAnswer.values).where(PulseAnswer.pulse_id == pulse.id))
            ).scalars()
        ]
        counted = (
            await s.execute(
                select(func.count())
                .select_from(PulseRespondent)
                .where(PulseRespondent.pulse_id == pulse.id)
            )
        ).scalar_one()
        missing = [
            i
            for i in acknowledged
            if not await pulse_answers_repo.has_answered(s, pulse, SECRET, people[i].aad_object_id)
        ]
    print(
        f"\n{db.dialect}: {len(sent)} sent, {acked_at_kill} acknowledged at the kill"
        f" ({len(acknowledged)} in all), {counted} counted, {len(written)} written"
    )
    assert not missing, f"acknowledged but not counted: {missing[:10]}"
    assert len(acknowledged) <= counted <= len(sent)
    # Written answers are sent ones (as multisets), and only what was held is missing.
    sent_values = Counter(json.dumps(_stored(i), sort_keys=True) for i in sent)
    written_values = Counter(json.dumps(v, sort_keys=True) for v in written)
    assert not written_values - sent_values
    assert counted - pulse.threshold <= len(written) <= counted

    # Nobody acknowledged may answer again, after the restart either.
    again = next(iter(acknowledged))
    bot = BotProcess(db.url, tmp_path / "data", tmp_path / "bot3.log", *extra)
    try:
        await bot.start()
        async with aiohttp.ClientSession() as http:
            data = {"action": "pulse.answer", "pulse": ref, **_values(again + 1)}
            act = teams.invoke_action(channel, people[again], "pulse.answer", data)
            status, text = await _post(http, bot, act)
    finally:
        bot.stop()
    assert status == 200 and "Du har svarat" in text and "Du svarade" not in text
