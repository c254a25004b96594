"""Logging for `samverkan serve`: lines of text (default) or one JSON object per line
(SAMVERKAN_LOG_FORMAT=json), each with the request id of the turn it belongs to.

A JSON line holds `ts` (UTC, ISO 8601), `level`, `logger`, `msg`, `request_id` (null
outside a turn), `instance` (host:pid), and `exc` for an exception. Message texts never
hold what people typed (tests/bot/test_logging.py): the JSON form changes only the
shape, not what is logged.
"""

from __future__ import annotations

import json
import logging
import os
import socket
from datetime import UTC, datetime
from typing import Literal

from core import request_id

_INSTANCE = f"{socket.gethostname()}:{os.getpid()}"


class RequestIdFilter(logging.Filter):
    """Adds `request_id` (core/request_id.py) to every record passing a handler."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not hasattr(record, "request_id"):
            record.request_id = request_id.current()
        return True


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        out: dict[str, object] = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "msg": record.getMessage(),
            "request_id": getattr(record, "request_id", None),
            "instance": _INSTANCE,
        }
        if record.exc_info:
            out["exc"] = self.formatException(record.exc_info)
        return json.dumps(out, ensure_ascii=False)


TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s [%(request_id)s]: %(message)s"

# The Agents SDK logs its whole connection configuration at INFO, twelve lines, once per
# connection manager (the web adapter's and the dispatcher's): kept for --log debug.
QUIET_AT_INFO = ("microsoft_agents.hosting.core.authorization.connection_manager",)


def configure(fmt: Literal["text", "json"] = "text", level: int = logging.INFO) -> None:
    """The root logger's one handler (stderr), in the chosen format."""
    handler = logging.StreamHandler()
    handler.addFilter(RequestIdFilter())
    handler.setFormatter(JsonFormatter() if fmt == "json" else logging.Formatter(TEXT_FORMAT))
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level)
    for name in QUIET_AT_INFO:
        logging.getLogger(name).setLevel(
            level if level < logging.INFO else max(level, logging.WARNING)
        )
