"""The alert card: an indicator crossed its target or worsened three periods running.

Posted in the unit's channel (services/alerts.py), naming who it is for, with the values
behind it and a button that raises an item carrying the figures.
"""

from __future__ import annotations

from cards.base import Card, card, execute, facts, plain, text, title
from core.alerts import Alert, AlertKind
from core.indicators import Definition
from i18n import format as fmt
from i18n.texts import t

RAISE_VERB = "alert.raise"


def alert_lines(lang: str, alert: Alert, defn: Definition) -> list[tuple[str, str]]:
    """(period, value) for the values behind the alert, oldest first."""
    return [
        (fmt.period(lang, p), fmt.with_unit(lang, v, defn.decimals, defn.unit))
        for p, v in alert.values
    ]


def alert_text(lang: str, alert: Alert, defn: Definition) -> str:
    values = {
        "value": fmt.with_unit(lang, alert.value, defn.decimals, defn.unit),
        "target": fmt.with_unit(lang, alert.target, defn.decimals, defn.unit),
        "previous": fmt.with_unit(lang, alert.previous, defn.decimals, defn.unit),
        "period": fmt.period(lang, alert.period),
    }
    return t(lang, f"alert.{alert.kind.value}", **values)


def alert_card(
    lang: str,
    alert: Alert,
    defn: Definition,
    *,
    indicator_id: int,
    unit_id: int,
    unit_name: str,
    recipients: list[str],
) -> Card:
    heading = t(lang, "alert.title", indicator=plain(defn.name(lang)), unit=plain(unit_name))
    body = [
        title(heading),
        text(alert_text(lang, alert, defn), color="Attention", weight="Bolder"),
        facts(alert_lines(lang, alert, defn)),
    ]
    if recipients:
        body.append(
            text(t(lang, "alert.for", people=", ".join(plain(p) for p in recipients)), subtle=True)
        )
    data = {
        "action": RAISE_VERB,
        "indicator_id": indicator_id,
        "unit_id": unit_id,
        "period": alert.period.label,
    }
    return card(body, [execute(t(lang, "alert.raise"), RAISE_VERB, data, style="positive")])


def kind_word(lang: str, kind: AlertKind) -> str:
    return t(lang, f"alert.kind.{kind.value}")
