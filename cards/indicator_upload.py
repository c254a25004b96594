"""The preview card of an indicator file sent in the personal chat, and its result.

Rows read, rows refused (row number and reason), values flagged, what changes; a confirm
button (Action.Execute) that imports, and a cancel button. Lists are cut to a few lines
each so the card stays small whatever the file holds.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from cards.base import Card, bullets, card, execute, facts, heading, plain, text, title
from core.indicators import Definition, parse_period
from core.reasons import Reason
from i18n import format as fmt
from i18n.reasons import say_all
from i18n.texts import t

if TYPE_CHECKING:  # the plain data the use case hands over; no import at run time
    from services.indicator_upload import Preview

CONFIRM_VERB = "indfile.confirm"
CANCEL_VERB = "indfile.cancel"
MAX_LINES = 12


def reason_text(lang: str, reason: Reason, definition: Definition | None = None) -> str:
    decimals = definition.decimals if definition else 1
    values = {
        k: fmt.number(lang, v, decimals) if isinstance(v, float | int) else v
        for k, v in reason.values.items()
    }
    return t(lang, reason.key, **values)


def _cut(lang: str, lines: list[str]) -> list[str]:
    if len(lines) <= MAX_LINES:
        return lines
    return [*lines[:MAX_LINES], t(lang, "indfile.more", count=len(lines) - MAX_LINES)]


def preview_card(lang: str, preview: Preview, unit_names: dict[int, str], token: str) -> Card:
    defs = preview.definitions

    def where(value: Any) -> dict[str, str]:
        d = defs[value.indicator_id]
        return {
            "unit": plain(unit_names.get(value.unit_id, "?")),
            "indicator": plain(d.name(lang)),
            "period": fmt.period(lang, parse_period(value.period)),
        }

    body: list[dict[str, Any]] = [
        title(t(lang, "indfile.title", file=plain(preview.filename))),
        text(t(lang, "indfile.intro"), subtle=True),
        facts(
            [
                (t(lang, "indfile.rows"), str(preview.rows)),
                (t(lang, "indfile.accepted"), str(len(preview.accepted))),
                (t(lang, "indfile.refused"), str(len(preview.refused))),
                (t(lang, "indfile.flagged"), str(len(preview.flagged))),
                (
                    t(lang, "indfile.what_changes"),
                    t(
                        lang,
                        "indfile.changes",
                        new=preview.count("new"),
                        changed=preview.count("changed"),
                        unchanged=preview.count("unchanged"),
                    ),
                ),
            ]
        ),
    ]
    if preview.refused:
        lines = []
        for r in preview.refused:
            if r.value is not None:
                d = defs[r.value.indicator_id]
                reason = "; ".join(reason_text(lang, x, d) for x in r.reasons)
                lines.append(
                    t(lang, "indfile.row_value", row=r.row, reason=reason, **where(r.value))
                )
            else:
                # The importer's reasons, cells quoted as typed (escaped, never formatting).
                reason = say_all(lang, r.reasons, escape=plain)
                lines.append(t(lang, "indfile.row", row=r.row, reason=reason))
        body += [heading(t(lang, "indfile.refused_rows")), bullets(_cut(lang, lines))]
    if preview.flagged:
        lines = [
            t(
                lang,
                "indfile.row_value",
                row=a.row,
                reason="; ".join(reason_text(lang, x, defs[a.value.indicator_id]) for x in a.flags),
                **where(a.value),
            )
            for a in preview.flagged
        ]
        body += [heading(t(lang, "indfile.flagged_rows")), bullets(_cut(lang, lines))]
    changed = [a for a in preview.accepted if a.change != "unchanged"]
    if changed:
        lines = []
        for a in changed:
            d = defs[a.value.indicator_id]
            lines.append(
                t(
                    lang,
                    "indfile.change",
                    old=fmt.measure(lang, a.old, d.decimals, d.unit),
                    new=fmt.measure(lang, a.value.value, d.decimals, d.unit),
                    **where(a.value),
                )
            )
        body += [heading(t(lang, "indfile.what_changes")), bullets(_cut(lang, lines))]
    actions = []
    if preview.accepted:
        actions.append(
            execute(
                t(lang, "indfile.confirm", count=len(preview.accepted)),
                CONFIRM_VERB,
                {"token": token},
                style="positive",
            )
        )
    else:
        body.append(text(t(lang, "indfile.nothing"), color="Attention"))
    actions.append(execute(t(lang, "indfile.cancel"), CANCEL_VERB, {"token": token}))
    return card(body, actions)


def result_card(lang: str, message: str) -> Card:
    return card([text(message)])
