"""The `samverkan` command line: one module per command group under cli/, each thin over
services/. The groups and commands are listed here, explicitly; importing a module
registers nothing."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import typer

from cli import (
    db,
    export,
    indicators,
    manifest,
    meetings,
    org,
    outbox,
    privacy,
    pulse,
    schedules,
    serve,
)
from cli.common import new_root

# (sub-app, name): each module's own Typer group.
GROUPS: list[tuple[typer.Typer, str]] = [
    (db.db_app, "db"),
    (org.org_app, "org"),
    (indicators.indicators_app, "indicators"),
    (export.export_app, "export"),
    (manifest.manifest_app, "manifest"),
    (outbox.outbox_app, "outbox"),
    (privacy.privacy_app, "privacy"),
    (pulse.pulse_app, "pulse"),
    (meetings.meetings_app, "meetings"),
]
# Top-level commands.
COMMANDS: list[tuple[str, Callable[..., Any]]] = [
    ("serve", serve.serve),
    ("schedules", schedules.schedules),
    ("run", schedules.run),
]


def build() -> typer.Typer:
    root = new_root()
    for sub, name in GROUPS:
        # `samverkan outbox` alone shows the counts (the group's callback).
        root.add_typer(sub, name=name, invoke_without_command=sub is outbox.outbox_app)
    for name, fn in COMMANDS:
        root.command(name)(fn)
    return root


app = build()


def main() -> None:
    app()


if __name__ == "__main__":
    main()
