"""A pulse answer is someone's card action in a channel, so it records that they are in
the channel (bot/scope.py note_presence). For answers that write runs beside the answer's
own (bot/agent.py), and both are committed before the answer's card comes back."""

from __future__ import annotations

import json

from sqlalchemy import select

from storage.models import ChannelMember
from storage.pulse_models import PulseRespondent
from tests.pulse.test_pulse_http import COUNTY, _answer, _setup_channel, _start, _values
from tests.support.harness import BotHarness, add_units
from tests.teams import TeamsUser


async def test_an_answer_and_its_sighting_are_both_committed_before_the_reply(
    harness: BotHarness,
) -> None:
    h = harness
    await add_units(h.db, COUNTY)
    channel = await _setup_channel(h, "Krokom")
    ref, _ = await _start(h, channel)
    eva = TeamsUser(name="Eva", upn="eva@example.se")
    body = await _answer(h, channel, eva, ref, _values("3"))
    assert "Du svarade 3" in json.dumps(body["value"], ensure_ascii=False)
    async with h.db.read() as s:
        members = (await s.execute(select(ChannelMember))).scalars().all()
        respondents = (await s.execute(select(PulseRespondent))).scalars().all()
    assert eva.aad_object_id.lower() in {m.aad_object_id for m in members}
    assert len(respondents) == 1
