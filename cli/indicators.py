"""`samverkan indicators ...`: definitions, imports (file, Kolada), digest schedules.

samverkan indicators define FILE [--if-empty]      definitions + per-unit targets (YAML)
samverkan indicators import FILE [--skip-bad-rows] [--if-empty]
samverkan indicators kolada [--kpi ID ...] --years 2022-2025 [--code 2380 ...] [--base-url URL]
samverkan indicators search WORDS                 Kolada's KPI catalogue (`indikator sök` in Teams)
samverkan indicators schedule                    a digest schedule per unit
"""

from __future__ import annotations

import asyncio
from pathlib import Path

import typer
import yaml

from cli.common import if_empty_option, run_with_db, settings_or_exit
from clients.kolada import KoladaClient, KoladaError, parse_years
from core.indicators import parse_definitions
from infra.settings import Settings
from services import alerts as alerts_service
from services import digest as digest_service
from services import kolada as kolada_service
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
    if_empty: bool = if_empty_option("no indicator is defined yet"),
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
    if_empty: bool = if_empty_option("no indicator value is stored yet"),
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
    kpi: list[str] = typer.Option(
        [],
        "--kpi",
        help="Kolada KPI id, e.g. U21468 (default: every kolada_kpi the indicators name).",
    ),
    years: str = typer.Option(..., "--years", help="Years: 2022-2025 or 2023,2024."),
    code: list[str] = typer.Option(
        [],
        "--code",
        help="Only the unit(s) with this kolada_id: a municipality (2380) or a region (0023).",
    ),
    base_url: str | None = typer.Option(
        None, "--base-url", help="Kolada API v3 base URL (default SAMVERKAN_KOLADA_URL)."
    ),
) -> None:
    """Import Kolada KPIs for every unit with a `kolada_id`, and riket, the county and the
    peer group for comparison (Källa: Kolada)."""
    try:
        year_list = parse_years(years)
    except ValueError as exc:
        typer.echo(f"--years: {exc}", err=True)
        raise typer.Exit(2) from None

    async def run(db: Database, settings: Settings) -> list[kolada_service.KpiImport]:
        client = KoladaClient(base_url or settings.kolada_base_url)
        return await kolada_service.import_kpis(
            db, client, year_list, kpis=kpi or None, codes=code or None
        )

    try:
        reports = run_with_db(run)
    except KoladaError as exc:
        typer.echo(f"Kolada: {exc}", err=True)
        raise typer.Exit(1) from None
    if not reports:
        typer.echo("No indicator names a kolada_kpi.", err=True)
        raise typer.Exit(1)
    failed = False
    for report in reports:
        if report.problem:
            failed = True
            typer.echo(f"Kolada {report.kpi}: {report.problem}", err=True)
            continue
        r = report.values
        typer.echo(
            f"Kolada {report.kpi} -> {', '.join(report.indicators)}: {report.fetched} figures "
            f"fetched; {r.inserted} new, {r.updated} changed, {r.unchanged} unchanged; "
            f"{report.comparisons} comparison figures. Källa: Kolada."
        )
    if failed:
        raise typer.Exit(1)


@indicators_app.command("search")
def search(
    words: list[str] = typer.Argument(..., help="Words of the KPI's title, e.g. läkemedel."),
    base_url: str | None = typer.Option(
        None, "--base-url", help="Kolada API v3 base URL (default SAMVERKAN_KOLADA_URL)."
    ),
) -> None:
    """Search Kolada's KPI catalogue by title: the id to put as `kolada_kpi`."""
    client = KoladaClient(base_url or settings_or_exit().kolada_base_url)
    try:
        found = asyncio.run(kolada_service.search(client, " ".join(words), limit=25))
    except KoladaError as exc:
        typer.echo(f"Kolada: {exc}", err=True)
        raise typer.Exit(1) from None
    if not found:
        typer.echo("No KPI found.")
        return
    for k in found:
        area = f"  ({k.operating_area})" if k.operating_area else ""
        typer.echo(f"{k.id}  {k.title}{area}")


@indicators_app.command("schedule")
def schedule() -> None:
    """Create or update the digest schedule of every unit (from `defaults.digest.cadence`)."""

    async def run(db: Database, _settings: Settings) -> tuple[int, bool]:
        async with db.session() as session:
            digests = await digest_service.ensure_schedules(session)
            await alerts_service.ensure_schedule(session)
            return digests, await kolada_service.ensure_schedule(session)

    digests, kolada_on = run_with_db(run)
    typer.echo(f"{digests} digest schedules active.")
    typer.echo(f"Kolada refresh: {'on' if kolada_on else 'off'}. Indicator alerts: daily.")
