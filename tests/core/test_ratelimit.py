"""The limiter never lets a window overflow, whatever the network delays, and its waits suffice."""

from __future__ import annotations

from collections import defaultdict

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from core.ratelimit import (
    TEAMS_CONVERSATION_WINDOWS,
    Limiter,
    SlidingLog,
    Window,
    earliest_schedule,
    rate_windows,
)

# (conversation, time step, how long the send takes to be answered)
ops = st.lists(
    st.tuples(
        st.integers(0, 3),
        st.floats(0.0, 1.0, allow_nan=False),
        st.floats(0.0, 0.5, allow_nan=False),
    ),
    min_size=1,
    max_size=300,
)

Send = tuple[float, float]  # (let go, answered): the service saw it somewhere in between


def worst_case_holds(sends: list[Send], windows: tuple[Window, ...]) -> bool:
    """Even if every earlier send arrived as late and each new one as early as possible."""
    noise = 1e-9  # float rounding of `start - seconds`
    return all(
        sum(1 for _, done in sends[:i] if done > start - w.seconds + noise) < w.limit
        for w in windows
        for i, (start, _) in enumerate(sends)
    )


def run(limiter: Limiter, steps: list[tuple[int, float, float]]) -> dict[int | str, list[Send]]:
    """Drive the limiter: try a send per step; finish sends when their answer time comes."""
    now = 0.0
    pending: list[tuple[float, int, float]] = []  # (answer time, key, start)
    sends: dict[int | str, list[Send]] = defaultdict(list)
    for key, dt, latency in steps:
        now += dt
        for done, k, start in sorted(p for p in pending if p[0] <= now):
            limiter.release(k, done)
            sends[k].append((start, done))
            sends["all"].append((start, done))
            pending.remove((done, k, start))
        if limiter.try_acquire(key, now) == 0.0:
            pending.append((now + latency, key, now))
    for done, k, start in sorted(pending):
        limiter.release(k, done)
        sends[k].append((start, done))
        sends["all"].append((start, done))
    for log in sends.values():
        log.sort()
    return sends


@settings(max_examples=300, deadline=None)
@given(ops, st.sampled_from([1.0, 2.5, 10.0, 50.0]))
def test_no_window_can_overflow_at_the_service(
    steps: list[tuple[int, float, float]], rate: float
) -> None:
    sends = run(Limiter(global_per_second=rate), steps)
    for key, log in sends.items():
        windows = rate_windows(rate) if key == "all" else TEAMS_CONVERSATION_WINDOWS
        assert worst_case_holds(log, windows)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 3), st.floats(0.0, 2.0, allow_nan=False)), max_size=300))
def test_sleeping_the_named_wait_always_succeeds(steps: list[tuple[int, float]]) -> None:
    """Instant sends: a caller that sleeps what it is told gets its send, no busy loop."""
    limiter = Limiter(global_per_second=3.0)
    now = 0.0
    for key, dt in steps:
        now += dt
        wait = limiter.try_acquire(key, now)
        if wait > 0:
            assert wait <= 3600.0
            now += wait
            assert limiter.try_acquire(key, now) == 0.0
        limiter.release(key, now)


def test_a_slow_answer_holds_the_window_open_longer() -> None:
    limiter = Limiter(global_per_second=1000, burst_seconds=1.0)
    for _ in range(7):
        assert limiter.try_acquire("c", 0.0) == 0.0
    assert limiter.wait("c", 0.0) > 0  # all seven in flight
    for _ in range(7):
        limiter.release("c", 0.4)  # answered late: they may have arrived at 0.4
    assert limiter.wait("c", 1.0) == pytest.approx(0.4)


def test_one_conversation_is_held_to_teams_limits() -> None:
    times = earliest_schedule(300, TEAMS_CONVERSATION_WINDOWS)
    assert worst_case_holds([(t, t) for t in times], TEAMS_CONVERSATION_WINDOWS)
    assert times[6] == 0.0 and times[7] == pytest.approx(1.0)  # 7 per second
    assert times[59] < 15.0 and times[60] == pytest.approx(30.0)  # then 60 per 30 s
    assert times[-1] > 120.0  # 300 messages to one conversation take over two minutes


def test_the_global_rate_is_spread_over_the_second() -> None:
    limiter = Limiter(global_per_second=50.0)
    accepted = [k for k in range(20) if limiter.try_acquire(k, 0.0) == 0.0]
    assert len(accepted) == 5  # 5 per 100 ms, not 50 at once
    assert limiter.wait(99, 0.0) == pytest.approx(0.1)


def test_a_rate_below_one_per_second_spaces_sends() -> None:
    assert rate_windows(0.5) == (Window(1, 2.0),)
    assert rate_windows(50) == (Window(50, 1.0),)
    log = SlidingLog(rate_windows(0.5))
    log.record(0.0)
    assert log.wait(0.5) == pytest.approx(1.5)


def test_idle_conversations_are_forgotten_but_not_while_in_flight() -> None:
    limiter = Limiter(burst_seconds=1.0)
    for key in range(50):
        assert limiter.try_acquire(key, 0.0) == 0.0
    assert limiter.try_acquire(50, 0.0) > 0  # the global 50/s
    assert limiter.prune(7200.0) == 0  # all still in flight
    for key in range(50):
        limiter.release(key, 0.1)
    assert limiter.prune(10.0) == 0
    assert limiter.prune(3600.2) == 50
    assert len(limiter) == 0


def test_sends_made_before_the_limiter_existed_count_in_its_windows() -> None:
    limiter = Limiter(global_per_second=100.0)
    limiter.count_past([("c", 9.0 + i * 0.1) for i in range(7)])  # 7 in the last second
    assert limiter.wait("c", 9.9) > 0  # the 8th must wait for the 1 s window
    assert limiter.wait("other", 9.9) == 0.0
    assert limiter.longest_window == 3600.0
