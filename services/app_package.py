"""Build the Teams app package: manifest.json + icons (+ localization) in a zip.

The template in manifest/ is filled with the app id and version, then checked
against the JSON schema from the npm package @microsoft/app-manifest (pinned by
manifest/package-lock.json), so a package that Teams would refuse fails here
instead of in the Teams upload dialog.
"""

from __future__ import annotations

import json
import re
import shutil
import struct
import subprocess
import zipfile
import zlib
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import Any

import jsonschema

MANIFEST_DIR = Path(__file__).resolve().parent.parent / "manifest"
TEMPLATE_NAME = "manifest.template.json"
SCHEMA_ROOT = Path("node_modules/@microsoft/app-manifest/build/json-schemas/teams")
ICON_SIZES = {"color": (192, 192), "outline": (32, 32)}
# Schema v1.24+ allows 12 commands per list, older ones 10; we keep to 10 so the
# command menu stays short and the package would still pass an older validator.
MAX_COMMANDS = 10

_GUID = re.compile(r"^[0-9a-fA-F]{8}-(?:[0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}$")
_SEMVER = re.compile(r"^(?:0|[1-9]\d*)\.(?:0|[1-9]\d*)\.(?:0|[1-9]\d*)$")
_PLACEHOLDER = re.compile(r"\{\{[A-Z_]+\}\}")
_PATH_PART = re.compile(r"([^.\[\]]+)|\[(\d+)\]")


class ManifestError(Exception):
    """The package cannot be built (missing schema, invalid template, bad icon...)."""


class ManifestInputError(ManifestError, ValueError):
    """The caller's input (app id, version) is invalid."""


def _default_version() -> str:
    try:
        version = metadata.version("samverkan")
    except metadata.PackageNotFoundError:
        return "1.0.0"
    return version if _SEMVER.match(version) else "1.0.0"


DEFAULT_VERSION = _default_version()


def validate_app_id(app_id: str) -> str:
    """Return the app id in lower case, or raise if it is not a usable GUID."""
    value = app_id.strip()
    if not _GUID.match(value):
        raise ManifestInputError(
            f"Invalid app id {app_id!r}: expected the bot's Microsoft App ID, a GUID "
            "like 1b4e28ba-2fa1-11d2-883f-0016d3cca427."
        )
    if set(value.replace("-", "")) == {"0"}:
        raise ManifestInputError("Invalid app id: the all-zero GUID is a placeholder, not an app.")
    return value.lower()


def validate_version(version: str) -> str:
    if not _SEMVER.match(version):
        raise ManifestInputError(
            f"Invalid version {version!r}: Teams wants MAJOR.MINOR.PATCH, e.g. 1.2.0."
        )
    return version


# --- schema -------------------------------------------------------------------------------


def schema_dir(
    manifest_version: str, manifest_dir: Path = MANIFEST_DIR, install: bool = True
) -> Path:
    """The bundled schema folder for this manifestVersion; runs `npm ci` if it is missing."""
    folder = manifest_dir / SCHEMA_ROOT / f"v{manifest_version}"
    if not (folder / "MicrosoftTeams.schema.json").is_file() and install:
        _npm_ci(manifest_dir)
    if not (folder / "MicrosoftTeams.schema.json").is_file():
        raise ManifestError(
            f"No Teams manifest schema for manifestVersion {manifest_version} in {folder}. "
            f"Run `npm ci --prefix {manifest_dir}` (needs Node.js) to install "
            "@microsoft/app-manifest, or pick a version it bundles."
        )
    return folder


def _npm_ci(manifest_dir: Path) -> None:
    npm = shutil.which("npm")
    if npm is None:
        raise ManifestError(
            f"The Teams manifest schemas are not installed and npm was not found. Install "
            f"Node.js, then run `npm ci --prefix {manifest_dir}`."
        )
    try:
        done = subprocess.run(
            [npm, "ci", "--no-fund", "--no-audit", "--prefix", str(manifest_dir)],
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )
    except subprocess.TimeoutExpired:
        raise ManifestError(f"`npm ci --prefix {manifest_dir}` timed out.") from None
    if done.returncode != 0:
        tail = (done.stderr or done.stdout).strip().splitlines()[-5:]
        raise ManifestError(f"`npm ci --prefix {manifest_dir}` failed:\n" + "\n".join(tail))


def _schema_errors(document: Any, schema_file: Path, label: str) -> list[str]:
    schema = json.loads(schema_file.read_text(encoding="utf-8"))
    validator_cls = jsonschema.validators.validator_for(schema, default=jsonschema.Draft4Validator)
    validator = validator_cls(schema)
    messages = []
    for error in sorted(validator.iter_errors(document), key=lambda e: list(e.absolute_path)):
        where = "/".join(str(p) for p in error.absolute_path) or "(root)"
        messages.append(f"{label}: {where}: {error.message}")
    return messages


def validate_manifest(manifest: dict[str, Any], schemas: Path) -> None:
    """Raise ManifestError listing every schema violation and project-rule violation."""
    errors = _schema_errors(manifest, schemas / "MicrosoftTeams.schema.json", "manifest.json")
    for i, bot in enumerate(manifest.get("bots", [])):
        for j, command_list in enumerate(bot.get("commandLists", [])):
            titles = [c.get("title") for c in command_list.get("commands", [])]
            where = f"manifest.json: bots/{i}/commandLists/{j}"
            if len(titles) > MAX_COMMANDS:
                errors.append(f"{where}: {len(titles)} commands, at most {MAX_COMMANDS}")
            if len(set(titles)) != len(titles):
                errors.append(f"{where}: duplicate command titles")
    if errors:
        raise ManifestError("The manifest is not valid:\n" + "\n".join(errors))


def validate_localization(
    document: dict[str, Any], manifest: dict[str, Any], schemas: Path, label: str
) -> None:
    """Check a localization file against its schema, and that each key names a manifest value."""
    errors = _schema_errors(document, schemas / "MicrosoftTeams.Localization.schema.json", label)
    for key in document:
        if key.startswith("$") or key == "localizationKeys":
            continue
        if _lookup(manifest, key) is None:
            errors.append(f"{label}: {key}: no such value in the manifest")
    if errors:
        raise ManifestError("The localization file is not valid:\n" + "\n".join(errors))


def _lookup(document: Any, dotted: str) -> Any:
    """Resolve a localization key like `bots[0].commandLists[1].commands[2].title`."""
    node = document
    for name, index in _PATH_PART.findall(dotted):
        if name:
            node = node.get(name) if isinstance(node, dict) else None
        else:
            node = node[int(index)] if isinstance(node, list) and int(index) < len(node) else None
        if node is None:
            return None
    return node


# --- template -----------------------------------------------------------------------------


def fill_template(template: Any, values: dict[str, str]) -> Any:
    """Replace {{NAME}} placeholders inside string values (never in the JSON syntax itself)."""
    if isinstance(template, dict):
        return {key: fill_template(value, values) for key, value in template.items()}
    if isinstance(template, list):
        return [fill_template(item, values) for item in template]
    if isinstance(template, str):
        for name, value in values.items():
            template = template.replace("{{" + name + "}}", value)
        return template
    return template


def _leftover_placeholders(document: Any) -> set[str]:
    return set(_PLACEHOLDER.findall(json.dumps(document)))


# --- icons --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Png:
    width: int
    height: int
    bit_depth: int
    color_type: int
    idat: bytes

    def rgba_rows(self) -> list[list[tuple[int, int, int, int]]]:
        """Decode an 8-bit RGB/RGBA, non-interlaced image (what icon tools write)."""
        channels = {2: 3, 6: 4}.get(self.color_type)
        if self.bit_depth != 8 or channels is None:
            raise ManifestError("icon: only 8-bit RGB or RGBA PNGs can be checked")
        raw = zlib.decompress(self.idat)
        stride = self.width * channels
        previous = bytearray(stride)
        rows = []
        for y in range(self.height):
            start = y * (stride + 1)
            line = _unfilter(
                raw[start], bytearray(raw[start + 1 : start + 1 + stride]), previous, channels
            )
            pixels = [tuple(line[x : x + channels]) for x in range(0, stride, channels)]
            rows.append([(p[0], p[1], p[2], p[3] if channels == 4 else 255) for p in pixels])
            previous = line
        return rows


def _unfilter(kind: int, line: bytearray, prev: bytearray, bpp: int) -> bytearray:
    for i in range(len(line)):
        a = line[i - bpp] if i >= bpp else 0
        b = prev[i]
        c = prev[i - bpp] if i >= bpp else 0
        if kind == 1:
            line[i] = (line[i] + a) & 0xFF
        elif kind == 2:
            line[i] = (line[i] + b) & 0xFF
        elif kind == 3:
            line[i] = (line[i] + (a + b) // 2) & 0xFF
        elif kind == 4:
            p = a + b - c
            pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
            pred = a if pa <= pb and pa <= pc else (b if pb <= pc else c)
            line[i] = (line[i] + pred) & 0xFF
        elif kind != 0:
            raise ManifestError(f"icon: unknown PNG filter type {kind}")
    return line


def read_png(path: Path) -> Png:
    data = path.read_bytes()
    if not data.startswith(b"\x89PNG\r\n\x1a\n"):
        raise ManifestError(f"{path.name}: not a PNG file")
    pos, header, idat = 8, b"", bytearray()
    while pos + 8 <= len(data):
        (length,) = struct.unpack(">I", data[pos : pos + 4])
        kind = data[pos + 4 : pos + 8]
        body = data[pos + 8 : pos + 8 + length]
        if kind == b"IHDR":
            header = body
        elif kind == b"IDAT":
            idat += body
        elif kind == b"IEND":
            break
        pos += 12 + length
    if len(header) != 13:
        raise ManifestError(f"{path.name}: PNG without a valid IHDR chunk")
    width, height, depth, color_type, _, _, interlace = struct.unpack(">IIBBBBB", header)
    if interlace:
        raise ManifestError(f"{path.name}: interlaced PNGs are not supported")
    return Png(width, height, depth, color_type, bytes(idat))


def check_icons(manifest: dict[str, Any], manifest_dir: Path) -> None:
    """Exact sizes; the outline icon must be white on a transparent background."""
    for kind, (width, height) in ICON_SIZES.items():
        name = manifest["icons"][kind]
        path = manifest_dir / name
        if not path.is_file():
            raise ManifestError(f"{name}: icon file missing in {manifest_dir}")
        png = read_png(path)
        if (png.width, png.height) != (width, height):
            raise ManifestError(
                f"{name}: {png.width}x{png.height} pixels, Teams wants {width}x{height}"
            )
        if kind == "outline":
            _check_outline(name, png)


def _check_outline(name: str, png: Png) -> None:
    if png.color_type != 6:
        raise ManifestError(f"{name}: the outline icon needs an alpha channel (RGBA PNG)")
    rows = png.rgba_rows()
    coloured = {(r, g, b) for row in rows for (r, g, b, a) in row if a > 0}
    if coloured - {(255, 255, 255)}:
        raise ManifestError(f"{name}: the outline icon may only contain white (plus transparency)")
    if not coloured:
        raise ManifestError(f"{name}: the outline icon is empty")
    corners = [rows[0][0], rows[0][-1], rows[-1][0], rows[-1][-1]]
    if any(pixel[3] != 0 for pixel in corners):
        raise ManifestError(f"{name}: the outline icon needs a transparent background")


# --- package ------------------------------------------------------------------------------


def render_manifest(
    app_id: str, version: str = DEFAULT_VERSION, manifest_dir: Path = MANIFEST_DIR
) -> dict[str, Any]:
    """The filled manifest as a dict (validated inputs, not yet schema-checked)."""
    values = {"APP_ID": validate_app_id(app_id), "VERSION": validate_version(version)}
    template_path = manifest_dir / TEMPLATE_NAME
    try:
        template = json.loads(template_path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise ManifestError(f"Cannot read {template_path}: {exc}") from None
    manifest: dict[str, Any] = fill_template(template, values)
    leftovers = _leftover_placeholders(manifest)
    if leftovers:
        raise ManifestError(f"{TEMPLATE_NAME}: unknown placeholders {sorted(leftovers)}")
    return manifest


def build_manifest(
    app_id: str,
    out: Path,
    version: str = DEFAULT_VERSION,
    *,
    manifest_dir: Path = MANIFEST_DIR,
    install: bool = True,
) -> Path:
    """Fill, validate and zip the Teams app package; return the zip's path.

    Nothing is written unless every check passes.
    """
    manifest = render_manifest(app_id, version, manifest_dir)
    schemas = schema_dir(str(manifest.get("manifestVersion")), manifest_dir, install)
    validate_manifest(manifest, schemas)
    check_icons(manifest, manifest_dir)

    files: dict[str, bytes] = {
        "manifest.json": (json.dumps(manifest, ensure_ascii=False, indent=2) + "\n").encode()
    }
    for kind in ICON_SIZES:
        name = manifest["icons"][kind]
        files[name] = (manifest_dir / name).read_bytes()
    for language in manifest.get("localizationInfo", {}).get("additionalLanguages", []):
        name = language["file"]
        path = manifest_dir / name
        try:
            document = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, json.JSONDecodeError) as exc:
            raise ManifestError(f"Cannot read localization file {path}: {exc}") from None
        validate_localization(document, manifest, schemas, name)
        files[name] = path.read_bytes()

    out.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in files.items():
            # A fixed timestamp keeps the zip byte-identical across builds.
            info = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            archive.writestr(info, data)
    return out
