"""Numbers as people type them in Swedish spreadsheets: `12,5`, `1 234,5`, `−3`, `87 %`.

Pure. `parse_number` returns a float or raises ValueError with a short reason.
"""

from __future__ import annotations

import math
import re

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
        raise ValueError("not a number")
    if isinstance(raw, int | float):
        value = float(raw)
    else:
        text = str(raw or "").strip().translate(_MINUS)
        text = _SPACES.sub("", text).removesuffix("%")
        if not text:
            raise ValueError("empty value")
        if "," in text and "." in text:
            raise ValueError(
                f"ambiguous number {raw!r}: use a decimal comma and no other separators"
            )
        if text.count(",") > 1:
            raise ValueError(f"not a number: {raw!r}")
        text = text.replace(",", ".")
        if not _PLAIN.match(text):
            raise ValueError(f"not a number: {raw!r}")
        value = float(text)
    if not math.isfinite(value):
        raise ValueError("not a finite number")
    return value
