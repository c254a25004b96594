"""A channel's roster as plain data (core/roster.py)."""

from __future__ import annotations

from core.roster import RosterEntry, by_tenant, people_count

ANNA = "A0000000-0000-4000-8000-000000000001"


def test_a_person_listed_in_two_organisations_views_counts_once() -> None:
    entries = [
        RosterEntry("29:anna", ANNA, "region"),
        RosterEntry("29:anna-seen-by-kommun", ANNA.lower(), "kommun"),
        RosterEntry("28:bot", None),  # no object id: counted by its account id
    ]
    assert people_count(entries) == 2


def test_members_are_kept_under_their_own_tenant_else_the_channels() -> None:
    entries = [
        RosterEntry("29:anna", ANNA, None),
        RosterEntry("29:bo", "b1", "kommun"),
        RosterEntry("28:bot", None, "region"),
    ]
    assert by_tenant(entries, "region") == {"region": {ANNA}, "kommun": {"b1"}}
