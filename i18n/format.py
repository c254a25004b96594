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
from babel.dates import format_date, format_datetime, get_day_names, get_month_names
from babel.lists import format_list

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


def with_unit(lang: str, value: float | None, decimals: int, unit: str) -> str:
    """A figure with its unit of measure, whatever the unit: "12,5 %", "1,9 dagar",
    "3,4 per 1 000 invånare"; "–" for no value. For text; table cells under a header
    that names the unit use `measure`."""
    out = measure(lang, value, decimals, unit)
    if value is None or unit in ("%", ""):
        return out
    return f"{out} {unit}"


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


@lru_cache(maxsize=256)
def short_date(lang: str, day: date) -> str:
    """Short, for chart axes and table cells: "1 mars 2026", "4 maj 2026" / "1 Mar 2026"."""
    return format_date(day, "d MMM y", locale=locale(lang))


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


def listing(lang: str, items: list[str]) -> str:
    """ "a, b och c" / "a, b and c"."""
    return str(format_list(items, locale=locale(lang))) if items else ""


def month_name(lang: str, month: int) -> str:
    """1..12: "mars" / "March"."""
    return str(get_month_names("wide", context="stand-alone", locale=locale(lang))[month])


_ODD_WEEKS = tuple(range(1, 54, 2))
_EVEN_WEEKS = tuple(range(2, 53, 2))


def recurrence(lang: str, rule: Recurrence) -> str:
    """The rule in the reader's words, whatever language it was written in, rendered
    from the parsed rule: "första och tredje tisdagen varje månad kl. 13.00–15.00" / "the
    first and third Tuesday of every month, 13:00–15:00"; "sista söndagen i mars varje år";
    "varje tisdag i udda veckor"; "…, till och med 30 juni 2027" / "…, 10 möten"."""
    every = "1" if rule.interval == 1 else "2" if rule.interval == 2 else "n"
    months = list(rule.months)
    # Most of the year: said as the months left out ("utom i juli").
    except_months = [m for m in range(1, 13) if m not in months] if len(months) > 6 else []
    if any(n is not None for n, _ in rule.days):
        days = _nth_days(lang, rule)
        # Every month but a few is said as a monthly rule: "… varje månad utom i juli".
        yearly = rule.freq == "yearly" and not (except_months and rule.interval == 1)
        in_months = "" if except_months else _in_months(lang, months)
        if yearly:
            text = t(lang, f"fmt.rule.yearly.{every}", days=days, months=in_months, n=rule.interval)
        else:
            text = t(lang, f"fmt.rule.monthly.{every}", days=days, n=rule.interval) + in_months
    else:
        days = listing(lang, [weekday_name(lang, wd) for wd in rule.weekdays])
        if rule.weeks:
            parity = {_ODD_WEEKS: "odd", _EVEN_WEEKS: "even"}.get(rule.weeks)
            if parity:
                text = t(lang, f"fmt.rule.weeks.{parity}", days=days)
            else:
                weeks = listing(lang, [str(w) for w in rule.weeks])
                text = plural(lang, "fmt.rule.weeks.list", len(rule.weeks), days=days, weeks=weeks)
        else:
            text = t(lang, f"fmt.rule.weekly.{every}", days=days, n=rule.interval)
        if months and not except_months:
            text += _in_months(lang, months)
    if except_months:
        text += t(lang, "fmt.rule.except", months=listing(lang, _month_names(lang, except_months)))
    if rule.start is not None:
        span = clock(lang, rule.start) + ("–" + clock(lang, rule.end) if rule.end else "")
        text = t(lang, "fmt.rule.at", rule=text, time=span)
    if rule.until is not None:
        text = t(lang, "fmt.rule.until", rule=text, date=full_date(lang, rule.until))
    if rule.count is not None:
        text = plural(lang, "fmt.rule.count", rule.count, rule=text)
    return text


def _month_names(lang: str, months: list[int]) -> list[str]:
    return [month_name(lang, m) for m in months]


def _in_months(lang: str, months: list[int]) -> str:
    if not months:
        return ""
    return t(lang, "fmt.rule.in_months", months=listing(lang, _month_names(lang, months)))


def _nth_days(lang: str, rule: Recurrence) -> str:
    """ "första och tredje tisdagen" / "the first and third Tuesday", per weekday."""
    groups = []
    for wd in rule.weekdays:
        nths = [t(lang, f"fmt.nth.{n}") for n, d in rule.days if d == wd and n is not None]
        groups.append(
            t(lang, "fmt.rule.nth_day", nths=listing(lang, nths), weekday=weekday_name(lang, wd))
        )
    return listing(lang, groups)
