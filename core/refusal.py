"""The one refusal: a use case or a handler says no, with a catalogue key.

`raise Refused("item.not_found", id=7)` anywhere below a handler; bot/agent.py catches it
around the handler call and tells the person `t(lang, key, **values)` in their language
(as a message, or as the invoke answer). Whatever the transaction wrote is rolled back,
since the exception leaves the `async with session` block.

A `date` value is shown as day and month in the person's language (the key's text only
names it), so storage and core can refuse without knowing who reads; a `core.reasons.Reason`
value is said in their language too.
"""

from __future__ import annotations


class Refused(Exception):
    """Nothing was done; `key` picks the friendly text and `values` fill it."""

    def __init__(self, key: str, **values: object) -> None:
        super().__init__(key)
        self.key = key
        self.values = values
