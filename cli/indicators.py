"""`samverkan indicators ...`: definitions, imports (file, Kolada), digest schedules.

samverkan indicators define FILE [--if-empty]      definitions + per-unit targets (YAML)
samverkan indicators import FILE [--skip-bad-rows] [--if-empty]
samverkan indicators kolada --kpi ID --years 2022-2025 [--base-url URL]
samverkan indicators schedule                    a digest schedule per unit
"""

from __future__ import annotations

from pathlib import Path

import typer
import yaml

from cli.common import run_with_db
from clients.kolada import (
    DEFAULT_BASE_URL,
    KoladaClient,
    KoladaError,
    KoladaReport,
    import_kpi,
    parse_years,
)
from core.indicators import parse_definitions
from infra.settings import Settings
from services import digest as digest_service
from services.indicator_import import ImportFileError, ImportReport, import_file
from storage import indicators_repo
from storage.db import Database

indicators_app = typer.Typer(
    help="Shared indicators: definitions, imports, digests.", no_args_is_help=True
)


@indicators_app.command("define")
def define(
    file: Path = typer.Argument(
        ..., help="Indicator definitions (YAML), e.g. examples/indicators.yaml."
    ),
    if_empty: bool = typer.Option(
        False, "--if-empty", help="Only if no indicator is defined yet (for `make run`)."
    ),
) -> None:
    """Create or update indicator definitions and per-unit targets (idempotent)."""
    try:
        data = yaml.safe_load(file.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        typer.echo(f"{file}: {exc}", err=True)
        raise typer.Exit(1) from None
    defs, overrides, problems = parse_definitions(data)
    if problems:
        for p in problems:
            typer.echo(f"{file}: {p}", err=True)
        typer.echo(f"{len(problems)} problem(s); nothing was changed.", err=True)
        raise typer.Exit(1)

    async def run(db: Database, _settings: Settings) -> indicators_repo.DefinitionResult | None:
        async with db.session() as session:
            if if_empty and await indicators_repo.definition_ids(session):
                return None
            # Problems are found before anything is written.
            return await indicators_repo.save_definitions(session, defs, overrides)

    result = run_with_db(run)
    if result is None:
        typer.echo("Indicators are already defined; left as they are (--if-empty).")
        return
    if result.problems:
        for p in result.problems:
            typer.echo(f"{file}: {p}", err=True)
        typer.echo("Nothing was changed.", err=True)
        raise typer.Exit(1)
    for warning in result.warnings:
        typer.echo(f"{file}: warning: {warning}", err=True)
    typer.echo(
        f"{len(defs)} indicators: {result.created} created, {result.updated} updated, "
        f"{result.unchanged} unchanged; {result.targets} unit targets."
    )


def print_report(report: ImportReport, skip_bad_rows: bool) -> None:
    for bad in report.bad:
        typer.echo(str(bad), err=True)
    if report.bad and not report.imported:
        typer.echo(
            f"{len(report.bad)} bad row(s) of {report.rows}; nothing was imported. "
            "Fix them, or use --skip-bad-rows to import the good rows.",
            err=True,
        )
        return
    r = report.result
    skipped = f", {len(report.bad)} bad row(s) skipped" if report.bad else ""
    typer.echo(
        f"{report.rows} rows: {r.inserted} new, {r.updated} changed, {r.unchanged} unchanged{skipped}."
    )


@indicators_app.command("import")
def import_(
    file: Path = typer.Argument(
        ..., help="CSV or .xlsx with columns indicator, unit, period, value."
    ),
    skip_bad_rows: bool = typer.Option(
        False, "--skip-bad-rows", help="Import the good rows even if some are bad."
    ),
    if_empty: bool = typer.Option(
        False, "--if-empty", help="Only if no indicator value is stored yet (for `make run`)."
    ),
) -> None:
    """Import indicator values (upsert: importing the same file twice changes nothing)."""
    if not file.is_file():
        typer.echo(f"{file}: no such file", err=True)
        raise typer.Exit(1)

    async def run(db: Database, _settings: Settings) -> ImportReport | None:
        async with db.session() as session:
            if if_empty and await indicators_repo.value_count(session):
                return None
            # A file with bad rows writes nothing (unless --skip-bad-rows).
            return await import_file(session, file, skip_bad_rows=skip_bad_rows)

    try:
        report = run_with_db(run)
    except ImportFileError as exc:
        typer.echo(f"{file}: {exc}", err=True)
        raise typer.Exit(1) from None
    if report is None:
        typer.echo("Indicator values are already stored; left as they are (--if-empty).")
        return
    print_report(report, skip_bad_rows)
    if report.bad and not report.imported:
        raise typer.Exit(1)


@indicators_app.command("kolada")
def kolada(
    kpi: str = typer.Option(
        ..., "--kpi", help="Kolada KPI id, e.g. N00945 (an indicator must name it as kolada_kpi)."
    ),
    years: str = typer.Option(..., "--years", help="Years: 2022-2025 or 2023,2024."),
    base_url: str = typer.Option(DEFAULT_BASE_URL, "--base-url", help="Kolada API v3 base URL."),
) -> None:
    """Import a KPI from Kolada for every unit with a `kolada_id` (Källa: Kolada)."""
    try:
        year_list = parse_years(years)
    except ValueError as exc:
        typer.echo(f"--years: {exc}", err=True)
        raise typer.Exit(2) from None

    async def run(db: Database, _settings: Settings) -> KoladaReport:
        async with db.session() as session:
            return await import_kpi(session, KoladaClient(base_url), kpi, year_list)

    try:
        report = run_with_db(run)
    except KoladaError as exc:
        typer.echo(f"Kolada: {exc}", err=True)
        raise typer.Exit(1) from None
    r = report.result
    typer.echo(
        f"Kolada {kpi} -> {', '.join(report.indicators)}: {report.fetched} figures fetched; "
        f"{r.inserted} new, {r.updated} changed, {r.unchanged} unchanged. Källa: Kolada."
    )


@indicators_app.command("schedule")
def schedule() -> None:
    """Create or update the digest schedule of every unit (from `defaults.digest.cadence`)."""

    async def run(db: Database, _settings: Settings) -> int:
        async with db.session() as session:
            return await digest_service.ensure_schedules(session)

    typer.echo(f"{run_with_db(run)} digest schedules active.")
