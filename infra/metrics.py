"""Counters and gauges in the Prometheus text format, with no extra dependency."""

from __future__ import annotations

import asyncio
from collections import defaultdict
from collections.abc import Awaitable, Callable

GaugeFn = Callable[[], Awaitable[dict[str, float]]]


class Metrics:
    def __init__(self) -> None:
        self._counters: dict[str, dict[tuple[tuple[str, str], ...], float]] = defaultdict(dict)
        self._help: dict[str, str] = {}
        self._gauges: list[GaugeFn] = []

    def describe(self, name: str, help_text: str) -> None:
        self._help[name] = help_text

    def inc(self, name: str, amount: float = 1.0, **labels: str) -> None:
        key = tuple(sorted(labels.items()))
        series = self._counters[name]
        series[key] = series.get(key, 0.0) + amount

    def value(self, name: str, **labels: str) -> float:
        return self._counters.get(name, {}).get(tuple(sorted(labels.items())), 0.0)

    def total(self, name: str) -> float:
        """The counter summed over every label set."""
        return sum(self._counters.get(name, {}).values())

    def add_gauges(self, fn: GaugeFn) -> None:
        """A coroutine returning {metric_name: value}, evaluated at scrape time."""
        self._gauges.append(fn)

    async def render(
        self,
        *,
        gauges: bool = True,
        extra: dict[str, float] | None = None,
        gauge_seconds: float = 5.0,
    ) -> str:
        """The text a scrape gets. Never raises: a gauge source that fails (most read the
        database) is left out and counted in `samverkan_gauge_errors`; `gauges=False`
        skips them all (the caller knows the database is down)."""
        lines: list[str] = []
        for name in sorted(self._counters):
            if name in self._help:
                lines.append(f"# HELP {name} {self._help[name]}")
            lines.append(f"# TYPE {name} counter")
            for labels, value in sorted(self._counters[name].items()):
                lines.append(f"{name}{_labels(labels)} {value:g}")
        values: dict[str, float] = dict(extra or {})
        failed = 0
        for fn in self._gauges if gauges else []:
            try:
                async with asyncio.timeout(gauge_seconds):
                    values.update(await fn())
            except Exception:
                failed += 1
        values["samverkan_gauge_errors"] = float(failed if gauges else len(self._gauges))
        for name, value in sorted(values.items()):
            if name in self._help:
                lines.append(f"# HELP {name} {self._help[name]}")
            lines.append(f"# TYPE {name} gauge")
            lines.append(f"{name} {value:g}")
        return "\n".join(lines) + "\n"


def _labels(labels: tuple[tuple[str, str], ...]) -> str:
    if not labels:
        return ""
    inner = ",".join(f'{k}="{_escape(v)}"' for k, v in labels)
    return "{" + inner + "}"


def _escape(value: str) -> str:
    return value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
