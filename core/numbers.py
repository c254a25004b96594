"""Numbers as people type them in Swedish spreadsheets: `12,5`, `1 234,5`, `−3`, `87 %`.

Pure. `parse_number` returns a float or raises `core.reasons.Unreadable` (a ValueError)
with a short English message and the reason as a catalogue key (`number.*`).
"""

from __future__ import annotations

import math
import re

from core.reasons import Unreadable

# Spaces used as thousands separators: plain, no-break, narrow no-break, thin.
_SPACES = re.compile(r"[ \u00a0\u202f\u2009]")
_MINUS = str.maketrans({"\u2212": "-", "\u2013": "-"})
_PLAIN = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$")


def parse_number(raw: object) -> float:
    """A finite float from a cell: a number, or text with a decimal comma or point.

    `1 234,5` and `1234.5` are both 1234.5; `12 %` is 12 (the unit is the
    indicator's). A text with both `,` and `.` is ambiguous and refused, as is
    anything that is not a finite number.
    """
    if isinstance(raw, bool):
        raise Unreadable("not a number", "number.not_a_number")
    if isinstance(raw, int | float):
        value = float(raw)
    else:
        text = str(raw or "").strip().translate(_MINUS)
        text = _SPACES.sub("", text).removesuffix("%")
        if not text:
            raise Unreadable("empty value", "number.empty")
        if "," in text and "." in text:
            raise Unreadable(
                f"ambiguous number {raw!r}: use a decimal comma and no other separators",
                "number.ambiguous",
                raw=str(raw),
            )
        if text.count(",") > 1:
            raise Unreadable(f"not a number: {raw!r}", "number.not_a_number_raw", raw=str(raw))
        text = text.replace(",", ".")
        if not _PLAIN.match(text):
            raise Unreadable(f"not a number: {raw!r}", "number.not_a_number_raw", raw=str(raw))
        value = float(text)
    if not math.isfinite(value):
        raise Unreadable("not a finite number", "number.not_finite")
    return value
