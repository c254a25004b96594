"""The request id of the turn being handled: one per `/api/messages` request, so a log
line, the outbox rows the turn writes and the dispatcher's send line can be matched.

bot/web.py sets it at the start of each request (the proxy's `X-Request-Id` when it is
a plausible id, else a new one) and answers with it; storage/outbox_repo.py stores it
with each row the turn enqueues; delivery/dispatcher.py sets it again while it sends
that row; infra/logs.py adds it to every log record. A context variable, so concurrent
turns never see each other's, and code with no turn (jobs, the CLI) sees None.
"""

from __future__ import annotations

import re
import uuid
from contextvars import ContextVar, Token

MAX_LENGTH = 64
_PLAUSIBLE = re.compile(r"^[A-Za-z0-9._:-]{8,64}$")

_current: ContextVar[str | None] = ContextVar("samverkan_request_id", default=None)


def accept(given: str | None) -> str:
    """The caller's id if it is plausible (8-64 of letters, digits and `._:-`: nginx's
    `$request_id` is 32 hex digits), else a new one. Nothing else from a header enters a
    log line or a row."""
    if given and _PLAUSIBLE.match(given):
        return given
    return uuid.uuid4().hex


def current() -> str | None:
    return _current.get()


def bind(value: str | None) -> Token[str | None]:
    """Make `value` the current id; `reset(token)` restores the previous one."""
    return _current.set(value)


def reset(token: Token[str | None]) -> None:
    _current.reset(token)
