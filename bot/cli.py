"""The `samverkan` command line. Sub-commands live in bot/cli_*.py, one file each."""

from __future__ import annotations

import typer

from bot import cli_db, cli_manifest, cli_org, cli_serve  # noqa: F401  (register commands)
from bot.cli_common import app


def main() -> None:
    app()


if __name__ == "__main__":
    main()


__all__ = ["app", "main", "typer"]
