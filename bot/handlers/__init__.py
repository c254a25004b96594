"""The Teams handlers, one module per command family, listed explicitly.

Each module fills its own `HANDLERS` (bot/router.py); `build_router()` merges the
modules named here, in this order (the help card lists commands in it). A command or
card action answers only if its module is in `HANDLER_MODULES`; a name registered by two
modules is an error at start-up.
"""

from __future__ import annotations

from bot.handlers import (
    actions,
    agenda,
    alerts,
    calendar,
    decisions,
    digest,
    exports,
    help,
    indicator_files,
    items,
    kolada_search,
    meeting_attendance,
    meeting_holidays,
    meetings,
    minutes,
    people,
    pulse,
    pulse_builder,
    pulse_followups,
    setup,
    units,
)
from bot.router import Router

HANDLER_MODULES = (
    help,
    digest,
    items,
    meetings,
    meeting_holidays,
    meeting_attendance,
    agenda,
    decisions,
    actions,
    minutes,
    pulse,
    pulse_builder,
    pulse_followups,
    setup,
    units,
    indicator_files,
    exports,
    kolada_search,
    alerts,
    people,
    calendar,
)


def build_router() -> Router:
    router = Router()
    for module in HANDLER_MODULES:
        router.include(module.HANDLERS)
    return router
