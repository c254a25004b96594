"""Pulse surveys: templates, answer validation, the answer window, results and anonymity.

Pure functions over plain data. The anonymity rules:

- A result is shown only when at least `threshold` people answered (default 5,
  configurable per unit, never below 3: `effective_threshold`).
- Free text is shown only when at least `threshold` different people wrote some
  (each stored answer is one person's: one answer per person, no edits).
- Differencing: published aggregates form a laminar family (a pulse inside its
  unit's period, a unit inside its parent's subtree). Subtracting published cells
  from each other can reveal exactly the unions of their *residuals* (a cell minus
  its largest published sub-cells), so every non-empty residual must reach the
  threshold too. `publishable` withdraws slices (and if needed totals) until that
  holds. Consecutive pulses of one unit are kept apart by a cool-down
  (`next_start`), so two results cannot be subtracted to isolate the few who
  joined or left in between.
- At rest: answers are written in random groups from a pool (`mix`), never one
  at the moment its author answered (storage/answer_writer.py).
"""

from __future__ import annotations

import random
import re
from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from typing import Any, Generic, TypeVar
from zoneinfo import ZoneInfo

from core.holidays import add_working_days, is_working_day, previous_working_day
from core.personnummer import contains_identity_number

DEFAULT_THRESHOLD = 5
MIN_THRESHOLD = 3
MAX_QUESTIONS = 5
MAX_TEXT = 500
MAX_OPTIONS = 8
LIKERT_MIN, LIKERT_MAX = 1, 5
SCALE10_MIN, SCALE10_MAX = 0, 10
DEFAULT_WINDOW_DAYS = 5
DEFAULT_COOLDOWN_DAYS = 7
MAX_COOLDOWN_DAYS = 365
CLOSE_AT = time(16, 0)
REMIND_AT = time(9, 0)
INPUT_PREFIX = "q_"
_QUESTION_ID = re.compile(r"^[a-z][a-z0-9_]{0,19}$")


class Kind(StrEnum):
    LIKERT = "likert"  # scale 1–5 with labelled ends
    SCALE10 = "scale10"  # 0–10, ends optionally labelled
    CHOICE = "choice"  # single choice
    MULTI = "multi"  # multiple choice: stored as the list of chosen option ids
    YESNO = "yesno"
    TEXT = "text"  # free text (usually optional)


SCALES = (Kind.LIKERT, Kind.SCALE10)
# The numbers each scale accepts, both ends included.
_SCALES = {Kind.LIKERT: (LIKERT_MIN, LIKERT_MAX), Kind.SCALE10: (SCALE10_MIN, SCALE10_MAX)}
WITH_OPTIONS = (Kind.CHOICE, Kind.MULTI)


def scale_range(kind: Kind) -> range:
    """The values of a scale question, in display order."""
    if kind is Kind.SCALE10:
        return range(SCALE10_MIN, SCALE10_MAX + 1)
    return range(LIKERT_MIN, LIKERT_MAX + 1)


@dataclass(frozen=True)
class Option:
    id: str
    label: Mapping[str, str]


@dataclass(frozen=True)
class Question:
    id: str
    kind: Kind
    text: Mapping[str, str]
    required: bool = True
    # Scales: the labels of the lowest and highest value (required for 1–5).
    low: Mapping[str, str] = field(default_factory=dict)
    high: Mapping[str, str] = field(default_factory=dict)
    options: tuple[Option, ...] = ()

    def label(self, lang: str) -> str:
        return self.text.get(lang) or self.text["sv"]


@dataclass(frozen=True)
class Template:
    key: str
    name: Mapping[str, str]
    questions: tuple[Question, ...]
    # The Likert question whose mean is the indicator "staff-rated collaboration".
    indicator_question: str | None = None

    def question(self, qid: str) -> Question | None:
        return next((q for q in self.questions if q.id == qid), None)


class InvalidTemplate(ValueError):
    pass


def validate_template(template: Template) -> None:
    """Raise InvalidTemplate unless the template is one we can put on a card."""
    if not 1 <= len(template.questions) <= MAX_QUESTIONS:
        raise InvalidTemplate(f"a pulse has 1–{MAX_QUESTIONS} questions")
    if not template.name.get("sv"):
        raise InvalidTemplate("the template needs a Swedish name")
    ids = [q.id for q in template.questions]
    if len(set(ids)) != len(ids):
        raise InvalidTemplate("question ids must be unique")
    for q in template.questions:
        if not _QUESTION_ID.match(q.id):
            raise InvalidTemplate(f"question id {q.id!r}: lower-case letters, digits, _")
        if not q.text.get("sv") or not q.text.get("en"):
            raise InvalidTemplate(f"question {q.id}: text in Swedish and English")
        if q.kind is Kind.LIKERT and not (q.low.get("sv") and q.high.get("sv")):
            raise InvalidTemplate(f"question {q.id}: a Likert question labels both ends")
        if q.kind in WITH_OPTIONS:
            opt_ids = [o.id for o in q.options]
            if not 2 <= len(opt_ids) <= MAX_OPTIONS or len(set(opt_ids)) != len(opt_ids):
                raise InvalidTemplate(f"question {q.id}: 2–{MAX_OPTIONS} distinct options")
            for o in q.options:
                if not _QUESTION_ID.match(o.id) or not o.label.get("sv"):
                    raise InvalidTemplate(
                        f"question {q.id}: option {o.id!r} needs an id and a label"
                    )
        elif q.options:
            raise InvalidTemplate(f"question {q.id}: only choice questions have options")
    if template.indicator_question is not None:
        target = template.question(template.indicator_question)
        if target is None or target.kind is not Kind.LIKERT:
            raise InvalidTemplate("indicator_question must name a Likert question")


def template_to_dict(template: Template) -> dict[str, Any]:
    return {
        "key": template.key,
        "name": dict(template.name),
        "indicator_question": template.indicator_question,
        "questions": [
            {
                "id": q.id,
                "kind": q.kind.value,
                "text": dict(q.text),
                "required": q.required,
                "low": dict(q.low),
                "high": dict(q.high),
                "options": [{"id": o.id, "label": dict(o.label)} for o in q.options],
            }
            for q in template.questions
        ],
    }


def template_from_dict(data: Mapping[str, Any]) -> Template:
    """Parse and validate (raises InvalidTemplate)."""
    try:
        questions = tuple(
            Question(
                id=str(q["id"]),
                kind=Kind(q["kind"]),
                text=dict(q["text"]),
                required=bool(q.get("required", Kind(q["kind"]) is not Kind.TEXT)),
                low=dict(q.get("low") or {}),
                high=dict(q.get("high") or {}),
                options=tuple(
                    Option(id=str(o["id"]), label=dict(o["label"])) for o in q.get("options") or []
                ),
            )
            for q in data["questions"]
        )
        template = Template(
            key=str(data["key"]),
            name=dict(data["name"]),
            questions=questions,
            indicator_question=data.get("indicator_question"),
        )
    except (KeyError, TypeError, ValueError) as exc:
        if isinstance(exc, InvalidTemplate):
            raise
        raise InvalidTemplate(f"not a pulse template: {exc}") from None
    validate_template(template)
    return template


SAMVERKANSPULS = Template(
    key="samverkanspuls",
    name={"sv": "Samverkanspuls", "en": "Collaboration pulse"},
    indicator_question="collab",
    questions=(
        Question(
            id="collab",
            kind=Kind.LIKERT,
            text={
                "sv": "Hur väl fungerar samarbetet mellan vårdcentral och kommun?",
                "en": "How well does collaboration between the health centre and the municipality work?",
            },
            low={"sv": "Mycket dåligt", "en": "Very poorly"},
            high={"sv": "Mycket bra", "en": "Very well"},
        ),
        Question(
            id="contact",
            kind=Kind.YESNO,
            text={
                "sv": "Vet du vem du ska kontakta i den andra organisationen?",
                "en": "Do you know whom to contact at the other organisation?",
            },
        ),
        Question(
            id="example",
            kind=Kind.TEXT,
            required=False,
            text={
                "sv": "Ett gott exempel eller ett förbättringsförslag (frivilligt)",
                "en": "One good example or improvement proposal (optional)",
            },
        ),
    ),
)
BUILT_IN: dict[str, Template] = {SAMVERKANSPULS.key: SAMVERKANSPULS}
validate_template(SAMVERKANSPULS)


# -- answers ---------------------------------------------------------------------------


class Refusal(StrEnum):
    """Why an answer is not stored. Each has a short text for the person."""

    TAMPERED = "tampered"
    OUT_OF_RANGE = "out_of_range"
    MISSING = "missing"
    EMPTY = "empty"
    TOO_LONG = "too_long"
    PERSONNUMMER = "personnummer"


@dataclass(frozen=True)
class AnswerCheck:
    values: dict[str, int | str | list[str]] | None
    refusal: Refusal | None = None
    question: str | None = None  # which question the refusal is about

    @property
    def ok(self) -> bool:
        return self.refusal is None


def _refuse(refusal: Refusal, question: str | None = None) -> AnswerCheck:
    return AnswerCheck(values=None, refusal=refusal, question=question)


def validate_answer(template: Template, data: Mapping[str, Any]) -> AnswerCheck:
    """Turn card data (inputs are `q_<id>`) into stored values, or say why not.

    Card inputs arrive as strings; anything the card could not have produced
    (an unknown question, a nested object, a number outside 1–5, an option that
    does not exist) is refused, as is free text holding a personnummer.
    """
    values: dict[str, int | str | list[str]] = {}
    known = {q.id for q in template.questions}
    for key, raw in data.items():
        if not key.startswith(INPUT_PREFIX):
            continue
        if key[len(INPUT_PREFIX) :] not in known:
            return _refuse(Refusal.TAMPERED)
        if (raw is not None and not isinstance(raw, str | int)) or isinstance(raw, bool):
            return _refuse(Refusal.TAMPERED, key[len(INPUT_PREFIX) :])
    for q in template.questions:
        raw = data.get(INPUT_PREFIX + q.id)
        if raw is None or (isinstance(raw, str) and not raw.strip()):
            if q.required:
                return _refuse(Refusal.MISSING, q.id)
            continue
        if q.kind is Kind.TEXT:
            if not isinstance(raw, str):
                return _refuse(Refusal.TAMPERED, q.id)
            value = raw.strip()
            if len(value) > MAX_TEXT:
                return _refuse(Refusal.TOO_LONG, q.id)
            if contains_identity_number(value):
                return _refuse(Refusal.PERSONNUMMER, q.id)
            values[q.id] = value
        elif q.kind in _SCALES:
            number = _as_int(raw)
            if number is None:
                return _refuse(Refusal.TAMPERED, q.id)
            low, high = _SCALES[q.kind]
            if not low <= number <= high:
                return _refuse(Refusal.OUT_OF_RANGE, q.id)
            values[q.id] = number
        elif q.kind is Kind.YESNO:
            if raw not in ("yes", "no"):
                return _refuse(Refusal.OUT_OF_RANGE, q.id)
            values[q.id] = str(raw)
        elif q.kind is Kind.MULTI:
            chosen = _multi(q, raw)
            if chosen is None:
                return _refuse(Refusal.OUT_OF_RANGE, q.id)
            if not chosen:
                if q.required:
                    return _refuse(Refusal.MISSING, q.id)
                continue
            values[q.id] = chosen
        else:
            if raw not in {o.id for o in q.options}:
                return _refuse(Refusal.OUT_OF_RANGE, q.id)
            values[q.id] = str(raw)
    if not values:
        return _refuse(Refusal.EMPTY)
    return AnswerCheck(values=values)


def _multi(q: Question, raw: object) -> list[str] | None:
    """A multiple choice as the card sends it ("a,b") or as stored (["a", "b"]): the
    chosen option ids in the template's order, or None if any is not an option (or
    one is chosen twice)."""
    if isinstance(raw, str):
        parts = [p.strip() for p in raw.split(",") if p.strip()]
    else:
        return None
    ids = [o.id for o in q.options]
    if len(set(parts)) != len(parts) or any(p not in ids for p in parts):
        return None
    return [i for i in ids if i in parts]


def _as_int(raw: object) -> int | None:
    if isinstance(raw, int) and not isinstance(raw, bool):
        return raw
    if isinstance(raw, str) and re.fullmatch(r"-?\d{1,3}", raw.strip()):
        return int(raw.strip())
    return None


def stored_values_ok(template: Template, values: Mapping[str, Any]) -> bool:
    """A stored answer still fits the template (defence when reading rows back)."""
    check = validate_answer(template, {INPUT_PREFIX + k: _as_input(v) for k, v in values.items()})
    return check.ok


def _as_input(value: Any) -> Any:
    if isinstance(value, list):
        return ",".join(str(v) for v in value) if all(isinstance(v, str) for v in value) else value
    return str(value) if isinstance(value, int) and not isinstance(value, bool) else value


# -- window and periods ----------------------------------------------------------------


@dataclass(frozen=True)
class Window:
    opens_at: datetime
    closes_at: datetime
    remind_at: datetime | None


def answer_window(
    opened_at: datetime,
    zone: ZoneInfo,
    working_days: int = DEFAULT_WINDOW_DAYS,
    close_at: time = CLOSE_AT,
    remind_at: time = REMIND_AT,
) -> Window:
    """Open from `opened_at` (UTC) until `close_at` local time on the Nth working day.

    The opening day counts when it is a working day and the pulse opens before
    the closing hour. The reminder goes out at `remind_at` on the working day
    before the last one (on the last day itself for a one-day window), if that
    is still in the future.
    """
    if working_days < 1:
        raise ValueError("working_days must be at least 1")
    local = opened_at.astimezone(zone)
    first = local.date()
    if not is_working_day(first) or local.time() >= close_at:
        first += timedelta(days=1)
    last = add_working_days(first, working_days)
    closes = datetime.combine(last, close_at, tzinfo=zone).astimezone(UTC)
    remind_day = previous_working_day(last) if working_days > 1 else last
    remind = datetime.combine(remind_day, remind_at, tzinfo=zone).astimezone(UTC)
    return Window(
        opens_at=opened_at.astimezone(UTC),
        closes_at=closes,
        remind_at=remind if remind > opened_at else None,
    )


def takes_answers(closed_at: datetime | None, closes_at: datetime, now: datetime) -> bool:
    """A pulse takes answers until it is closed or its window ends, whichever comes
    first: the close sweep may run a little after `closes_at`."""
    return closed_at is None and now < closes_at


def effective_cooldown(configured: object = None) -> int:
    """Days between a unit's pulse closing and its next opening: default 7; a value
    that is not a whole number of days from 1 to 365 means the default."""
    if isinstance(configured, bool) or not isinstance(configured, int):
        return DEFAULT_COOLDOWN_DAYS
    return configured if 1 <= configured <= MAX_COOLDOWN_DAYS else DEFAULT_COOLDOWN_DAYS


def next_start(last_closed_at: datetime | None, cooldown_days: int) -> datetime | None:
    """The earliest a unit's next pulse may open, or None if nothing holds it back."""
    if last_closed_at is None:
        return None
    return last_closed_at + timedelta(days=cooldown_days)


# -- anonymity at rest -------------------------------------------------------------------

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


_PERIOD = re.compile(r"^(\d{4})(?:-(\d{2})|-Q([1-4]))?$")


def period_of(day: date) -> str:
    """The monthly period a pulse belongs to: "YYYY-MM" of its opening day (local)."""
    return f"{day.year:04d}-{day.month:02d}"


def period_bounds(period: str) -> tuple[date, date]:
    """[start, end) of "YYYY", "YYYY-Qn" or "YYYY-MM"."""
    m = _PERIOD.match(period)
    if not m:
        raise ValueError(f"not a period: {period!r} (YYYY, YYYY-Qn or YYYY-MM)")
    year = int(m.group(1))
    if m.group(2):
        month = int(m.group(2))
        if not 1 <= month <= 12:
            raise ValueError(f"not a month: {period!r}")
        start = date(year, month, 1)
        end = date(year + (month == 12), month % 12 + 1, 1)
    elif m.group(3):
        q = int(m.group(3))
        start = date(year, 3 * q - 2, 1)
        end = date(year + (q == 4), (3 * q) % 12 + 1, 1)
    else:
        start, end = date(year, 1, 1), date(year + 1, 1, 1)
    return start, end


def periods_within(period: str) -> list[str]:
    """The monthly periods inside `period`."""
    start, end = period_bounds(period)
    out = []
    day = start
    while day < end:
        out.append(period_of(day))
        day = date(day.year + (day.month == 12), day.month % 12 + 1, 1)
    return out


# -- results ---------------------------------------------------------------------------


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


def indicator_mean(template: Template, answers: Sequence[Mapping[str, Any]]) -> float | None:
    """Mean of the template's indicator question over `answers` (None if it has none)."""
    qid = template.indicator_question
    if qid is None:
        return None
    nums = [int(a[qid]) for a in answers if isinstance(a.get(qid), int)]
    return sum(nums) / len(nums) if nums else None


# -- differencing ----------------------------------------------------------------------

K = TypeVar("K", bound=Hashable)


@dataclass(frozen=True)
class Cell(Generic[K]):
    """One aggregate that may be published: `own` answers not in any child cell, plus
    its children. `forced` cells are already public (a pulse's result shown at close)
    and cannot be withdrawn."""

    own: int
    children: tuple[K, ...] = ()
    forced: bool = False


def cell_totals(cells: Mapping[K, Cell[K]]) -> dict[K, int]:
    totals: dict[K, int] = {}

    def total(key: K, path: frozenset[K]) -> int:
        if key in totals:
            return totals[key]
        if key in path:
            raise ValueError("cells must form a forest (found a cycle)")
        cell = cells[key]
        value = cell.own + sum(total(c, path | {key}) for c in cell.children)
        totals[key] = value
        return value

    for key in cells:
        total(key, frozenset())
    return totals


def _maximal_published_below(cells: Mapping[K, Cell[K]], key: K, published: set[K]) -> list[K]:
    out: list[K] = []
    stack = list(cells[key].children)
    while stack:
        child = stack.pop()
        if child in published:
            out.append(child)
        else:
            stack.extend(cells[child].children)
    return out


def residuals(cells: Mapping[K, Cell[K]], published: set[K]) -> dict[K, int]:
    """For each published cell: its total minus the totals of its largest published sub-cells.

    These are exactly the smallest groups that subtraction between published cells
    can isolate; every union of them can be isolated too.
    """
    totals = cell_totals(cells)
    return {
        key: totals[key] - sum(totals[d] for d in _maximal_published_below(cells, key, published))
        for key in published
    }


def publishable(cells: Mapping[K, Cell[K]], threshold: int) -> set[K]:
    """The cells that can be shown together without any subtraction revealing a group
    of fewer than `threshold` answers.

    Cells below the threshold are never shown. When a cell's residual is non-empty
    but below the threshold, the smallest published slice under it that has a
    residual of its own is withdrawn (so totals survive, slices go); if there is
    none to withdraw (only already-public slices), the cell itself is withdrawn.
    Each cell's children must be listed in `cells`, and children must not be shared.
    """
    if threshold < 1:
        raise ValueError("threshold must be positive")
    totals = cell_totals(cells)
    published = {key for key, cell in cells.items() if cell.forced or totals[key] >= threshold}
    while True:
        res = residuals(cells, published)
        bad = [key for key in published if not cells[key].forced and 0 < res[key] < threshold]
        if not bad:
            return published
        # Deepest problem first (smallest total), deterministic by repr.
        key = min(bad, key=lambda k: (totals[k], repr(k)))
        withdrawable = [
            d
            for d in _maximal_published_below(cells, key, published)
            if not cells[d].forced and res[d] > 0
        ]
        if withdrawable:
            published.discard(min(withdrawable, key=lambda d: (totals[d], repr(d))))
        else:
            published.discard(key)
