"""Job kinds come from one explicit table, and jobs get what they need as arguments."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

from scheduler.kinds import JOB_KINDS
from services import alerts, digest, escalation, kolada, nudges
from storage import meeting_occurrences_repo, meeting_series_repo

ROOT = Path(__file__).resolve().parents[2]

# Every kind a producer writes to the schedules table.
WRITTEN = {
    "noop",
    "ping",
    "retention_purge",
    digest.KIND,
    escalation.SWEEP_KIND,
    "pulse_open",
    "pulse_close",
    meeting_occurrences_repo.REMINDER_KIND,
    meeting_occurrences_repo.MINUTES_KIND,
    meeting_series_repo.SYNC_KIND,
    kolada.KIND,
    alerts.KIND,
    nudges.KIND,
}


def test_a_process_that_imports_only_the_scheduler_knows_every_kind() -> None:
    # Before the table, kinds registered themselves when their module happened to be
    # imported: a process that did not import the bot's handlers lost the digest, pulse,
    # meeting and escalation jobs (UnknownJobKind at firing time).
    code = (
        "import sys\n"
        "import scheduler.firing\n"
        "from scheduler.kinds import kinds\n"
        "print(','.join(kinds()))\n"
        "print(sorted({m.split('.')[0] for m in sys.modules} & {'bot', 'runtime', 'cli'}))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout.splitlines()
    assert set(out[0].split(",")) == WRITTEN == set(JOB_KINDS)
    assert out[1] == "[]"


def _imports(path: Path) -> set[str]:
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module.split(".")[0])
        elif isinstance(node, ast.Import):
            found.update(alias.name.split(".")[0] for alias in node.names)
    return found


def test_dependencies_point_one_way_and_jobs_read_no_start_up_globals() -> None:
    above = {
        "services": {"scheduler", "bot", "runtime", "cli", "delivery"},
        "scheduler": {"bot", "runtime", "cli", "delivery"},
    }
    for room, forbidden in above.items():
        for path in sorted((ROOT / room).glob("*.py")):
            assert not _imports(path) & forbidden, f"{path.name} imports {forbidden}"
            tree = ast.parse(path.read_text())
            assert not any(isinstance(n, ast.Global) for n in ast.walk(tree)), path.name
