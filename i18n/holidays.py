"""The catalogue key of a public holiday's name (i18n/catalogue/calendar.yaml)."""

from __future__ import annotations


def holiday_key(name: str) -> str:
    """core.holidays names the days in Swedish; the key is that name, ASCII and snake_case."""
    return "holiday." + name.casefold().translate(str.maketrans("åäö ", "aao_"))
