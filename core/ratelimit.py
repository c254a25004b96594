"""Sliding-window rate limits, as pure code over a caller-supplied clock.

Teams throttles a bot per conversation (7 per 1 s, 8 per 2 s, 60 per 30 s, 1800 per
hour) and per app and tenant (a global rate). The limiter answers "may I send to this
conversation at `now`, and if not, how long until I may?".

A window (limit L, length W) holds at the service when fewer than L sends arrived
within W before each new one. We do not know when a request arrives, only that it is
after we let it go (`try_acquire`) and before its answer came back (`release`). So a
send counts from its acquire until W after its release, and a new send is let go only
when fewer than L sends count at that moment: whatever the network delays, the
service can never see L sends within W. (Counting from the acquire time alone fails
as soon as one request is delayed more than the next one.)

Times must not go backwards (use a monotonic clock).
"""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Hashable, Iterable
from dataclasses import dataclass

RECHECK = 0.01  # all of a window's slots are in flight: look again this soon


@dataclass(frozen=True)
class Window:
    limit: int
    seconds: float


TEAMS_CONVERSATION_WINDOWS: tuple[Window, ...] = (
    Window(7, 1.0),
    Window(8, 2.0),
    Window(60, 30.0),
    Window(1800, 3600.0),
)


def rate_windows(per_second: float) -> tuple[Window, ...]:
    """A rate as one window: `floor(rate)` sends per `floor(rate)/rate` seconds (>= 1 send)."""
    if per_second <= 0:
        raise ValueError("rate must be positive")
    limit = max(1, math.floor(per_second))
    return (Window(limit, limit / per_second),)


def _scaled(per_second: float, seconds: float) -> Window:
    """The rate as `round(rate * seconds)` sends (at least one) per the matching time."""
    limit = max(1, round(per_second * seconds))
    return Window(limit, limit / per_second)


class SlidingLog:
    """The sends of one key: how many are in flight, and when the finished ones ended."""

    __slots__ = ("_inflight", "_margin", "_times", "_windows")

    def __init__(self, windows: Iterable[Window], margin: float = 0.0) -> None:
        self._windows = tuple(windows)
        if not self._windows or any(w.limit < 1 or w.seconds <= 0 for w in self._windows):
            raise ValueError("windows need a positive limit and length")
        self._margin = margin
        self._inflight = 0
        # Only the last `max limit` times can ever decide a wait.
        self._times: deque[float] = deque(maxlen=max(w.limit for w in self._windows))

    def wait(self, now: float) -> float:
        """Seconds from `now` until one more send fits every window (0.0: it fits now)."""
        times, longest = self._times, 0.0
        for w in self._windows:
            finished = w.limit - self._inflight  # finished sends the window can still hold
            if finished <= 0:
                longest = max(longest, RECHECK)
            elif len(times) >= finished:
                free_at = times[-finished] + w.seconds + self._margin
                longest = max(longest, free_at - now)
        # A hair more, so that `now + wait` is never short of the moment by a rounding error.
        return longest + 1e-9 if longest > 0 else 0.0

    def start(self) -> None:
        self._inflight += 1

    def finish(self, now: float) -> None:
        """The send that `start` counted is over (answered, failed or abandoned) at `now`."""
        self._inflight = max(0, self._inflight - 1)
        self._times.append(now)

    def record(self, now: float) -> None:
        """A send that took no time: started and finished at `now`."""
        self._times.append(now)

    def idle(self, now: float) -> bool:
        """True when no window counts any send any more (the log can be dropped)."""
        longest = max(w.seconds for w in self._windows) + self._margin
        return self._inflight == 0 and (not self._times or now - self._times[-1] >= longest)


class Limiter:
    """Per-conversation windows plus a global rate shared by every conversation."""

    def __init__(
        self,
        *,
        global_per_second: float = 50.0,
        conversation_windows: Iterable[Window] = TEAMS_CONVERSATION_WINDOWS,
        margin: float = 0.0,
        burst_seconds: float = 0.1,
    ) -> None:
        self._conversation_windows = tuple(conversation_windows)
        self._margin = margin
        self._global = SlidingLog(rate_windows(global_per_second), margin)
        # Spread the global rate over the second instead of one burst per second: a
        # burst would sit in queues and make the in-flight intervals long.
        self._smooth = SlidingLog((_scaled(global_per_second, burst_seconds),))
        self._logs: dict[Hashable, SlidingLog] = {}

    def _log(self, key: Hashable) -> SlidingLog:
        log = self._logs.get(key)
        if log is None:
            log = self._logs[key] = SlidingLog(self._conversation_windows, self._margin)
        return log

    def conversation_wait(self, key: Hashable, now: float) -> float:
        log = self._logs.get(key)
        return log.wait(now) if log is not None else 0.0

    def global_wait(self, now: float) -> float:
        return max(self._global.wait(now), self._smooth.wait(now))

    def wait(self, key: Hashable, now: float) -> float:
        return max(self.conversation_wait(key, now), self.global_wait(now))

    def try_acquire(self, key: Hashable, now: float) -> float:
        """Start a send to `key` and return 0.0, or return the wait (starting nothing).

        Every started send must be `release`d once it is over.
        """
        delay = self.wait(key, now)
        if delay > 0:
            return delay
        self._log(key).start()
        self._global.start()
        self._smooth.record(now)
        return 0.0

    def release(self, key: Hashable, now: float) -> None:
        self._log(key).finish(now)
        self._global.finish(now)

    def count_past(self, sends: Iterable[tuple[Hashable, float]]) -> None:
        """Count sends made before this limiter existed (by another process), oldest first:
        the service's windows still hold them, whoever made them."""
        for key, at in sends:
            self._log(key).record(at)
            self._global.record(at)

    @property
    def longest_window(self) -> float:
        """How far back a send can still decide a wait, in seconds."""
        return max(w.seconds for w in self._conversation_windows) + self._margin

    def prune(self, now: float) -> int:
        """Forget conversations no window remembers any more; returns how many were dropped."""
        idle = [key for key, log in self._logs.items() if log.idle(now)]
        for key in idle:
            del self._logs[key]
        return len(idle)

    def __len__(self) -> int:
        return len(self._logs)


def earliest_schedule(count: int, windows: Iterable[Window], start: float = 0.0) -> list[float]:
    """The earliest possible times of `count` instant sends under `windows` (greedy is optimal)."""
    log = SlidingLog(windows)
    now, out = start, []
    for _ in range(count):
        now += log.wait(now)
        log.record(now)
        out.append(now)
    return out
