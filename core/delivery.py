"""What to do after a failed send to the Bot Connector: a pure decision.

Input: the HTTP status (None for a timeout or a dropped connection), the response
headers, the error code from the body, and how many attempts have been made.
Output: retry after a delay, dead-letter, dead-letter and stop posting to the
conversation (the bot is gone from it), or dead-letter loudly (our bug).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from enum import StrEnum


class Action(StrEnum):
    RETRY = "retry"
    DEAD = "dead"
    GONE = "gone"  # dead, and the conversation and its bindings are deactivated
    BUG = "bug"  # dead, and logged as an error: the payload is wrong (e.g. too large)


@dataclass(frozen=True)
class Decision:
    action: Action
    delay: float
    reason: str


@dataclass(frozen=True)
class Backoff:
    base: float = 1.0
    cap: float = 300.0
    retry_after_cap: float = 3600.0

    def delay(self, attempt: int, jitter: float) -> float:
        """Exponential backoff with "equal jitter": half fixed, half random (jitter in [0, 1))."""
        step = min(self.cap, self.base * 2 ** max(0, attempt - 1))
        return step / 2 + step / 2 * min(max(jitter, 0.0), 1.0)


# 401 too: a token the service refused is usually one it has not seen yet (rotation).
RETRYABLE = frozenset({401, 408, 412, 429})


def classify(
    status: int | None,
    headers: Mapping[str, str],
    attempt: int,
    *,
    max_attempts: int,
    code: str | None = None,
    operation: str = "send",
    jitter: float = 0.5,
    backoff: Backoff = Backoff(),
    now: datetime | None = None,
) -> Decision:
    """Decide after attempt number `attempt` (1-based) failed with `status`."""
    what = _describe(status, code)
    if status == 413:
        return Decision(Action.BUG, 0.0, f"{what}: the activity is too large for Teams (bug)")
    if status == 403:
        # BotNotInConversationRoster, ConversationBlockedByUser, BotDisabledByAdmin, ...
        return Decision(Action.GONE, 0.0, f"{what}: the bot may not post to this conversation")
    if status == 404:
        if operation == "update" and code == "ActivityNotFound":
            # The card was deleted; the conversation itself is fine.
            return Decision(Action.DEAD, 0.0, f"{what}: the card to update no longer exists")
        return Decision(Action.GONE, 0.0, f"{what}: the conversation no longer exists")
    retryable = status is None or status in RETRYABLE or status >= 500
    if not retryable:
        return Decision(Action.DEAD, 0.0, f"{what}: not retryable")
    if attempt >= max_attempts:
        return Decision(Action.DEAD, 0.0, f"{what}: gave up after {attempt} attempts")
    delay = backoff.delay(attempt, jitter)
    if status == 429:
        wait = retry_after(headers, now)
        if wait is not None:
            delay = min(wait, backoff.retry_after_cap)
    return Decision(Action.RETRY, delay, what)


def retry_after(headers: Mapping[str, str], now: datetime | None = None) -> float | None:
    """Seconds from a Retry-After header (delta-seconds or an HTTP date), or None."""
    value = next((v for k, v in headers.items() if k.lower() == "retry-after"), None)
    if value is None:
        return None
    value = value.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - (now or datetime.now(UTC))).total_seconds())


def error_code(body: str | None) -> str | None:
    """The `error.code` of a Bot Connector error body, if it has one."""
    if not body:
        return None
    try:
        data = json.loads(body)
    except ValueError:
        return None
    error = data.get("error") if isinstance(data, dict) else None
    code = error.get("code") if isinstance(error, dict) else None
    return code if isinstance(code, str) else None


def _describe(status: int | None, code: str | None) -> str:
    text = "timeout or connection error" if status is None else f"HTTP {status}"
    return f"{text} {code}" if code else text
