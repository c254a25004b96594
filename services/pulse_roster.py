"""After a scheduled pulse opens: its channel's roster from Teams.

The `pulse_open` job (services/pulse.py `open_scheduled`) runs in the firing transaction
and reaches the members stored so far. Once that has committed (scheduler/kinds.py
`AFTER_COMMIT`), this reads the channel's roster from the Bot Connector with no
transaction open while Teams answers, then in one short transaction: stores the members
(services/roster.py), keeps their number for the answer rate, and, where the unit's
pulses go personally, queues the card for members the stored list lacked. The card goes
once per person and pulse (services/personal.py's once-ever key), so the members reached
already get nothing more, whichever instance or run comes first. A roster that cannot be
read changes nothing: the stored members have the card.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from core.roster import people_count
from services import pulse, pulse_personal, roster
from services.context import JobContext
from storage import pulse_repo
from storage.db import Database
from storage.models import Conversation, Schedule, Unit

log = logging.getLogger(__name__)

SAME_FIRING = timedelta(seconds=1)  # the pulse opened at this occurrence


async def after_open(
    db: Database, schedule: Schedule, occurrence_at: datetime, context: JobContext
) -> None:
    if schedule.unit_id is None or context.roster is None:
        return
    async with db.read() as s:
        opened = await pulse_repo.open_pulse_for_unit(s, schedule.unit_id)
        if (
            opened is None
            or opened.opened_by != "schedule"
            or abs(opened.opened_at - occurrence_at) > SAME_FIRING
        ):
            return  # this firing opened nothing (not the day, or one was open already)
        conv = await s.get(Conversation, opened.conversation_pk)
        if conv is None or not conv.reference:
            return
        reference, channel = dict(conv.reference), conv
    entries = await context.roster(reference)
    if entries is None:
        return
    async with db.session() as s:
        unit = await s.get(Unit, schedule.unit_id)
        current = await pulse_repo.open_pulse_for_unit(s, schedule.unit_id)
        if unit is None or current is None or current.id != opened.id:
            return  # closed meanwhile
        await roster.store(
            s,
            entries,
            conversation_id=pulse_personal.channel_key(channel.conversation_id),
            team_id=channel.team_id,
            channel_tenant=channel.tenant_id or "",
        )
        assert current.id is not None
        members = people_count(entries)
        await pulse_repo.set_member_count(s, current.id, members)
        post = pulse.card_post(current, context.zone, context.language)
        sent = await pulse_personal.send_pulse(
            s, unit, current, post.activity, lang=context.language, own_tenant=context.own_tenant
        )
    log.info(
        "pulse %s: %d on the roster%s",
        current.ref,
        members,
        f", {sent.queued} sent personally" if sent is not None else "",
    )
