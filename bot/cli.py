"""The `samverkan` command line. Sub-commands live in bot/cli_*.py, one file each."""

from __future__ import annotations

from bot import (
    cli_db,
    cli_indicators,
    cli_items,
    cli_manifest,
    cli_meetings,
    cli_org,
    cli_outbox,
    cli_schedules,
    cli_serve,
)
from bot.cli_common import app

# Importing a cli_* module registers its commands on `app`.
COMMAND_MODULES = (
    cli_db,
    cli_indicators,
    cli_items,
    cli_manifest,
    cli_meetings,
    cli_org,
    cli_outbox,
    cli_schedules,
    cli_serve,
)


def main() -> None:
    app()


if __name__ == "__main__":
    main()
