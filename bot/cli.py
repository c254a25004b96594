"""The `samverkan` command line. Sub-commands live in bot/cli_*.py, one file each;
importing a module registers its commands on `app`."""

from __future__ import annotations

from bot import (  # noqa: F401
    cli_db,
    cli_indicators,
    cli_items,
    cli_manifest,
    cli_meetings,
    cli_org,
    cli_outbox,
    cli_privacy,
    cli_schedules,
    cli_serve,
)
from bot.cli_common import app


def main() -> None:
    app()


if __name__ == "__main__":
    main()
