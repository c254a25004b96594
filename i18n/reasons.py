"""Say a `core.reasons.Reason` in sv or en: the one renderer of reasons found in core and
services (range checks, refused rows of an indicator file, unreadable cells).

A value that is itself a `Reason` is said in the same language (a tuple of them as a
list, "a, b"); a float is a number in the
person's language with the indicator's decimals; text a person typed goes through
`escape` (the preview card passes `cards.base.plain`, the CLI nothing).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from core.reasons import Reason
from i18n import format as fmt
from i18n.texts import t


def _same(text: str) -> str:
    return text


def say(lang: str, reason: Reason, decimals: int = 1, escape: Callable[[str], str] = _same) -> str:
    values: dict[str, object] = {}
    for name, value in reason.values.items():
        if isinstance(value, Reason):
            values[name] = say(lang, value, decimals, escape)
        elif isinstance(value, tuple) and all(isinstance(v, Reason) for v in value):
            values[name] = ", ".join(say(lang, v, decimals, escape) for v in value)
        elif isinstance(value, float):
            values[name] = fmt.number(lang, value, decimals)
        elif isinstance(value, str):
            values[name] = escape(value)
        else:
            values[name] = value
    return t(lang, reason.key, **values)


def say_all(
    lang: str, reasons: Iterable[Reason], decimals: int = 1, escape: Callable[[str], str] = _same
) -> str:
    """Several reasons for one row, in one line."""
    return "; ".join(say(lang, r, decimals, escape) for r in reasons)
