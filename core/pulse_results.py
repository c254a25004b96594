"""A pulse's results: distribution, mean and free text, shown only above the threshold.
Pure.

The anonymity rules of a single result:

- A result is shown only when at least `threshold` people answered (default 5,
  configurable per unit, never below 3: `effective_threshold`).
- Free text is shown only when at least `threshold` different people wrote some
  (each stored answer is one person's: one answer per person, no edits).

Results published together (a pulse beside its unit's roll-ups) must also pass the
differencing rule of core/pulse_differencing.py.
"""

from __future__ import annotations

import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from core.pulse_questions import SCALES, Kind, Question, Template, scale_range

DEFAULT_THRESHOLD = 5
MIN_THRESHOLD = 3


def effective_threshold(configured: object = None) -> int:
    """The unit's threshold: default 5, never below 3 whatever is configured."""
    if isinstance(configured, bool) or not isinstance(configured, int):
        return DEFAULT_THRESHOLD
    return max(MIN_THRESHOLD, configured)


@dataclass(frozen=True)
class QuestionResult:
    question: Question
    answered: int
    counts: dict[str, int]  # value (as text) -> count, in display order
    mean: float | None = None
    texts: tuple[str, ...] = ()
    # Free texts not shown because fewer than the threshold of people wrote one.
    withheld: int = 0


@dataclass(frozen=True)
class Results:
    answers: int
    threshold: int
    shown: bool
    members: int | None = None
    questions: tuple[QuestionResult, ...] = ()

    @property
    def response_rate(self) -> float | None:
        if not self.members:
            return None
        return min(1.0, self.answers / self.members)


def summarize(
    template: Template,
    answers: Sequence[Mapping[str, Any]],
    threshold: int,
    *,
    members: int | None = None,
    answered: int | None = None,
    rng: random.Random | None = None,
) -> Results:
    """Distribution, mean and free text, or only the count when below the threshold.

    `answered`: how many people answered, when more than the answers kept (a pulse
    with fewer answers than the threshold keeps only their number). Free text is
    shown only when at least `threshold` people wrote some (each answer is one
    person's), shuffled (with `rng`, default a system RNG), and carries no time.
    """
    n = len(answers)
    if n < threshold:
        count = max(n, answered or 0)
        return Results(answers=count, threshold=threshold, shown=False, members=members)
    shuffle = (rng or random.SystemRandom()).shuffle
    out: list[QuestionResult] = []
    for q in template.questions:
        got = [a[q.id] for a in answers if a.get(q.id) is not None]
        if q.kind in SCALES:
            nums = [int(v) for v in got]
            counts = {str(i): nums.count(i) for i in scale_range(q.kind)}
            mean = sum(nums) / len(nums) if nums else None
            out.append(QuestionResult(q, len(nums), counts, mean=mean))
        elif q.kind is Kind.YESNO:
            out.append(QuestionResult(q, len(got), {v: got.count(v) for v in ("yes", "no")}))
        elif q.kind is Kind.CHOICE:
            out.append(QuestionResult(q, len(got), {o.id: got.count(o.id) for o in q.options}))
        elif q.kind is Kind.MULTI:
            # `answered` is people; the counts may add up to more (several choices each).
            lists = [v for v in got if isinstance(v, list)]
            counts = {o.id: sum(o.id in v for v in lists) for o in q.options}
            out.append(QuestionResult(q, len(lists), counts))
        else:
            texts = [str(v) for v in got]
            if len(texts) < threshold:  # a lone comment among many answers is still one person
                out.append(QuestionResult(q, len(texts), {}, withheld=len(texts)))
                continue
            shuffle(texts)
            out.append(QuestionResult(q, len(texts), {}, texts=tuple(texts)))
    return Results(
        answers=n, threshold=threshold, shown=True, members=members, questions=tuple(out)
    )
