"""A reason as data: an i18n catalogue key and the values that fill it.

Core rules find problems but do not know who reads them, so they say what is wrong as a
`Reason` (the key names a text in i18n/catalogue/*.yaml; a value may itself be a `Reason`,
said in the same language, e.g. the kind of a period). `i18n/reasons.py` says it in sv or en.

`Unreadable` is the ValueError a parser in core raises with a `Reason`: callers that only
want yes/no keep catching ValueError, and its `str()` stays a short English message for
logs and developers; what a person sees is rendered from `reason`.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Reason:
    key: str  # i18n catalogue key
    values: dict[str, object] = field(default_factory=dict)


class Unreadable(ValueError):
    """A value that could not be read; `reason` says why as a catalogue key and values."""

    def __init__(self, message: str, key: str, **values: object) -> None:
        super().__init__(message)
        self.reason = Reason(key, values)
