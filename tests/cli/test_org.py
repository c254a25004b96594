"""`samverkan org load` / `org show` through the real Typer app on a migrated SQLite file."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from typer.testing import CliRunner

from cli.main import app
from storage.migrate import upgrade

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


@pytest.fixture
def db_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "cli.db"
    upgrade(f"sqlite+aiosqlite:///{path}")
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{path}")
    monkeypatch.chdir(tmp_path)  # no stray .env from the working directory
    return path


def invoke(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, ["org", *args])
    return result.exit_code, result.stdout, result.stderr


def unit_count(path: Path) -> int:
    with sqlite3.connect(path) as conn:
        return int(conn.execute("SELECT count(*) FROM units").fetchone()[0])


def test_load_prints_a_summary_and_a_second_load_changes_nothing(db_file: Path) -> None:
    code, out, _ = invoke("load", str(EXAMPLES / "jamtland.yaml"))
    assert code == 0
    assert "+ Östersund (cluster)" in out
    assert "Loaded: created 18, updated 0, archived 0, removed 0, unchanged 0." in out
    assert unit_count(db_file) == 18

    code, out, _ = invoke("load", str(EXAMPLES / "jamtland.yaml"))
    assert code == 0
    assert "Nothing to change: created 0, updated 0, archived 0, removed 0, unchanged 18." in out


def test_dry_run_writes_nothing(db_file: Path) -> None:
    code, out, _ = invoke("load", "--dry-run", str(EXAMPLES / "skane.yaml"))
    assert code == 0
    assert "Dry run, nothing written. Would be: created 52," in out
    assert unit_count(db_file) == 0


def test_bad_file_prints_every_problem_with_its_path_and_exits_1(
    db_file: Path, tmp_path: Path
) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text(
        "county: Test\n"
        "topics: [Äldre]\n"
        "units:\n"
        "  - name: Rådet\n"
        "    level: macro\n"
        "    roles: {samordnare: [a@b.se]}\n"
        "    children:\n"
        "      - {name: Östersund, level: cluster}\n"
        "      - {name: Krokom, level: cluster, kolada_id: 2309}\n"
        "      - {name: Östersund, level: team}\n"
        "  - {name: Berg, level: cluster, parent: Ragunda}\n",
        encoding="utf-8",
    )
    code, _, err = invoke("load", str(bad))
    assert code == 1
    assert f"{bad}: 4 problems; nothing was written." in err
    assert "units[0].roles.samordnare: bad role 'samordnare'" in err
    assert "units[0].children[1].kolada_id: write the code in quotes" in err
    assert (
        "units[0].children[2].name: duplicate unit name 'Östersund' (also at "
        "units[0].children[0]) [line 10]"
    ) in err
    assert "units[1].parent: unknown parent 'Ragunda' [line 11]" in err
    assert unit_count(db_file) == 0


def test_yaml_syntax_error_shows_the_line(db_file: Path, tmp_path: Path) -> None:
    bad = tmp_path / "broken.yaml"
    bad.write_text("county: Test\nunits:\n  - name: [Rådet\n    level: macro\n", encoding="utf-8")
    code, _, err = invoke("load", str(bad))
    assert code == 1
    assert "YAML syntax error" in err and "[line " in err


def test_missing_and_unreadable_files(db_file: Path, tmp_path: Path) -> None:
    code, _, err = invoke("load", str(tmp_path / "nope.yaml"))
    assert code == 1 and "nope.yaml: no such file" in err
    binary = tmp_path / "latin1.yaml"
    binary.write_bytes("county: Jämtland\n".encode("latin-1"))
    code, _, err = invoke("load", str(binary))
    assert code == 1 and "not UTF-8 text" in err


def test_removal_with_history_is_refused_then_archived(db_file: Path, tmp_path: Path) -> None:
    assert invoke("load", str(EXAMPLES / "jamtland.yaml"))[0] == 0
    with sqlite3.connect(db_file) as conn:
        (unit_id,) = conn.execute("SELECT id FROM units WHERE name = 'Ragunda'").fetchone()
        conn.execute(
            "INSERT INTO audit_log (at, action, unit_id, details) "
            "VALUES ('2025-01-01 00:00:00', 'item.raised', ?, '{}')",
            (unit_id,),
        )
    text = (EXAMPLES / "jamtland.yaml").read_text(encoding="utf-8")
    start = text.index("      - name: Ragunda\n")
    smaller = tmp_path / "smaller.yaml"
    smaller.write_text(text[:start] + text[text.index("      - name: Strömsund\n") :], "utf-8")

    code, _, err = invoke("load", str(smaller))
    assert code == 1 and "'Ragunda' is not in the file but has history" in err

    code, out, _ = invoke("load", "--archive", str(smaller))
    assert code == 0 and "= Ragunda: archived" in out and "archived 1" in out


def test_show_prints_the_tree_with_channels(db_file: Path) -> None:
    code, out, _ = invoke("show")
    assert code == 0 and "no organisation loaded" in out

    assert invoke("load", str(EXAMPLES / "jamtland.yaml"))[0] == 0
    with sqlite3.connect(db_file) as conn:
        (unit_id,) = conn.execute("SELECT id FROM units WHERE name = 'Östersund'").fetchone()
        conn.execute(
            "INSERT INTO conversations (conversation_id, kind, name, reference, active, "
            "installed_at, updated_at) VALUES ('19:x', 'channel', 'Samverkan Östersund', '{}', 1, "
            "'2025-01-01 00:00:00', '2025-01-01 00:00:00')"
        )
        conn.execute(
            "INSERT INTO channel_bindings (unit_id, conversation_pk, active, bound_at) "
            "VALUES (?, (SELECT id FROM conversations WHERE conversation_id = '19:x'), 1, "
            "'2025-01-01 00:00:00')",
            (unit_id,),
        )
    code, out, _ = invoke("show")
    lines = out.splitlines()
    assert code == 0
    assert lines[0].startswith("Regionens samverkansråd  [Regionens samverkansråd / SVOM · macro]")
    assert (
        "  Östersund  [Lokal samverkansarena · cluster, kolada 2380]  #Samverkan Östersund" in lines
    )
    assert (
        "  Länsnätverk psykisk hälsa  [Länsgrupp · topic, topic: Psykisk hälsa]  "
        "(ingen kanal / no channel)"
    ) in lines
    assert "    Hemsjukvård Östersund  [Team]  (ingen kanal / no channel)" in lines


def test_if_empty_loads_once_and_then_leaves_the_org_alone(tmp_path: Path) -> None:
    """`make run` loads the example org only into an empty database."""
    url = f"sqlite+aiosqlite:///{tmp_path / 'run.db'}"
    upgrade(url)
    env = {"DATABASE_URL": url}
    first = CliRunner().invoke(
        app, ["org", "load", str(EXAMPLES / "jamtland.yaml"), "--if-empty"], env=env
    )
    assert first.exit_code == 0, first.output
    assert "Östersund" in CliRunner().invoke(app, ["org", "show"], env=env).output
    second = CliRunner().invoke(
        app, ["org", "load", str(EXAMPLES / "kalmar.yaml"), "--if-empty"], env=env
    )
    assert second.exit_code == 0 and "already loaded" in second.output
    assert "Kalmar" not in CliRunner().invoke(app, ["org", "show"], env=env).output
