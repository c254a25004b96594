"""`samverkan manifest ...`: the Teams app package to upload or sideload."""

from __future__ import annotations

from pathlib import Path

import typer

from services.app_package import DEFAULT_VERSION, ManifestError, ManifestInputError, build_manifest

manifest_app = typer.Typer(
    help="Teams app package (manifest.json, icons, localization).", no_args_is_help=True
)

# The Teams app id is the bot's Microsoft App ID, the same value the SDK reads as CLIENTID.
_CLIENT_ID_ENV = "CONNECTIONS__SERVICE_CONNECTION__SETTINGS__CLIENTID"


@manifest_app.command("build")
def build(
    app_id: str = typer.Option(
        ..., "--app-id", envvar=_CLIENT_ID_ENV, help="The bot's Microsoft App ID (a GUID)."
    ),
    out: Path = typer.Option(..., "--out", help="Where to write the app package (.zip)."),
    version: str = typer.Option(
        DEFAULT_VERSION, "--version", help="App version X.Y.Z; raise it for every update."
    ),
) -> None:
    """Build and validate the Teams app package zip."""
    try:
        path = build_manifest(app_id, out, version)
    except ManifestInputError as exc:
        typer.echo(f"Error: {exc}", err=True)
        raise typer.Exit(2) from None
    except ManifestError as exc:
        typer.echo(f"Error: {exc}", err=True)
        raise typer.Exit(1) from None
    typer.echo(f"Wrote {path}")
