"""Texts of meetings in the calendar: holidays, .ics invitations, who is coming."""

from __future__ import annotations

# core.holidays names the days in Swedish; these are the names people read.
HOLIDAY_NAMES: dict[str, str] = {
    "Nyårsdagen": "New Year's Day",
    "Trettondedag jul": "Epiphany",
    "Långfredagen": "Good Friday",
    "Påskdagen": "Easter Sunday",
    "Annandag påsk": "Easter Monday",
    "Första maj": "May Day",
    "Kristi himmelsfärdsdag": "Ascension Day",
    "Pingstdagen": "Whit Sunday",
    "Sveriges nationaldag": "National Day of Sweden",
    "Midsommardagen": "Midsummer Day",
    "Alla helgons dag": "All Saints' Day",
    "Juldagen": "Christmas Day",
    "Annandag jul": "Boxing Day",
    "Midsommarafton": "Midsummer Eve",
    "Julafton": "Christmas Eve",
    "Nyårsafton": "New Year's Eve",
}


def holiday_key(name: str) -> str:
    return "holiday." + name.casefold().translate(str.maketrans("åäö ", "aao_"))


CALENDAR_TEXTS: dict[str, dict[str, str]] = {
    **{holiday_key(sv): {"sv": sv, "en": en} for sv, en in HOLIDAY_NAMES.items()},
    # The group calendar (services/meeting_graph.py)
    "gcal.gone_title": {
        "sv": "{name} togs bort ur gruppens kalender",
        "en": "{name} was deleted from the group calendar",
    },
    "gcal.gone_text": {
        "sv": "Mötesserien {name} togs bort ur teamets kalender i Outlook. Samverkan har "
        "kvar mötena och påminnelserna. Ska serien upphöra: `möte avsluta` med dess "
        "nummer. Ändras serien (`möte ändra`) läggs den in i kalendern igen.",
        "en": "The meeting series {name} was deleted from the team's calendar in Outlook. "
        "Samverkan keeps its meetings and reminders. To end the series: `meeting end` "
        "with its number. If the series is changed (`meeting change`), it is put back in the "
        "calendar.",
    },
    # Holidays
    "hol.ask_title": {
        "sv": "{name} {when} infaller på {holiday}",
        "en": "{name} {when} falls on {holiday}",
    },
    "hol.ask_body": {
        "sv": "Enhetens regel säger att samordnaren avgör. Ställ in mötet den gången, flytta det till nästa arbetsdag ({next}) eller behåll det?",
        "en": "The unit's rule says the coordinator decides. Skip the meeting this time, move it to the next working day ({next}) or keep it?",
    },
    "hol.skip": {"sv": "Ställ in", "en": "Skip"},
    "hol.move": {"sv": "Flytta till {next}", "en": "Move to {next}"},
    "hol.keep": {"sv": "Behåll", "en": "Keep"},
    "hol.done_skip": {
        "sv": "{who} ställde in mötet {when} ({holiday}).",
        "en": "{who} skipped the meeting {when} ({holiday}).",
    },
    "hol.done_move": {
        "sv": "{who} flyttade mötet från {holiday} till {when}.",
        "en": "{who} moved the meeting from {holiday} to {when}.",
    },
    "hol.done_keep": {
        "sv": "{who} behöll mötet {when} trots {holiday}.",
        "en": "{who} kept the meeting {when} despite {holiday}.",
    },
    "hol.already": {
        "sv": "Det är redan avgjort för mötet {when}.",
        "en": "That has already been decided for the meeting {when}.",
    },
    "hol.note": {
        "sv": "Helgdagar det närmaste året: {list}.",
        "en": "Holidays in the coming year: {list}.",
    },
    "hol.line_skip": {"sv": "{day} ({holiday}) ställs in", "en": "{day} ({holiday}) skipped"},
    "hol.line_move": {
        "sv": "{day} ({holiday}) flyttas till {moved}",
        "en": "{day} ({holiday}) moves to {moved}",
    },
    "hol.line_ask": {
        "sv": "{day} ({holiday}): samordnaren får frågan fyra veckor före",
        "en": "{day} ({holiday}): the coordinator is asked four weeks before",
    },
    "hol.line_keep": {"sv": "{day} ({holiday}) behålls", "en": "{day} ({holiday}) kept"},
}
CALENDAR_TEXTS.update(
    {
        "ics.description": {
            "sv": "{unit}: {rule}. Dagordning, beslut och protokoll finns i enhetens kanal i Teams.",
            "en": "{unit}: {rule}. The agenda, decisions and minutes are in the unit's Teams channel.",
        },
    }
)
CALENDAR_TEXTS.update(
    {
        # Who is coming
        "att.yes": {"sv": "Jag kommer", "en": "I'm coming"},
        "att.no": {"sv": "Kan inte", "en": "Can't come"},
        "att.counts": {
            "sv": "Kommer: {coming} · Kan inte: {away}",
            "en": "Coming: {coming} · Can't: {away}",
        },
        "att.mine_yes": {"sv": "Du har svarat att du kommer.", "en": "You said you're coming."},
        "att.mine_no": {"sv": "Du har svarat att du inte kan.", "en": "You said you can't come."},
        "att.who_coming": {"sv": "Kommer: {names}", "en": "Coming: {names}"},
        "att.who_away": {"sv": "Kan inte: {names}", "en": "Can't: {names}"},
        "att.more": {"sv": " och {count} till", "en": " and {count} more"},
        "att.minutes": {"sv": "Närvaro", "en": "Attendance"},
        "att.minutes_line": {
            "sv": "Anmälda: {coming}. Kunde inte: {away}.",
            "en": "Said they would come: {coming}. Could not: {away}.",
        },
        "att.nobody": {"sv": "inga", "en": "none"},
    }
)
CALENDAR_TEXTS.update(
    {
        "ind.off_named": {"sv": " (utanför målet: {names})", "en": " (off target: {names})"},
    }
)
CALENDAR_TEXTS.update(
    {"att.join": {"sv": "Anslut till Teams-mötet", "en": "Join the Teams meeting"}}
)

# `kalender` / `calendar` and `samverkan meetings ics`: what to ask for instead.
CALENDAR_TEXTS.update(
    {
        "cmd.calendar": {
            "sv": "Mötena som kalenderfil i chatten med mig: `kalender ‹enhet› [nästa|datum]`",
            "en": "Meetings as a calendar file in your chat with me: `calendar ‹unit› [next|date]`",
        },
        "calendar.no_series": {
            "sv": "{unit} har ingen mötesserie än. En samordnare skapar en med `möte ny`.",
            "en": "{unit} has no meeting series yet. A coordinator makes one with `meeting new`.",
        },
        "calendar.no_such_series": {
            "sv": "Det finns ingen serie {number}: enheten har {count}.",
            "en": "There is no series {number}: the unit has {count}.",
        },
        "calendar.none_ahead": {
            "sv": "{series} har inget möte framför sig.",
            "en": "{series} has no meeting ahead.",
        },
        "calendar.bad_date": {
            "sv": "Jag förstår inte datumet {text}. Skriv till exempel 2026-12-03 eller 3 dec.",
            "en": "I don't understand the date {text}. Write for example 2026-12-03 or 3 Dec.",
        },
        "calendar.no_meeting_that_day": {
            "sv": "{series} har inget möte {day}.",
            "en": "{series} has no meeting on {day}.",
        },
        "calendar.description": {
            "sv": "Kalenderfil för {unit}: öppna den för att lägga in mötet i din kalender.",
            "en": "Calendar file for {unit}: open it to add the meeting to your calendar.",
        },
    }
)
