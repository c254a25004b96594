"""`samverkan org load FILE` and `samverkan org show`: the county's chain of units."""

from __future__ import annotations

from pathlib import Path
from typing import NoReturn

import typer

from cli.common import if_empty_option, run_with_db
from core.org import OrgPlan, OrgProblem, OrgSpec, UnitUpdate, parse_org_text
from infra.settings import Settings
from services.provisioning import provision_org
from storage.db import Database
from storage.org_repo import UnitRow, has_units, sync_org, unit_tree
from storage.types import utcnow

org_app = typer.Typer(
    help="The org file: the county's chain of units and roles.", no_args_is_help=True
)

NO_CHANNEL = "(ingen kanal / no channel)"


@org_app.command("load")
def load(
    file: Path = typer.Argument(..., help="The org file (YAML), e.g. examples/jamtland.yaml."),
    archive: bool = typer.Option(
        False, "--archive", help="Archive units that are gone from the file but have history."
    ),
    dry_run: bool = typer.Option(False, "--dry-run", help="Show what would change; write nothing."),
    if_empty: bool = if_empty_option("no unit is loaded yet"),
) -> None:
    """Validate FILE and make the stored units and roles match it (one transaction)."""
    spec = _read_spec(file)

    async def run(db: Database, _settings: Settings) -> OrgPlan | None:
        async with db.session() as session:
            if if_empty and await has_units(session):
                return None
            plan = await sync_org(session, spec, archive=archive, dry_run=dry_run, actor="cli")
            if not plan.problems and not dry_run:
                # Digest and meeting schedules follow the org; upserts, so a reload is a no-op.
                await provision_org(session, utcnow(), _settings.language)
            return plan

    plan = run_with_db(run)
    if plan is None:
        typer.echo("Units are already loaded; left as they are (--if-empty).")
        return
    if plan.problems:
        _fail(file, list(plan.problems))
    for line in describe_plan(plan):
        typer.echo(line)
    typer.echo(summary(plan, dry_run=dry_run))


@org_app.command("show")
def show() -> None:
    """Print the chain of units with each unit's channel."""

    async def run(db: Database, _settings: Settings) -> list[UnitRow]:
        async with db.session() as session:
            return await unit_tree(session)

    rows = run_with_db(run)
    if not rows:
        typer.echo(
            "Ingen organisation är inläst / no organisation loaded: run `samverkan org load FILE`."
        )
        return
    for row in rows:
        typer.echo(tree_line(row))


def _read_spec(file: Path) -> OrgSpec:
    try:
        text = file.read_text(encoding="utf-8")
    except FileNotFoundError:
        _abort(f"{file}: no such file")
    except IsADirectoryError:
        _abort(f"{file}: is a directory, not an org file")
    except UnicodeDecodeError as exc:
        _abort(f"{file}: not UTF-8 text ({exc.reason} at byte {exc.start})")
    except OSError as exc:
        _abort(f"{file}: cannot read ({exc.strerror})")
    result = parse_org_text(text)
    if not isinstance(result, OrgSpec):
        _fail(file, result)
    return result


def _abort(message: str) -> NoReturn:
    typer.echo(message, err=True)
    raise typer.Exit(1)


def _fail(file: Path, problems: list[OrgProblem]) -> NoReturn:
    noun = "problem" if len(problems) == 1 else "problems"
    typer.echo(f"{file}: {len(problems)} {noun}; nothing was written.", err=True)
    for problem in problems:
        typer.echo(f"  {problem}", err=True)
    raise typer.Exit(1)


def describe_plan(plan: OrgPlan) -> list[str]:
    """One line per change, for the operator to read before trusting the counts."""
    lines = [f"  + {u.name} ({u.level})" for u in plan.create]
    lines += [f"  ~ {_update_text(u)}" for u in plan.update]
    lines += [f"  = {r.name}: archived (kept with its history)" for r in plan.archive]
    lines += [f"  - {r.name}: removed" for r in plan.delete]
    return lines


def _update_text(update: UnitUpdate) -> str:
    parts = []
    if "name" in update.changes:
        parts.append(f"renamed from '{update.changes['name'][0]}'")
    if update.restore:
        parts.append("restored from archive")
    parts += [k for k in update.changes if k != "name"]
    if update.roles_added or update.roles_removed:
        parts.append(f"roles +{len(update.roles_added)} -{len(update.roles_removed)}")
    return f"{update.spec.name}: {', '.join(parts)}"


def summary(plan: OrgPlan, *, dry_run: bool) -> str:
    counts = ", ".join(f"{k} {v}" for k, v in plan.counts().items())
    if dry_run:
        return f"Dry run, nothing written. Would be: {counts}."
    if plan.is_empty:
        return f"Nothing to change: {counts}."
    return f"Loaded: {counts}."


def tree_line(row: UnitRow) -> str:
    label = row.level_label or row.level
    facts = [label if label.lower() == row.level else f"{label} · {row.level}"]
    if row.topic:
        facts.append(f"topic: {row.topic}")
    if row.kolada_id:
        facts.append(f"kolada {row.kolada_id}")
    channel = f"#{row.channel_name}" if row.channel_name else NO_CHANNEL
    if row.bound and not row.channel_name:
        channel = "(kanal utan namn / unnamed channel)"
    return f"{'  ' * row.depth}{row.name}  [{', '.join(facts)}]  {channel}"
