"""The per-person token bucket: burst, refill, one message per stretch, independence."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from core.command_limit import CommandLimiter, Verdict


def test_burst_then_refused_once_told_then_silent() -> None:
    lim = CommandLimiter(per_minute=20, burst=10)
    assert [lim.check("a", 0.0) for _ in range(10)] == [Verdict.ALLOW] * 10
    assert lim.check("a", 0.1) is Verdict.REFUSE_AND_TELL
    assert lim.check("a", 0.2) is Verdict.REFUSE_SILENTLY
    assert lim.check("b", 0.2) is Verdict.ALLOW  # others are not affected
    # 20 a minute: one token back after 3 s
    assert 2.5 < lim.retry_after("a", 0.5) <= 3.0
    assert lim.check("a", 3.01) is Verdict.ALLOW
    # a new stretch of refusals is told again
    assert lim.check("a", 3.02) is Verdict.REFUSE_AND_TELL


def test_prune_forgets_only_full_buckets() -> None:
    lim = CommandLimiter(per_minute=60, burst=2)
    lim.check("a", 0.0)
    lim.check("b", 0.0)
    lim.check("b", 0.0)
    assert lim.prune(1.5) == 1  # a is full again after 1 s, b needs 2 s
    assert len(lim) == 1


@given(st.lists(st.floats(min_value=0, max_value=1000), max_size=200))
def test_never_more_than_burst_plus_rate_times_span(gaps: list[float]) -> None:
    lim = CommandLimiter(per_minute=20, burst=10)
    now, allowed = 0.0, 0
    for gap in gaps:
        now += gap / 100
        allowed += lim.check("k", now) is Verdict.ALLOW
    assert allowed <= 10 + now * 20 / 60 + 1e-9
