"""`samverkan indicators define/import/schedule` through the real Typer app (SQLite file)."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from cli.main import app
from tests.conftest import create_schema

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


@pytest.fixture
def db_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "cli.db"
    create_schema(f"sqlite+aiosqlite:///{path}")  # no migration for these tables yet
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{path}")
    monkeypatch.chdir(tmp_path)
    return path


def invoke(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, list(args))
    return result.exit_code, result.stdout, result.stderr


def test_example_definitions_load_against_the_jamtland_org(db_file: Path, tmp_path: Path) -> None:
    assert invoke("org", "load", str(EXAMPLES / "jamtland.yaml"))[0] == 0
    code, out, err = invoke("indicators", "define", str(EXAMPLES / "indicators.yaml"))
    assert code == 0, err
    assert "8 indicators: 8 created" in out and "1 unit targets" in out
    code, out, _ = invoke("indicators", "define", str(EXAMPLES / "indicators.yaml"))
    assert "0 created, 0 updated, 8 unchanged" in out

    csv = tmp_path / "v.csv"
    csv.write_text(
        "indikator;enhet;period;värde\nsip_genomforda;Krokom;2026 Q1;3,8\nsip_genomforda;Nowhere;2026 Q1;1\n",
        encoding="utf-8",
    )
    code, _, err = invoke("indicators", "import", str(csv))
    assert code == 1 and "row 3: unknown unit 'Nowhere'" in err and "nothing was imported" in err
    code, out, err = invoke("indicators", "import", str(csv), "--skip-bad-rows")
    assert code == 0 and "1 new" in out and "row 3" in err
    code, out, _ = invoke("indicators", "import", str(csv), "--skip-bad-rows")
    assert "0 new, 0 changed, 1 unchanged" in out

    code, out, _ = invoke("indicators", "schedule")
    assert code == 0 and "digest schedules active" in out


@pytest.mark.parametrize("county", ["jonkoping", "kalmar", "skane"])
def test_example_definitions_load_for_every_example_county(db_file: Path, county: str) -> None:
    """The shared indicator file names Härjedalen (Jämtland) for a local target: another
    county loads every indicator, with a warning that the target is left out."""
    assert invoke("org", "load", str(EXAMPLES / f"{county}.yaml"))[0] == 0
    code, out, err = invoke("indicators", "define", str(EXAMPLES / "indicators.yaml"))
    assert code == 0, err
    assert "8 indicators: 8 created" in out and "0 unit targets" in out
    assert "warning: utskrivningsklara_dagar.targets: no unit named 'Härjedalen'" in err


def test_bad_definitions_are_listed_with_their_path(db_file: Path, tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text(
        "indicators:\n  - {id: x, name: {sv: X}, direction: sideways, period: month}\n",
        encoding="utf-8",
    )
    code, _, err = invoke("indicators", "define", str(bad))
    assert code == 1 and "indicators[0].direction" in err and "nothing was changed" in err


def test_make_run_loads_the_example_values_only_into_an_empty_database(
    db_file: Path, tmp_path: Path
) -> None:
    """`make run`'s steps: the example indicators and their fictitious values for the
    Jämtland units, so the first digest shows figures; a second run changes nothing."""
    assert invoke("org", "load", str(EXAMPLES / "jamtland.yaml"), "--if-empty")[0] == 0
    define = ("indicators", "define", str(EXAMPLES / "indicators.yaml"), "--if-empty")
    values = ("indicators", "import", str(EXAMPLES / "jamtland_values.csv"), "--if-empty")
    code, out, err = invoke(*define)
    assert code == 0 and "8 created" in out, err
    code, out, err = invoke(*values)
    assert code == 0 and " 0 changed" in out and not err, err

    # What someone changed since is left alone.
    csv = tmp_path / "mine.csv"
    csv.write_text("indikator;enhet;period;värde\nsip_genomforda;Krokom;2026 Q3;9,9\n", "utf-8")
    assert invoke("indicators", "import", str(csv))[0] == 0
    code, out, _ = invoke(*define)
    assert code == 0 and "already defined" in out
    code, out, _ = invoke(*values)
    assert code == 0 and "already stored" in out
    code, out, _ = invoke("indicators", "import", str(csv))
    assert "1 unchanged" in out  # still the person's 9,9, not the example's value


def test_the_example_values_say_they_are_fictitious() -> None:
    lines = (EXAMPLES / "jamtland_values.csv").read_text(encoding="utf-8").splitlines()
    assert lines[0].split(";")[-1] == "källa"
    assert all(line.endswith(";Exempeldata (fiktiva värden)") for line in lines[1:])
