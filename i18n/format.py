"""The one formatter: every date, time, number and plural a person reads.

Swedish conventions first (Babel's CLDR data, Språkrådet's rules where CLDR differs):

    when:    "tisdag 3 december kl. 13.00–15.00"   /  "Tuesday 3 December at 13:00–15:00"
    stamp:   "tis 3 dec. 13.00" (trails, lists)     /  "Tue 3 Dec 13:00"
    number:  "1 234,5" (narrow no-break space, decimal comma, true minus)  /  "1,234.5"
    percent: "12,5 %"                                /  "12.5%"
    plural:  t(lang, "key.one" | "key.other") by the language's plural rule

Times are shown in the deployment's zone: `settings.timezone`, HOME_ZONE unless set.
A time without "kl." or a colon in Swedish is a bug: add a function here instead.
"""

from __future__ import annotations

from datetime import date, datetime, time
from functools import cache, lru_cache
from zoneinfo import ZoneInfo

from babel import Locale
from babel.dates import format_date, format_datetime, get_day_names

from core.dates import HOME_ZONE
from core.indicators import Period
from core.recurrence import Recurrence
from i18n.texts import TEXTS, t

LOCALES = {"sv": "sv_SE", "en": "en_GB"}
# Swedish groups digits with a space that neither breaks nor looks like a word gap
# (CLDR says U+00A0; typographers and Språkrådet prefer the narrow one).
NARROW_NBSP = "\u202f"
_NUMBER_SYMBOLS = {  # decimal sign, group separator, minus sign
    "sv": (",", NARROW_NBSP, "\u2212"),
    "en": (".", ",", "-"),
}
_CLOCK = {"sv": "H.mm", "en": "HH:mm"}  # "kl. 9.30", "09:30"

Zone = str | ZoneInfo | None


def locale(lang: str) -> str:
    return LOCALES.get(lang, LOCALES["sv"])


@cache
def _zone_named(name: str) -> ZoneInfo:
    return ZoneInfo(name)


def zone(tz: Zone = None) -> ZoneInfo:
    """The zone to show times in: the one given (a name or a ZoneInfo), else HOME_ZONE."""
    if isinstance(tz, ZoneInfo):
        return tz
    return _zone_named(tz or HOME_ZONE)


def _local(instant: datetime, tz: Zone) -> datetime:
    return instant.astimezone(zone(tz))


# -- numbers -------------------------------------------------------------------------------


def number(lang: str, value: float | None, decimals: int = 0) -> str:
    """`1 234,5` in Swedish, `1,234.5` in English; "–" for no value. Python formats the
    digits (fast: a county digest formats thousands of numbers), then the symbols swap."""
    if value is None:
        return "–"
    decimal, group, minus = _NUMBER_SYMBOLS.get(lang, _NUMBER_SYMBOLS["sv"])
    digits = f"{abs(value):,.{max(decimals, 0)}f}"
    digits = digits.replace(",", "\x00").replace(".", decimal).replace("\x00", group)
    negative = value < 0 and digits.strip("0.,\u00a0\u202f ")
    return (minus if negative else "") + digits


def measure(lang: str, value: float | None, decimals: int, unit: str) -> str:
    """A figure with its unit when the unit is a percent sign ("12,5 %" / "12.5%")."""
    out = number(lang, value, decimals)
    if value is None or unit != "%":
        return out
    return out + ("\u00a0%" if lang != "en" else "%")


# -- plurals -------------------------------------------------------------------------------


def plural(lang: str, key: str, count: int, **args: object) -> str:
    """`t(lang, f"{key}.{form}", count=...)`, the form by the language's plural rule
    (Swedish and English: "one" for 1, "other" otherwise)."""
    form = Locale.parse(locale(lang)).plural_form(count)
    chosen = f"{key}.{form}" if f"{key}.{form}" in TEXTS else f"{key}.other"
    return t(lang, chosen, count=number(lang, count), **args)


# -- dates and times -----------------------------------------------------------------------


def clock(lang: str, at: datetime | time, tz: Zone = None) -> str:
    """ "13.00" in Swedish, "13:00" in English; a datetime is shown in `tz`."""
    if isinstance(at, datetime):
        at = _local(at, tz).time()
    return format_datetime(
        datetime.combine(date(2000, 1, 1), at), _CLOCK.get(lang, _CLOCK["sv"]), locale=locale(lang)
    )


def weekday_date(lang: str, day: date) -> str:
    """ "tisdag 3 december" / "Tuesday 3 December"."""
    return format_date(day, "EEEE d MMMM", locale=locale(lang))


@lru_cache(maxsize=512)  # every answer to a pulse and every reminder shows the same few times
def when(lang: str, start: datetime, tz: Zone = None, end: datetime | None = None) -> str:
    """ "tisdag 3 december kl. 13.00" (–15.00 with an end); "Tuesday 3 December at 13:00"."""
    local = _local(start, tz)
    span = clock(lang, local)
    if end is not None:
        span += "–" + clock(lang, end, tz)
    return t(lang, "fmt.when", day=weekday_date(lang, local.date()), time=span)


def day_month(lang: str, day: date, today: date | None = None) -> str:
    """ "3 december", with the year when it is not `today`'s year."""
    pattern = "d MMMM" if today is None or day.year == today.year else "d MMMM y"
    return format_date(day, pattern, locale=locale(lang))


@lru_cache(maxsize=256)
def full_date(lang: str, day: date) -> str:
    """ "3 december 2025" / "3 December 2025"."""
    return format_date(day, "d MMMM y", locale=locale(lang))


def stamp(lang: str, instant: datetime, tz: Zone = None, now: datetime | None = None) -> str:
    """Short, for trails and tables: "tis 3 dec. 13.00" (the year when not `now`'s)."""
    local = _local(instant, tz)
    this_year = _local(now, tz).year if now is not None else local.year
    pattern = "EEE d MMM" if local.year == this_year else "EEE d MMM y"
    return f"{format_date(local.date(), pattern, locale=locale(lang))} {clock(lang, local)}"


def iso_minute(instant: datetime, tz: Zone = None) -> str:
    """ "2025-12-03 13:00": for files a program reads (CSV), not for people."""
    return _local(instant, tz).strftime("%Y-%m-%d %H:%M")


@lru_cache(maxsize=512)
def period(lang: str, p: Period) -> str:
    """ "mars 2026", "kvartal 1 2026" / "Q1 2026", "2026". Memoised: a county's digests
    format the same few periods thousands of times."""
    if p.kind == "month":
        return format_date(p.start, "LLLL y", locale=locale(lang))
    if p.kind == "quarter":
        return t(lang, "fmt.quarter", number=p.number, year=p.year)
    return str(p.year)


def weekday_name(lang: str, weekday: int) -> str:
    """0 Monday ... 6 Sunday: "tisdag" / "Tuesday"."""
    return str(get_day_names("wide", locale=locale(lang))[weekday])


def recurrence(lang: str, rule: Recurrence) -> str:
    """The rule in the reader's words, whatever language it was written in:
    "första tisdagen varje månad kl. 13.00–15.00" / "the first Tuesday of every month,
    13:00–15:00"."""
    weekday = weekday_name(lang, rule.weekday)
    every = "1" if rule.interval == 1 else "2" if rule.interval == 2 else "n"
    if rule.freq == "monthly":
        nth = t(lang, f"fmt.nth.{rule.nth if rule.nth in (1, 2, 3, 4) else -1}")
        text = t(lang, f"fmt.rule.monthly.{every}", nth=nth, weekday=weekday, n=rule.interval)
    else:
        text = t(lang, f"fmt.rule.weekly.{every}", weekday=weekday, n=rule.interval)
    if rule.start is None:
        return text
    span = clock(lang, rule.start) + ("–" + clock(lang, rule.end) if rule.end else "")
    return t(lang, "fmt.rule.at", rule=text, time=span)
