"""A bot process (bench/launch/bot_server.py) under test, and PostgreSQL server control."""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import IO

import pytest

ROOT = Path(__file__).resolve().parents[2]
LAUNCHER = ROOT / "bench" / "launch" / "bot_server.py"


class BotProcess:
    """The real app (`runtime.process.create_app`) in a subprocess, on a loopback port."""

    def __init__(self, database_url: str, data_dir: Path, log: Path, *extra: str) -> None:
        self.args = [
            sys.executable,
            str(LAUNCHER),
            "--database-url",
            database_url,
            "--data-dir",
            str(data_dir),
            *extra,
        ]
        self.log_path = log
        self.proc: subprocess.Popen[str] | None = None
        self.port = 0
        self._log: IO[str] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    async def start(self, within: float = 30.0) -> None:
        self._log = self.log_path.open("a")
        self.proc = await asyncio.to_thread(
            subprocess.Popen,
            self.args,
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=self._log,
            text=True,
        )
        assert self.proc.stdout is not None
        line = await asyncio.wait_for(asyncio.to_thread(self.proc.stdout.readline), within)
        if not line:
            raise AssertionError(f"the bot did not start; see {self.log_path}")
        ready = json.loads(line)
        assert ready["event"] == "ready"
        self.port = int(ready["port"])

    def kill(self) -> None:
        """SIGKILL: no shutdown code runs, as in a crash."""
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
        self._reap()

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
        self._reap()

    def _reap(self) -> None:
        if self.proc is not None:
            self.proc.wait(timeout=15)
            if self.proc.stdout is not None:
                self.proc.stdout.close()
        if self._log is not None:
            self._log.close()
            self._log = None


# -- the PostgreSQL server -------------------------------------------------------------------


def pg_version() -> str | None:
    """The one cluster version under /etc/postgresql, or None."""
    base = Path("/etc/postgresql")
    versions = sorted(p.name for p in base.iterdir()) if base.is_dir() else []
    return versions[-1] if versions else None


def require_pg_control() -> str:
    """The cluster version, if this process may stop and start the server; else skip/fail."""
    version = pg_version()
    problem = None
    if os.geteuid() != 0:
        problem = "restarting PostgreSQL needs root"
    elif shutil.which("pg_ctlcluster") is None or version is None:
        problem = "pg_ctlcluster or /etc/postgresql/<version> is missing"
    if problem is not None:
        if os.environ.get("CI") == "true":
            pytest.fail(problem)
        pytest.skip(problem)
    assert version is not None
    return version


def pg_ctl(version: str, action: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["pg_ctlcluster", "--skip-systemctl-redirect", version, "main", action],
        capture_output=True,
        text=True,
        timeout=60,
    )


async def wait_accepting(dsn: str, within: float = 30.0) -> None:
    import asyncpg

    deadline = time.monotonic() + within
    while True:
        try:
            conn = await asyncpg.connect(dsn, timeout=2)
            await conn.close()
            return
        except Exception:
            if time.monotonic() > deadline:
                raise
            await asyncio.sleep(0.2)


async def ensure_running(version: str, dsn: str) -> None:
    """Start the server if it is not running and wait until it accepts connections."""
    status = await asyncio.to_thread(pg_ctl, version, "status")
    if status.returncode != 0:
        await asyncio.to_thread(pg_ctl, version, "start")
    await wait_accepting(dsn)
