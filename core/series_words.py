"""`möte ny <namn> <regel>`: which of the words name the series and which say its rule.

Pure. A name is never guessed from a rule: the rule is read whole first (then the series
has no name of its own); otherwise the fewest leading words whose rest is a complete rule
are the name ("Ledningsgrupp första tisdagen 13-15"). A quoted name ("…", «…», '…') is
taken as written. When no split gives a complete rule, the refusal names the words not
understood after the leading ones the rule reader did not know (the intended name).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from core.recurrence import Recurrence, RuleError, parse_rule

MAX_NAME_WORDS = 6
_QUOTED = re.compile(r'^\s*(?:"([^"]+)"|“([^”]+)”|«([^»]+)»|\'([^\']+)\')\s*(.*)$', re.DOTALL)


@dataclass(frozen=True)
class NamedRule:
    name: str | None  # None: the words said only a rule
    rule: Recurrence
    rule_text: str


def split_name(text: str, today: date) -> NamedRule:
    """The series name (if any) and the complete rule in `text`; raises RuleError."""
    text = " ".join(text.split())
    quoted = _QUOTED.match(text)
    if quoted:
        name = next(g for g in quoted.groups()[:4] if g).strip()
        rest = quoted.group(5).strip()
        return NamedRule(name or None, parse_rule(rest, today), rest)
    try:
        return NamedRule(None, parse_rule(text, today), text)
    except RuleError as whole:
        refusal = whole
    words = text.split(" ")
    for k in range(1, min(MAX_NAME_WORDS, len(words) - 1) + 1):
        rest = " ".join(words[k:])
        try:
            return NamedRule(" ".join(words[:k]), parse_rule(rest, today), rest)
        except RuleError:
            continue
    # No split is a complete rule: the words not understood after the leading ones the
    # rule reader did not know (the intended name) are what the person is told about.
    unknown = {w.casefold() for w in refusal.words} if refusal.code == "unknown_words" else set()
    lead = 0
    while lead < min(MAX_NAME_WORDS, len(words) - 1) and words[lead].casefold() in unknown:
        lead += 1
    if lead:
        try:
            parse_rule(" ".join(words[lead:]), today)
        except RuleError as rest_refusal:
            refusal = rest_refusal
    raise refusal
