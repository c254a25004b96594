"""Every `samverkan` command against a database that is missing, unmigrated or unreachable
prints one line saying what to do (never a password) and exits 1, instead of a traceback.

Through the real Typer app (CliRunner), on SQLite files and on the PostgreSQL server."""

from __future__ import annotations

import asyncio
import socket
import sqlite3
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from cli.main import app
from tests.conftest import PG_ADMIN_URL

COMMANDS = [
    ["outbox"],
    ["org", "show"],
    ["schedules"],
    ["privacy", "purge", "--dry-run"],
    ["export", "items", "--unit", "Krokom", "--format", "csv"],
    ["run", "ping", "--unit", "Krokom"],
    ["serve"],
]
# Connecting or migrating: the same one line.
REACHING = [*COMMANDS, ["db", "upgrade"]]


@pytest.fixture(autouse=True)
def _no_dotenv(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)  # no stray .env from the working directory


def run(url: str, args: list[str], monkeypatch: pytest.MonkeyPatch) -> tuple[int, str, str]:
    monkeypatch.setenv("DATABASE_URL", url)
    result = CliRunner().invoke(app, args)
    return result.exit_code, result.stdout, result.stderr


def one_line(code: int, out: str, err: str) -> str:
    assert code == 1, (code, out, err)
    assert out == ""
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    return lines[0]


@pytest.mark.parametrize("args", COMMANDS, ids=" ".join)
def test_a_missing_sqlite_file_says_to_run_db_upgrade_and_is_not_created(
    tmp_path: Path, args: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "var" / "nothing.db"
    line = one_line(*run(f"sqlite:///{path}", args, monkeypatch))
    assert line == (
        f"There is no database at sqlite:///{path}: run `samverkan db upgrade` to create it."
    )
    assert not path.exists()


@pytest.mark.parametrize("args", COMMANDS, ids=" ".join)
def test_an_unmigrated_sqlite_file_says_to_run_db_upgrade(
    tmp_path: Path, args: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "empty.db"
    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TABLE unrelated (x INTEGER)")
    line = one_line(*run(f"sqlite:///{path}", args, monkeypatch))
    assert line == f"The database at sqlite:///{path} has no schema: run `samverkan db upgrade`."


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.mark.parametrize("args", REACHING, ids=" ".join)
def test_an_unreachable_server_is_named_without_its_password(
    args: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    port = _free_port()
    url = f"postgresql://samverkan:hunter2-secret@127.0.0.1:{port}/samverkan"
    line = one_line(*run(url, args, monkeypatch))
    assert line == (
        f"Cannot reach the database at postgresql://samverkan:***@127.0.0.1:{port}/samverkan: "
        "is the server running?"
    )
    assert "hunter2" not in line


def _admin(sql: str) -> None:
    import asyncpg

    async def go() -> None:
        conn = await asyncpg.connect(PG_ADMIN_URL)
        try:
            await conn.execute(sql)
        finally:
            await conn.close()

    asyncio.run(go())


@pytest.fixture
def empty_pg(pg_url: str) -> Iterator[str]:
    """A database on the server with no tables (pg_url: the server is there)."""
    name = f"samverkan_e_{uuid.uuid4().hex[:10]}"
    _admin(f'CREATE DATABASE "{name}"')
    yield PG_ADMIN_URL.rsplit("/", 1)[0] + "/" + name
    _admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.mark.parametrize("args", COMMANDS, ids=" ".join)
def test_an_unmigrated_postgresql_database_says_to_run_db_upgrade(
    empty_pg: str, args: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    line = one_line(*run(empty_pg, args, monkeypatch))
    assert line == f"The database at {empty_pg} has no schema: run `samverkan db upgrade`."


@pytest.mark.parametrize("args", REACHING, ids=" ".join)
def test_a_postgresql_database_that_does_not_exist_says_to_create_it(
    pg_url: str, args: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    url = PG_ADMIN_URL.rsplit("/", 1)[0] + "/samverkan_absent_" + uuid.uuid4().hex[:8]
    line = one_line(*run(url, args, monkeypatch))
    assert line == (
        f"The database at {url} does not exist: create it (e.g. `createdb`), "
        "then run `samverkan db upgrade`."
    )


def test_other_errors_are_not_disguised(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A missing org file is the command's own message, not a database one."""
    path = tmp_path / "ok.db"
    from storage.migrate import upgrade

    upgrade(f"sqlite+aiosqlite:///{path}")
    code, out, err = run(f"sqlite:///{path}", ["org", "load", "no-such-file.yaml"], monkeypatch)
    assert code != 0
    assert "database" not in (out + err).lower()
