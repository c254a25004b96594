"""Pulse cards: the answer form, a person's own view, closed, and results."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from cards.base import (
    Card,
    Element,
    card,
    execute,
    facts,
    heading,
    plain,
    submit,
    text,
    title,
)
from cards.pulse_followups import comment_action
from core.pulse_answers import INPUT_PREFIX
from core.pulse_followup import comment_key
from core.pulse_questions import SCALES, Kind, Question, Template, scale_range
from core.pulse_results import Results
from i18n import format as fmt
from i18n.texts import t

ANSWER = "pulse.answer"
EDIT = "pulse.edit"
REFRESH = "pulse.refresh"
RESULT_TEXTS = 20  # free-text answers shown per question (500 characters at most each)
# Characters of free text one results card shows in all (the rest: "… and N more"), so
# a card with comments, buttons and a trend stays within the message budget by itself.
RESULT_TEXT_CHARS = 12_000


def _data(action: str, ref: str) -> dict[str, Any]:
    return {"action": action, "pulse": ref}


def _execute_with_fallback(label: str, verb: str, ref: str) -> Element:
    """Action.Execute (Universal Actions); clients without it fall back to Action.Submit."""
    el = execute(label, verb, _data(verb, ref), style="positive")
    el["fallback"] = submit(label, _data(verb, ref), style="positive")
    return el


def _likert_choices(lang: str, q: Question) -> list[dict[str, str]]:
    """The values of a scale (1–5 or 0–10), the ends with their labels when set."""
    low = q.low.get(lang) or q.low.get("sv", "")
    high = q.high.get(lang) or q.high.get("sv", "")
    values = scale_range(q.kind)
    out = []
    for i in values:
        end = low if i == values[0] else high if i == values[-1] else ""
        out.append({"title": f"{i} – {end}" if end else str(i), "value": str(i)})
    return out


def _input(lang: str, q: Question, value: object = None) -> Element:
    el: Element
    if q.kind is Kind.TEXT:
        el = {
            "type": "Input.Text",
            "isMultiline": True,
            "maxLength": 500,
            "placeholder": t(lang, "pulse.text_placeholder"),
        }
    else:
        if q.kind in SCALES:
            choices = _likert_choices(lang, q)
        elif q.kind is Kind.YESNO:
            choices = [
                {"title": t(lang, "pulse.yes"), "value": "yes"},
                {"title": t(lang, "pulse.no"), "value": "no"},
            ]
        else:
            choices = [
                {"title": o.label.get(lang) or o.label["sv"], "value": o.id} for o in q.options
            ]
        # 0–10 as a compact list (eleven radio buttons crowd a phone); the rest expanded.
        style = "compact" if q.kind is Kind.SCALE10 else "expanded"
        el = {"type": "Input.ChoiceSet", "style": style, "choices": choices}
        if q.kind is Kind.MULTI:
            el["isMultiSelect"] = True
    el["id"] = INPUT_PREFIX + q.id
    el["label"] = q.label(lang)
    if q.required:
        el["isRequired"] = True
        el["errorMessage"] = t(lang, "pulse.required")
    if value is not None:
        el["value"] = ",".join(value) if isinstance(value, list) else str(value)
    return el


def _refresh(ref: str, user_ids: Sequence[str]) -> dict[str, Any]:
    return {
        "action": {"type": "Action.Execute", "verb": REFRESH, "data": _data(REFRESH, ref)},
        "userIds": list(user_ids),
    }


def pulse_card(
    lang: str,
    ref: str,
    template: Template,
    *,
    closes: str,
    threshold: int,
    values: Mapping[str, Any] | None = None,
    error: str | None = None,
    user_id: str | None = None,
) -> Card:
    """The answer form. Shared (blank, no refresh) or, with `user_id`, one person's view."""
    values = values or {}
    body: list[Element] = [title(plain(template.name.get(lang) or template.name["sv"]))]
    if error:
        body.append(text(error, color="Attention", weight="Bolder"))
    body += [_input(lang, q, values.get(q.id)) for q in template.questions]
    body.append(text(t(lang, "pulse.closes", when=closes), subtle=True, spacing="Medium"))
    body.append(text(t(lang, "pulse.anonymous", threshold=threshold), subtle=True, size="Small"))
    out = card(body, [_execute_with_fallback(t(lang, "pulse.send"), ANSWER, ref)])
    if user_id:
        out["refresh"] = _refresh(ref, [user_id])
    return out


def summary(lang: str, template: Template, values: Mapping[str, Any]) -> str:
    """ "4 · Ja · ”text”" — the person's own answer, short."""
    parts: list[str] = []
    for q in template.questions:
        v = values.get(q.id)
        if v is None:
            continue
        if q.kind is Kind.YESNO:
            parts.append(t(lang, "pulse.yes" if v == "yes" else "pulse.no"))
        elif q.kind in (Kind.CHOICE, Kind.MULTI):
            chosen = v if isinstance(v, list) else [v]
            labels = {o.id: o.label.get(lang) or o.label["sv"] for o in q.options}
            parts.append(", ".join(plain(labels.get(str(c), str(c))) for c in chosen))
        elif q.kind is Kind.TEXT:
            short = str(v) if len(str(v)) <= 60 else str(v)[:57] + "…"
            parts.append(f"”{plain(short)}”")
        else:
            parts.append(str(v))
    return " · ".join(parts)


def answered_card(
    lang: str,
    ref: str,
    template: Template,
    values: Mapping[str, Any] | None,
    *,
    closes: str,
    user_id: str | None,
    note: str | None = None,
) -> Card:
    """What the person who answered sees: "Du svarade 4" right after answering (only
    sent to them, in the invoke response), later just "Du har svarat" (their answer
    cannot be found again). With a refresh limited to their own id; no "change"."""
    said = (
        t(lang, "pulse.you_answered", summary=summary(lang, template, values))
        if values
        else t(lang, "pulse.you_have_answered")
    )
    body = [
        title(plain(template.name.get(lang) or template.name["sv"])),
        text(said, weight="Bolder"),
    ]
    if note:
        body.append(text(note))
    body.append(text(t(lang, "pulse.you_answered_hint", when=closes), subtle=True))
    out = card(body)
    if user_id:
        out["refresh"] = _refresh(ref, [user_id])
    return out


def closed_card(
    lang: str, template: Template, *, when: str, answers: int, shown: bool, threshold: int
) -> Card:
    name = plain(template.name.get(lang) or template.name["sv"])
    body = [
        title(t(lang, "pulse.closed_title", name=name)),
        text(t(lang, "pulse.closed_body", when=when, answers=answers)),
        text(
            t(lang, "pulse.closed_where")
            if shown
            else t(lang, "pulse.closed_too_few", threshold=threshold)
        ),
    ]
    return card(body)


def results_card(
    lang: str,
    template: Template,
    results: Results,
    *,
    unit: str,
    period: str,
    rollup: Sequence[tuple[str, float | None]] = (),
    rollup_period: str | None = None,
    beside: Mapping[str, Sequence[tuple[str, float, int]]] | None = None,
    trend: Element | None = None,
    extra: Sequence[Element] = (),
    comment_ref: str | None = None,
    made: Mapping[str, int] | None = None,
) -> Card:
    """The results: per question its distribution, the mean of scales and the number of
    answers; `beside` (question id -> (unit, mean, answers)) the parent unit and county
    where they may be shown; `trend` a chart element; `extra` more elements at the end; with `comment_ref` (the pulse's ref, for
    coordinators) each comment gets "Gör till ärende", or the item it became (`made`)."""
    name = plain(template.name.get(lang) or template.name["sv"])
    body: list[Element] = [title(t(lang, "pulse.results_title", name=name, unit=unit))]
    rows = [(t(lang, "pulse.results_period"), period)]
    rows.append((t(lang, "pulse.results_answers"), str(results.answers)))
    if results.shown and results.response_rate is not None and results.members:
        rate = round(100 * results.response_rate)
        rows.append(
            (
                t(lang, "pulse.results_rate"),
                t(lang, "pulse.results_rate_value", rate=rate, members=results.members),
            )
        )
    body.append(facts(rows))
    if not results.shown:
        body.append(
            text(
                t(
                    lang,
                    "pulse.results_hidden",
                    answers=results.answers,
                    threshold=results.threshold,
                ),
                weight="Bolder",
            )
        )
    text_chars = 0
    for qr in results.questions:
        body.append(heading(plain(qr.question.label(lang))))
        q = qr.question
        if q.kind is Kind.TEXT:
            if qr.withheld:
                body.append(
                    text(
                        fmt.plural(
                            lang,
                            "pulse.results_texts_withheld",
                            qr.withheld,
                            threshold=results.threshold,
                        ),
                        subtle=True,
                    )
                )
                continue
            body.append(
                text(t(lang, "pulse.results_texts"), subtle=True)
                if qr.texts
                else text(t(lang, "pulse.results_no_texts"), subtle=True)
            )
            listed = 0
            for x in qr.texts[:RESULT_TEXTS]:
                if text_chars + len(x) > RESULT_TEXT_CHARS:
                    break
                text_chars += len(x)
                listed += 1
                body.append(text(f"“{plain(x)}”"))
                if comment_ref is not None:
                    made_id = (made or {}).get(comment_key(x))
                    body.append(comment_action(lang, comment_ref, x, made_id))
            if len(qr.texts) > listed:
                more = t(lang, "list.more_texts", count=len(qr.texts) - listed)
                body.append(text(more, subtle=True))
            continue
        if q.kind in SCALES and qr.mean is not None:
            top = scale_range(q.kind)[-1]
            mean = fmt.number(lang, qr.mean, 1)
            line = t(lang, "pulse.results_mean", mean=mean, top=top, answered=qr.answered)
            body.append(text(line, weight="Bolder"))
            groups = (beside or {}).get(q.id)
            if groups:
                parts = [
                    t(
                        lang,
                        "pulse.results_beside_group",
                        unit=plain(u),
                        mean=fmt.number(lang, m, 1),
                        answered=n,
                    )
                    for u, m, n in groups
                ]
                body.append(
                    text(t(lang, "pulse.results_beside", groups=" · ".join(parts)), subtle=True)
                )
        elif q.kind is Kind.MULTI:
            body.append(
                text(t(lang, "pulse.results_multi_note", answered=qr.answered), subtle=True)
            )
        else:
            body.append(
                text(t(lang, "pulse.results_question_answers", answered=qr.answered), subtle=True)
            )
        labels = _value_labels(lang, q)
        body.append(facts([(labels.get(k, k), _bar(n, qr.answered)) for k, n in qr.counts.items()]))
    if trend is not None:
        body.append(trend)
    if rollup:
        body.append(heading(rollup_period or ""))
        body.append(facts([(u, fmt.number(lang, v, 1)) for u, v in rollup]))
    body += list(extra)
    return card(body)


def _value_labels(lang: str, q: Question) -> dict[str, str]:
    if q.kind in SCALES:
        return {c["value"]: c["title"] for c in _likert_choices(lang, q)}
    if q.kind is Kind.YESNO:
        return {"yes": t(lang, "pulse.yes"), "no": t(lang, "pulse.no")}
    return {o.id: o.label.get(lang) or o.label["sv"] for o in q.options}


def _bar(n: int, total: int) -> str:
    share = n / total if total else 0.0
    return f"{'█' * round(10 * share)}{'░' * (10 - round(10 * share))} {n}"
