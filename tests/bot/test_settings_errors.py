"""A rejected setting is named with the rule it breaks, never with its value: a short
secret or a URL with a password would otherwise land in the logs of whatever runs it."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from cli.main import app
from infra.settings import ConfigError, load_settings

REJECTED = [
    ("SAMVERKAN_SECRET", "short", "SAMVERKAN_SECRET: "),
    ("SAMVERKAN_SECRET", "tiny-Hemlis-42", "SAMVERKAN_SECRET: "),
    ("DATABASE_URL", "mysql://bob:Hemlis-pw-42@db.example.se/samverkan", "DATABASE_URL: "),
    ("SAMVERKAN_TIMEZONE", "Europe/Hemlis", "SAMVERKAN_TIMEZONE: "),
    ("SAMVERKAN_PORT", "Hemlis99", "SAMVERKAN_PORT: "),
]


@pytest.fixture(autouse=True)
def _no_dotenv(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)


@pytest.mark.parametrize(("name", "value", "starts"), REJECTED)
def test_the_message_names_the_setting_but_not_the_value(
    name: str, value: str, starts: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(name, value)
    with pytest.raises(ConfigError) as caught:
        load_settings()
    message = str(caught.value)
    assert message.startswith(starts)
    assert value not in message and "Hemlis" not in message


@pytest.mark.parametrize(("name", "value", "starts"), REJECTED)
def test_the_cli_prints_one_line_without_the_value(
    name: str, value: str, starts: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(name, value)
    result = CliRunner().invoke(app, ["outbox"])
    assert result.exit_code == 2
    [line] = result.stderr.strip().splitlines()
    assert line.startswith("Configuration error: " + starts)
    assert value not in line and "Hemlis" not in line


def test_empty_ops_settings_mean_unset(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SAMVERKAN_OPS_TOKEN", "")
    monkeypatch.setenv("SAMVERKAN_OPS_PORT", " ")
    settings = load_settings()
    assert (settings.ops_token, settings.ops_port) == (None, None)
    monkeypatch.setenv("SAMVERKAN_OPS_TOKEN", "short-Hemlis")
    with pytest.raises(ConfigError) as caught:
        load_settings()
    assert str(caught.value).startswith("SAMVERKAN_OPS_TOKEN: ") and "Hemlis" not in str(
        caught.value
    )
