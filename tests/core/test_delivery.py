"""Retry classification: what a failed send turns into."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from core.delivery import Action, Backoff, classify, error_code, retry_after


def decide(status: int | None, attempt: int = 1, **kwargs: object) -> tuple[Action, float]:
    d = classify(status, kwargs.pop("headers", {}), attempt, max_attempts=5, **kwargs)  # type: ignore[arg-type]
    return d.action, d.delay


@pytest.mark.parametrize("status", [None, 408, 412, 429, 500, 502, 503, 504, 401])
def test_transient_failures_are_retried_then_given_up(status: int | None) -> None:
    assert decide(status, 1)[0] is Action.RETRY
    assert decide(status, 4)[0] is Action.RETRY
    action, _ = decide(status, 5)
    assert action is Action.DEAD


def test_retry_after_is_honoured_on_429() -> None:
    assert decide(429, 1, headers={"Retry-After": "7"}) == (Action.RETRY, 7.0)
    assert decide(429, 1, headers={"retry-after": "0.35"}) == (Action.RETRY, 0.35)
    now = datetime(2026, 1, 5, 12, 0, tzinfo=UTC)
    d = classify(429, {"Retry-After": "Mon, 05 Jan 2026 12:00:30 GMT"}, 1, max_attempts=5, now=now)
    assert d.delay == pytest.approx(30.0)


@pytest.mark.parametrize("code", ["BotNotInConversationRoster", "ConversationBlockedByUser", None])
def test_403_means_the_bot_is_gone(code: str | None) -> None:
    d = classify(403, {}, 1, max_attempts=5, code=code)
    assert d.action is Action.GONE
    assert (code or "403") in d.reason


def test_404_is_gone_unless_only_the_card_was_deleted() -> None:
    assert decide(404)[0] is Action.GONE
    assert decide(404, operation="update", code="ActivityNotFound")[0] is Action.DEAD


def test_413_is_a_bug_and_other_4xx_are_dead_at_once() -> None:
    assert decide(413)[0] is Action.BUG
    assert decide(400)[0] is Action.DEAD


@given(st.integers(1, 30), st.floats(0.0, 1.0, exclude_max=True))
def test_backoff_grows_with_jitter_within_bounds(attempt: int, jitter: float) -> None:
    b = Backoff(base=1.0, cap=300.0)
    step = min(300.0, 2 ** (attempt - 1))
    assert step / 2 <= b.delay(attempt, jitter) <= step


def test_headers_and_bodies_that_are_not_what_we_expect() -> None:
    assert retry_after({"Retry-After": "soon"}) is None
    assert retry_after({}) is None
    assert retry_after({"Retry-After": "-3"}) == 0.0
    assert error_code('{"error": {"code": "BotNotInConversationRoster"}}') == (
        "BotNotInConversationRoster"
    )
    assert error_code("<html>") is None
    assert error_code(None) is None
    assert error_code('["x"]') is None
