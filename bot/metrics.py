"""Counters and gauges in the Prometheus text format, with no extra dependency."""

from __future__ import annotations

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

    async def render(self) -> str:
        lines: list[str] = []
        for name in sorted(self._counters):
            if name in self._help:
                lines.append(f"# HELP {name} {self._help[name]}")
            lines.append(f"# TYPE {name} counter")
            for labels, value in sorted(self._counters[name].items()):
                lines.append(f"{name}{_labels(labels)} {value:g}")
        for fn in self._gauges:
            for name, value in sorted((await fn()).items()):
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
