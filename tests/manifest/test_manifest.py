"""The Teams app package: template + bundled npm schema + icons -> zip."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import uuid
import zipfile
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from typer.testing import CliRunner

from cli.main import app
from services.app_package import (
    MANIFEST_DIR,
    MAX_COMMANDS,
    ManifestError,
    ManifestInputError,
    build_manifest,
    read_png,
    render_manifest,
    schema_dir,
)

ICON_FILES = {"color.png", "outline.png"}


@pytest.fixture(scope="module")
def schemas() -> Path:
    # A missing schema must fail, not skip: it is what keeps the package uploadable.
    version = render_manifest(str(uuid.uuid4()))["manifestVersion"]
    return schema_dir(version)


def _build(tmp_path: Path, app_id: str, version: str = "1.2.3") -> dict[str, Any]:
    out = build_manifest(app_id, tmp_path / "pkg" / "samverkan.zip", version)
    with zipfile.ZipFile(out) as archive:
        names = set(archive.namelist())
        assert {"manifest.json", *ICON_FILES} <= names
        assert all("/" not in name for name in names)  # everything at the zip root
        return {name: archive.read(name) for name in names}


def test_package_contains_filled_valid_manifest(tmp_path: Path, schemas: Path) -> None:
    app_id = str(uuid.uuid4())
    files = _build(tmp_path, app_id, "2.0.1")
    manifest = json.loads(files["manifest.json"])

    schema = json.loads((schemas / "MicrosoftTeams.schema.json").read_text(encoding="utf-8"))
    jsonschema.Draft4Validator(schema).validate(manifest)
    assert manifest["id"] == app_id
    assert manifest["bots"][0]["botId"] == app_id
    assert manifest["version"] == "2.0.1"
    assert "{{" not in files["manifest.json"].decode()
    assert files["color.png"] == (MANIFEST_DIR / "color.png").read_bytes()


def test_bot_scopes_and_command_lists(tmp_path: Path) -> None:
    bot = json.loads(_build(tmp_path, str(uuid.uuid4()))["manifest.json"])["bots"][0]
    assert set(bot["scopes"]) == {"team", "groupChat", "personal"}
    assert bot["supportsFiles"] is True  # indicator files in, exports out (personal chat)
    lists = {
        tuple(cl["scopes"]): [c["title"] for c in cl["commands"]] for cl in bot["commandLists"]
    }
    assert set(lists) == {("team",), ("groupChat",), ("personal",)}
    assert all(len(titles) <= MAX_COMMANDS for titles in lists.values())
    assert {"help", "setup"} <= set(lists[("team",)])
    assert "setup" not in lists[("personal",)]


def test_menus_offer_only_commands_the_bot_understands_in_that_scope(tmp_path: Path) -> None:
    """A command in Teams' menu that the bot does not know would answer "unknown command"."""
    from bot.handlers import build_router

    router = build_router()

    scope_names = {"team": "channel", "groupChat": "groupChat", "personal": "personal"}
    bot = json.loads(_build(tmp_path, str(uuid.uuid4()))["manifest.json"])["bots"][0]
    for command_list in bot["commandLists"]:
        for scope in command_list["scopes"]:
            for command in command_list["commands"]:
                entry = router.commands.get(command["title"])
                assert entry is not None, (
                    f"{command['title']} is in the {scope} menu but not a command"
                )
                assert scope_names[scope] in entry.spec.scopes, (
                    f"{command['title']} does not work in {scope}"
                )


def test_localization_is_packaged_and_valid(tmp_path: Path, schemas: Path) -> None:
    files = _build(tmp_path, str(uuid.uuid4()))
    manifest = json.loads(files["manifest.json"])
    languages = manifest["localizationInfo"]["additionalLanguages"]
    assert [lang["languageTag"] for lang in languages] == ["sv"]
    sv = json.loads(files["sv.json"])
    schema = json.loads(
        (schemas / "MicrosoftTeams.Localization.schema.json").read_text(encoding="utf-8")
    )
    jsonschema.Draft4Validator(schema).validate(sv)
    assert "samverkan" in sv["description.full"].lower()


def test_localization_key_must_name_a_manifest_value(tmp_path: Path, manifest_copy: Path) -> None:
    manifest_dir = manifest_copy
    sv = json.loads((manifest_dir / "sv.json").read_text(encoding="utf-8"))
    sv["bots[0].commandLists[2].commands[9].description"] = "Finns inte"  # no 10th command
    (manifest_dir / "sv.json").write_text(json.dumps(sv), encoding="utf-8")
    with pytest.raises(ManifestError, match=r"no such value"):
        build_manifest(str(uuid.uuid4()), tmp_path / "out.zip", manifest_dir=manifest_dir)
    assert not (tmp_path / "out.zip").exists()


@pytest.mark.parametrize(
    "bad",
    [
        "",
        "not-a-guid",
        "1234",
        "{6f1c2d3e-aaaa-bbbb-cccc-1234567890ab}",
        "00000000-0000-0000-0000-000000000000",
        "6f1c2d3e-aaaa-bbbb-cccc-1234567890abX",
    ],
)
def test_bad_app_id_is_refused(tmp_path: Path, bad: str) -> None:
    with pytest.raises(ManifestInputError, match=r"app id"):
        build_manifest(bad, tmp_path / "out.zip")
    assert not (tmp_path / "out.zip").exists()


def test_bad_version_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ManifestInputError, match=r"MAJOR\.MINOR\.PATCH"):
        build_manifest(str(uuid.uuid4()), tmp_path / "out.zip", "1.0")


def test_schema_violation_is_reported(tmp_path: Path, manifest_copy: Path) -> None:
    manifest_dir = manifest_copy
    template = json.loads((manifest_dir / "manifest.template.json").read_text(encoding="utf-8"))
    template["name"]["short"] = "S" * 31
    (manifest_dir / "manifest.template.json").write_text(json.dumps(template), encoding="utf-8")
    with pytest.raises(ManifestError, match=r"name/short"):
        build_manifest(str(uuid.uuid4()), tmp_path / "out.zip", manifest_dir=manifest_dir)


def test_icons_have_exact_sizes_and_white_transparent_outline() -> None:
    color = read_png(MANIFEST_DIR / "color.png")
    assert (color.width, color.height) == (192, 192)
    outline = read_png(MANIFEST_DIR / "outline.png")
    assert (outline.width, outline.height) == (32, 32)
    pixels = [p for row in outline.rgba_rows() for p in row]
    assert {p[:3] for p in pixels if p[3] > 0} == {(255, 255, 255)}
    assert any(p[3] == 0 for p in pixels) and any(p[3] == 255 for p in pixels)
    assert outline.rgba_rows()[0][0][3] == 0


def test_wrong_outline_icon_is_refused(tmp_path: Path, manifest_copy: Path) -> None:
    manifest_dir = manifest_copy
    shutil.copy(manifest_dir / "color.png", manifest_dir / "outline.png")
    with pytest.raises(ManifestError, match=r"outline\.png: 192x192"):
        build_manifest(str(uuid.uuid4()), tmp_path / "out.zip", manifest_dir=manifest_dir)


def test_icons_are_reproducible(tmp_path: Path) -> None:
    subprocess.run(
        [sys.executable, str(MANIFEST_DIR / "make_icons.py"), str(tmp_path)],
        check=True,
        capture_output=True,
    )
    for name in ICON_FILES:
        assert (tmp_path / name).read_bytes() == (MANIFEST_DIR / name).read_bytes(), name


def test_cli_builds_package(tmp_path: Path) -> None:
    out = tmp_path / "samverkan.zip"
    app_id = str(uuid.uuid4()).upper()
    result = CliRunner().invoke(
        app, ["manifest", "build", "--app-id", app_id, "--out", str(out), "--version", "1.4.0"]
    )
    assert result.exit_code == 0, result.output
    assert str(out) in result.output
    with zipfile.ZipFile(out) as archive:
        manifest = json.loads(archive.read("manifest.json"))
    assert manifest["id"] == app_id.lower()
    assert manifest["version"] == "1.4.0"


def test_cli_bad_app_id_exits_2(tmp_path: Path) -> None:
    out = tmp_path / "samverkan.zip"
    result = CliRunner().invoke(app, ["manifest", "build", "--app-id", "nope", "--out", str(out)])
    assert result.exit_code == 2
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("Error: Invalid app id")
    assert not out.exists()


@pytest.fixture
def manifest_copy(tmp_path: Path, schemas: Path) -> Path:
    """A writable copy of manifest/ that shares the installed schemas via a symlink."""
    target = tmp_path / "manifest"
    target.mkdir()
    for name in ("manifest.template.json", "sv.json", *ICON_FILES):
        shutil.copy(MANIFEST_DIR / name, target / name)
    (target / "node_modules").symlink_to(MANIFEST_DIR / "node_modules", target_is_directory=True)
    return target
