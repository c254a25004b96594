"""A local fake of Entra ID's token endpoint and Microsoft Graph's group members, over HTTPS.

msal only talks to https authorities, so the fake serves TLS with a throw-away
self-signed certificate for 127.0.0.1 (`ca_file` is what clients verify against).
It serves what msal asks for with instance discovery and authority validation
off: `{authority}/v2.0/.well-known/openid-configuration` and the token endpoint
(client credentials, checked), and Graph's
`/v1.0/groups/{id}/transitiveMembers?$select=id,userPrincipalName`, paged with
`@odata.nextLink` and refusing any call without the token it issued.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import ipaddress
import ssl
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from aiohttp import web
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID


def self_signed(directory: Path) -> tuple[Path, Path]:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(hours=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = directory / "graph-cert.pem", directory / "graph-key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.TraditionalOpenSSL,
            serialization.NoEncryption(),
        )
    )
    return cert_path, key_path


class FakeEntraGraph:
    def __init__(
        self, directory: Path, *, client_id: str, client_secret: str, page_size: int = 2
    ) -> None:
        self.ca_file, key_file = self_signed(directory)
        self.ssl = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        self.ssl.load_cert_chain(self.ca_file, key_file)
        self.client_id = client_id
        self.client_secret = client_secret
        self.page_size = page_size
        self.groups: dict[str, list[dict[str, str]]] = {}
        self.token_requests = 0
        self.member_requests = 0
        self.base = ""  # set by the test once the server listens
        self._issued: set[str] = set()
        # A slow Graph: its /v1.0 requests wait for `hold` (when set to an Event); `asked`
        # is set at the first one (the token endpoint answers at once).
        self.hold: asyncio.Event | None = None
        self.asked = asyncio.Event()
        self.app = web.Application(middlewares=[self._slow])
        self.app.router.add_get("/{tenant}/v2.0/.well-known/openid-configuration", self._oidc)
        self.app.router.add_post("/{tenant}/oauth2/v2.0/token", self._token)
        self.app.router.add_get("/v1.0/groups/{group}/transitiveMembers", self._members)
        # Teams app installation for a user (services/app_install.py).
        self.catalog: set[str] = set()  # app ids in the tenant's app catalog
        self.users: set[str] = set()  # object ids (lower case) that exist
        self.grant_install = True  # TeamsAppInstallation.ReadWriteForUser.All granted
        self.installed: dict[str, set[str]] = {}  # user -> app ids
        self.install_requests: list[str] = []  # the user of every installation asked for
        self.app.router.add_post("/v1.0/users/{user}/teamwork/installedApps", self._install)

    @web.middleware
    async def _slow(
        self, request: web.Request, handler: Callable[[web.Request], Awaitable[web.StreamResponse]]
    ) -> web.StreamResponse:
        if request.path.startswith("/v1.0/"):
            self.asked.set()
            if self.hold is not None:
                await self.hold.wait()
        return await handler(request)

    def add_group(self, group_id: str, members: list[tuple[str, str]]) -> None:
        """Members as (object id, UPN)."""
        self.groups[group_id.lower()] = [
            {"@odata.type": "#microsoft.graph.user", "id": oid, "userPrincipalName": upn}
            for oid, upn in members
        ]

    async def _oidc(self, request: web.Request) -> web.Response:
        tenant = request.match_info["tenant"]
        return web.json_response(
            {
                "issuer": f"{self.base}/{tenant}/v2.0",
                "authorization_endpoint": f"{self.base}/{tenant}/oauth2/v2.0/authorize",
                "token_endpoint": f"{self.base}/{tenant}/oauth2/v2.0/token",
            }
        )

    async def _token(self, request: web.Request) -> web.Response:
        form = await request.post()
        if (
            form.get("grant_type") != "client_credentials"
            or form.get("client_id") != self.client_id
            or form.get("client_secret") != self.client_secret
            or form.get("scope") != "https://graph.microsoft.com/.default"
        ):
            return web.json_response(
                {"error": "invalid_client", "error_description": "bad client"}, status=401
            )
        self.token_requests += 1
        token = f"graph-token-{self.token_requests}"
        self._issued.add(token)
        return web.json_response(
            {"token_type": "Bearer", "expires_in": 3600, "access_token": token}
        )

    async def _members(self, request: web.Request) -> web.Response:
        auth = request.headers.get("Authorization", "")
        if auth.removeprefix("Bearer ") not in self._issued:
            return web.json_response({"error": {"code": "InvalidAuthenticationToken"}}, status=401)
        if request.query.get("$select") != "id,userPrincipalName":
            return web.json_response({"error": {"code": "BadRequest"}}, status=400)
        group = request.match_info["group"].lower()
        if group not in self.groups:
            return web.json_response({"error": {"code": "Request_ResourceNotFound"}}, status=404)
        self.member_requests += 1
        start = int(request.query.get("$skiptoken", "0"))
        members = self.groups[group]
        body: dict[str, Any] = {"value": members[start : start + self.page_size]}
        if start + self.page_size < len(members):
            body["@odata.nextLink"] = (
                f"{self.base}/v1.0/groups/{group}/transitiveMembers"
                f"?$select=id,userPrincipalName&$skiptoken={start + self.page_size}"
            )
        return web.json_response(body)

    async def _install(self, request: web.Request) -> web.Response:
        self.install_requests.append(request.match_info["user"].lower())
        if request.headers.get("Authorization", "").removeprefix("Bearer ") not in self._issued:
            return web.json_response({"error": {"code": "InvalidAuthenticationToken"}}, status=401)
        if not self.grant_install:
            return web.json_response({"error": {"code": "Forbidden"}}, status=403)
        body = await request.json()
        bind = str(body.get("teamsApp@odata.bind", ""))
        prefix = f"{self.base}/v1.0/appCatalogs/teamsApps/"
        app_id = bind.removeprefix(prefix)
        if not bind.startswith(prefix) or set(body) != {"teamsApp@odata.bind"}:
            return web.json_response({"error": {"code": "BadRequest"}}, status=400)
        user = request.match_info["user"].lower()
        if user not in self.users or app_id not in self.catalog:
            return web.json_response({"error": {"code": "NotFound"}}, status=404)
        if app_id in self.installed.setdefault(user, set()):
            return web.json_response({"error": {"code": "Conflict"}}, status=409)
        self.installed[user].add(app_id)
        return web.Response(status=201)
