"""The JobContext tests fire jobs with: what runtime/process.py would build from
local settings, with no Graph directory and no install hook unless a test gives one."""

from __future__ import annotations

from typing import Any

from services.context import JobContext

SECRET = "k" * 40


def job_context(**overrides: Any) -> JobContext:
    return JobContext(**{"secret": SECRET, **overrides})
