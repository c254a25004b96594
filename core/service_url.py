"""Which Bot Connector URLs the bot may answer through: a pure decision.

The activity's `serviceUrl` is where the bot sends its replies, with its own
outgoing token attached, and where it reads the roster (UPNs, names). So it must
be Microsoft's: equal to the `serviceurl` claim of the Bot Framework token that
came with it, and on an allow-list of Teams Bot Connector hosts.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from urllib.parse import SplitResult, urlsplit

# The Teams Bot Connector hosts (Microsoft's Teams SDK allow-list by cloud): public,
# public (onyx), GCC, GCC High, DoD, China (21Vianet). Exact host names, https only.
TEAMS_SERVICE_URL_HOSTS: tuple[str, ...] = (
    "smba.trafficmanager.net",
    "smba.onyx.prod.teams.trafficmanager.net",
    "smba.infra.gcc.teams.microsoft.com",
    "smba.infra.gov.teams.microsoft.us",
    "smba.infra.dod.teams.microsoft.us",
    "frontend.botapi.msg.infra.teams.microsoftonline.cn",
)


@dataclass(frozen=True)
class ServiceUrl:
    scheme: str
    host: str
    port: int
    path: str  # without a trailing slash

    @property
    def normalised(self) -> str:
        return f"{self.scheme}://{self.host}:{self.port}{self.path}"


def split_url(url: object, max_length: int) -> tuple[SplitResult, int | None] | None:
    """`url`'s parts and port, for a non-empty string of at most `max_length` characters
    that parses (a valid port) and carries no user name or password; else None."""
    if not isinstance(url, str) or not url or len(url) > max_length:
        return None
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError:
        return None
    if parts.username is not None or parts.password is not None:
        return None
    return parts, port


def parse(url: object) -> ServiceUrl | None:
    """The URL's parts, compared case-insensitively where URLs are (scheme, host), with a
    trailing slash ignored; None for anything that is not a plain http(s) URL."""
    split = split_url(url, 2000)
    if split is None:
        return None
    parts, port = split
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").rstrip(".")
    if scheme not in ("http", "https") or not host:
        return None
    if parts.query or parts.fragment:
        return None
    default = 443 if scheme == "https" else 80
    return ServiceUrl(scheme, host.lower(), port or default, parts.path.rstrip("/"))


def same(a: object, b: object) -> bool:
    """Whether two service URLs name the same endpoint (both must parse)."""
    pa, pb = parse(a), parse(b)
    return pa is not None and pb is not None and pa == pb


def is_loopback_host(host: str) -> bool:
    host = host.strip("[]").lower().rstrip(".")
    if host == "localhost":
        return True
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return False
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped  # ::ffff:127.0.0.1, from a dual-stack socket
    return address.is_loopback


def normalise_host_entry(entry: str) -> str:
    """An allow-list entry: `host` (any port) or `host:port`, lower case."""
    value = entry.strip().lower().rstrip(".")
    if not value or any(c in value for c in "/@?# \t") or value.count(":") > 1:
        raise ValueError("each entry must be a host name, optionally with :port")
    host, _, port = value.partition(":")
    if not host or (port and not port.isdigit()):
        raise ValueError("each entry must be a host name, optionally with :port")
    return value


def problem(url: object, *, hosts: frozenset[str], loopback_only: bool) -> str | None:
    """Why the bot must not use `url` as a Bot Connector endpoint, or None.

    `hosts` holds `host` or `host:port` entries. Plain http is allowed only to a
    loopback address (the test harness, Agents Playground). In anonymous local mode
    (`loopback_only`) only loopback endpoints are allowed, whatever the list says.
    """
    parsed = parse(url)
    if parsed is None:
        return "serviceUrl is not an http(s) URL"
    loopback = is_loopback_host(parsed.host)
    if loopback_only:
        return None if loopback else "serviceUrl must be a loopback address in local mode"
    if parsed.scheme != "https" and not loopback:
        return "serviceUrl must use https"
    if parsed.host not in hosts and f"{parsed.host}:{parsed.port}" not in hosts:
        return "serviceUrl host is not an allowed Bot Connector host"
    return None
