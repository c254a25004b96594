"""Matching a unit name a person typed against the names in the org."""

from __future__ import annotations

import difflib
import unicodedata


def fold(name: str) -> str:
    return " ".join(unicodedata.normalize("NFC", name).casefold().split())


def match_name(typed: str, names: list[str]) -> str | None:
    """The exact (case- and space-insensitive) match, or None."""
    key = fold(typed)
    for name in names:
        if fold(name) == key:
            return name
    return None


def suggest_names(typed: str, names: list[str], limit: int = 3) -> list[str]:
    """Near-misses: close spellings first, then names that contain what was typed."""
    key = fold(typed)
    if not key:
        return []
    by_fold = {fold(n): n for n in names}
    close = difflib.get_close_matches(key, list(by_fold), n=limit, cutoff=0.6)
    out = [by_fold[c] for c in close]
    for folded, name in by_fold.items():
        if len(out) >= limit:
            break
        if key in folded and name not in out:
            out.append(name)
    return out[:limit]
