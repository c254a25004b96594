"""An APScheduler trigger whose fire times come from core.occurrences.

APScheduler's CronTrigger gets daylight-saving days wrong (see core/occurrences.py);
this trigger takes the same cron fields and fires by our rules instead.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from apscheduler.triggers.base import BaseTrigger

from core.occurrences import next_occurrence, validate_spec

_EPSILON = timedelta(microseconds=1)


class OccurrenceTrigger(BaseTrigger):
    __slots__ = ("spec", "zone")

    def __init__(self, spec: Mapping[str, Any], zone: str) -> None:
        validate_spec(spec)
        self.spec = dict(spec)
        self.zone = ZoneInfo(zone)

    def get_next_fire_time(
        self, previous_fire_time: datetime | None, now: datetime
    ) -> datetime | None:
        # After a firing, continue from it; the scheduler then coalesces any backlog.
        # Before the first, start just before `now` so an occurrence due this very
        # second is not skipped.
        if previous_fire_time is not None:
            after = previous_fire_time
        else:
            after = now.astimezone(UTC).replace(microsecond=0) - _EPSILON
        return next_occurrence(self.spec, self.zone, after)

    def __str__(self) -> str:
        return f"occurrences[{self.spec} {self.zone.key}]"

    def __repr__(self) -> str:
        return f"<OccurrenceTrigger {self.spec!r} {self.zone.key}>"
