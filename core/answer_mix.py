"""Anonymity at rest: the pool mix that decides which answers are written when. Pure.

Answers are written in random groups from a pool (`mix`), never one at the moment its
author answered; what is left when a pulse closes is written only if enough people
could have written it (`may_write_remainder`). storage/answer_writer.py does the
writing and states the whole rule.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from typing import TypeVar

T = TypeVar("T")


def mix(
    pool: Sequence[T], arrivals: Sequence[T], keep: int, rng: random.Random
) -> tuple[list[T], list[T]]:
    """A pool mix: (to write now, to keep). Of everything held plus what just arrived,
    `keep` chosen at random stay in memory and the rest is written, in random order.

    So what is written at any moment is a random draw from at least `keep` + 1
    people's answers, not the answer of whoever just pressed "send"; and what is
    left for the end (written when the pulse closes) is at least `keep` answers.
    """
    if keep < 0:
        raise ValueError("keep must not be negative")
    everyone = [*pool, *arrivals]
    rng.shuffle(everyone)
    cut = max(0, len(everyone) - keep)
    return everyone[:cut], everyone[cut:]


def may_write_remainder(candidates: int, threshold: int) -> bool:
    """Whether the answers still held when a pulse closes may be written: only if at
    least `threshold` people could have written them (those who answered since this
    process began holding answers for the pulse). Otherwise they are dropped, and
    only their number is kept: a smaller group would be theirs, by elimination."""
    return candidates >= threshold
