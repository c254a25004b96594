"""What scheduled jobs need from the process that fires them, passed explicitly.

Built once where jobs fire (runtime/process.py for the server, the CLI for `samverkan
run`) and handed to every job as its fourth argument; no job reads a module global set
at start-up. Tests build one with tests/support/jobs.py `job_context()`.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo

from clients.graph import GraphDirectory
from core.dates import HOME_ZONE
from core.roster import RosterEntry

# Given Entra object ids of people the bot cannot reach, install the app for them and
# return those now reachable soon (services/app_install.py builds one).
InstallHook = Callable[[list[str]], Awaitable[set[str]]]

# Given a channel's stored ConversationReference, its roster from Teams, or None if it could
# not be read (clients/teams_roster.py `TeamsRoster`). Only AFTER_COMMIT jobs call it.
RosterReader = Callable[[Mapping[str, Any]], Awaitable[list[RosterEntry] | None]]


@dataclass(frozen=True)
class JobContext:
    # The server secret: pulse keys are sealed with it (services/pulse.py).
    secret: str
    zone: ZoneInfo = field(default_factory=lambda: ZoneInfo(HOME_ZONE))
    # The default language of posts that go to no one person (pulse cards).
    language: str = "sv"
    # Global admins (SAMVERKAN_ADMINS, lower-cased): they lead every unit, so their
    # digest subscriptions never lapse.
    admins: frozenset[str] = frozenset()
    # Where Graph roles are on: Entra group membership for roles given to groups.
    graph: GraphDirectory | None = None
    # Where the tenant grants it: the digest installs the app for unreachable managers.
    install_hook: InstallHook | None = None
    # The bot's own tenant (None: anonymous local mode): only its people are reached
    # personally or through Graph (core/tenancy.py `reach`).
    own_tenant: str | None = None
    # Kolada API v3 (services/kolada.py refresh job); tests point it at a fake.
    kolada_base_url: str = "https://api.kolada.se/v3"
    # The Bot Connector's roster of a channel (None: the stored members only).
    roster: RosterReader | None = None
