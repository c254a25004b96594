"""Which Bot Connector URLs the bot may use: Teams hosts over https, loopback when listed,
only loopback in local mode; comparison of the activity's URL with the token's claim."""

from __future__ import annotations

import pytest

from core.service_url import TEAMS_SERVICE_URL_HOSTS, is_loopback_host, problem, same
from infra.settings import ConfigError, load_settings

TEAMS = frozenset(TEAMS_SERVICE_URL_HOSTS)
TEST = frozenset({"127.0.0.1:3979"})


@pytest.mark.parametrize(
    "url",
    [
        "https://smba.trafficmanager.net/emea/",
        "https://smba.trafficmanager.net/amer",
        "https://SMBA.trafficmanager.net./emea/",
        "https://smba.infra.gcc.teams.microsoft.com/teams",
        "https://smba.infra.gov.teams.microsoft.us/teams",
        "https://smba.infra.dod.teams.microsoft.us/teams",
    ],
)
def test_teams_hosts_over_https_are_allowed(url: str) -> None:
    assert problem(url, hosts=TEAMS, loopback_only=False) is None


@pytest.mark.parametrize(
    "url",
    [
        "http://smba.trafficmanager.net/emea/",  # not https
        "https://smba.trafficmanager.net.evil.example/emea/",  # suffix, not the host
        "https://evil.smba.trafficmanager.net/emea/",  # no wildcard subdomains
        "https://webchat.botframework.com/",  # another Bot Framework channel
        "https://user@smba.trafficmanager.net/emea/",
        "https://smba.trafficmanager.net/emea/?x=1",
        "http://127.0.0.1:3979/",  # loopback, but not listed
        "ftp://smba.trafficmanager.net/",
        "not a url",
        "",
        None,
        42,
        "https://smba.trafficmanager.net:99999/",
    ],
)
def test_anything_else_is_refused(url: object) -> None:
    assert problem(url, hosts=TEAMS, loopback_only=False) is not None


def test_a_listed_loopback_port_may_use_http_and_only_that_port() -> None:
    assert problem("http://127.0.0.1:3979/", hosts=TEST, loopback_only=False) is None
    assert problem("http://127.0.0.1:3980/", hosts=TEST, loopback_only=False) is not None
    assert problem("http://10.0.0.5:3979/", hosts=frozenset({"10.0.0.5"}), loopback_only=False)


@pytest.mark.parametrize(
    ("url", "allowed"),
    [
        ("http://localhost:56150/_connector", True),  # Agents Playground
        ("http://127.0.0.1:3979/", True),
        ("http://[::1]:3979/", True),
        ("https://smba.trafficmanager.net/emea/", False),
        ("http://192.0.2.2:3979/", False),
    ],
)
def test_local_mode_allows_only_loopback(url: str, allowed: bool) -> None:
    assert (problem(url, hosts=TEAMS, loopback_only=True) is None) is allowed


def test_loopback_peers_include_ipv4_mapped_addresses() -> None:
    assert is_loopback_host("::ffff:127.0.0.1")
    assert is_loopback_host("127.0.0.2") and is_loopback_host("::1")
    assert not is_loopback_host("192.0.2.2") and not is_loopback_host("")


@pytest.mark.parametrize(
    ("a", "b", "equal"),
    [
        ("https://smba.trafficmanager.net/emea/", "https://smba.trafficmanager.net/emea", True),
        ("https://SMBA.trafficmanager.net/emea/", "HTTPS://smba.trafficmanager.net/emea/", True),
        ("https://smba.trafficmanager.net:443/emea/", "https://smba.trafficmanager.net/emea", True),
        ("https://smba.trafficmanager.net/emea/", "https://smba.trafficmanager.net/amer/", False),
        ("https://smba.trafficmanager.net/emea/", "http://smba.trafficmanager.net/emea/", False),
        ("https://smba.trafficmanager.net/emea/", None, False),
        (None, None, False),
    ],
)
def test_activity_and_claim_comparison(a: object, b: object, equal: bool) -> None:
    assert same(a, b) is equal


def test_the_allow_list_setting(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SAMVERKAN_SERVICE_URL_HOSTS", "smba.trafficmanager.net, 127.0.0.1:3979")
    settings = load_settings(_env_file=None)
    assert settings.allowed_service_hosts == {"smba.trafficmanager.net", "127.0.0.1:3979"}
    for default in ("", " , "):
        monkeypatch.setenv("SAMVERKAN_SERVICE_URL_HOSTS", default)
        assert load_settings(_env_file=None).allowed_service_hosts == TEAMS
    monkeypatch.delenv("SAMVERKAN_SERVICE_URL_HOSTS")
    assert load_settings(_env_file=None).allowed_service_hosts == TEAMS
    for bad in ("https://smba.trafficmanager.net/", "host:port", "a b"):
        monkeypatch.setenv("SAMVERKAN_SERVICE_URL_HOSTS", bad)
        with pytest.raises(ConfigError, match="SAMVERKAN_SERVICE_URL_HOSTS"):
            load_settings(_env_file=None)
