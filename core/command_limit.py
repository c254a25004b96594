"""Per-person limits on commands and card actions: a token bucket per key, pure code.

Each person has a bucket holding up to `burst` tokens that refills at `per_minute`
tokens a minute; a command takes one token. A refused command is told so once per
stretch of refusals (the next allowed command ends the stretch), so a person
hammering the bot gets one friendly message, not one per command.

Times come from the caller (a monotonic clock) and must not go backwards.
"""

from __future__ import annotations

from collections.abc import Hashable
from dataclasses import dataclass
from enum import Enum


class Verdict(Enum):
    ALLOW = "allow"
    REFUSE_AND_TELL = "refuse_and_tell"  # the first refusal of a stretch: say why
    REFUSE_SILENTLY = "refuse_silently"  # already told


@dataclass
class _Bucket:
    tokens: float
    at: float
    told: bool = False


class CommandLimiter:
    def __init__(self, *, per_minute: float = 20.0, burst: int = 10) -> None:
        if per_minute <= 0 or burst < 1:
            raise ValueError("per_minute must be positive and burst at least 1")
        self.rate = per_minute / 60.0
        self.burst = float(burst)
        self._buckets: dict[Hashable, _Bucket] = {}

    def _refill(self, bucket: _Bucket, now: float) -> None:
        elapsed = max(0.0, now - bucket.at)
        bucket.tokens = min(self.burst, bucket.tokens + elapsed * self.rate)
        bucket.at = now

    def check(self, key: Hashable, now: float) -> Verdict:
        """Take a token for `key` at `now` if there is one."""
        bucket = self._buckets.get(key)
        if bucket is None:
            bucket = self._buckets[key] = _Bucket(tokens=self.burst, at=now)
        self._refill(bucket, now)
        if bucket.tokens >= 1.0:
            bucket.tokens -= 1.0
            bucket.told = False
            return Verdict.ALLOW
        if bucket.told:
            return Verdict.REFUSE_SILENTLY
        bucket.told = True
        return Verdict.REFUSE_AND_TELL

    def retry_after(self, key: Hashable, now: float) -> float:
        """Seconds until `key` has a token again (0.0: now)."""
        bucket = self._buckets.get(key)
        if bucket is None:
            return 0.0
        tokens = min(self.burst, bucket.tokens + max(0.0, now - bucket.at) * self.rate)
        return 0.0 if tokens >= 1.0 else (1.0 - tokens) / self.rate

    def prune(self, now: float) -> int:
        """Forget full buckets (they behave exactly like new ones); returns how many."""
        full = [
            key
            for key, b in self._buckets.items()
            if b.tokens + max(0.0, now - b.at) * self.rate >= self.burst
        ]
        for key in full:
            del self._buckets[key]
        return len(full)

    def __len__(self) -> int:
        return len(self._buckets)
