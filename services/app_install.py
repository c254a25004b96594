"""Install the Teams app for a user through Microsoft Graph, so the bot can reach them.

A manager the bot cannot reach (the app is not installed for them, so there is no
personal chat to post the digest to) can be fixed by the bot itself where the tenant
grants the app-only Graph permission TeamsAppInstallation.ReadWriteForUser.All:

    POST {graph}/v1.0/users/{user-id}/teamwork/installedApps
    {"teamsApp@odata.bind": "{graph}/v1.0/appCatalogs/teamsApps/{teamsAppId}"}

On success Teams sends the bot a conversationUpdate for the new personal chat, which
bot/handlers/lifecycle.py stores; from then on the manager gets the digest (and
`/digest` on demand). The token comes from clients.graph.GraphDirectory (msal, client
credentials, overridable authority), so there is one token cache per process.

The server process (runtime/process.py) builds `hook_for(settings, directory)` once and
hands it to two users: the JobContext (services/context.py), where the digest job calls
it for unreachable managers and reports only those still unreachable to the unit's
coordinators; and the delivery dispatcher (delivery/dispatcher.py `AdapterSender`),
which calls it for a person of the bot's own tenant right before opening their pending
personal chat (services/personal.py), outside any transaction.

Settings: `SAMVERKAN_TEAMS_APP_ID` is the app's id in the tenant's app catalog (the
`id` of `GET /v1.0/appCatalogs/teamsApps?$filter=externalId eq '{manifest id}'`, not
the manifest id). It is read from the environment here (see `teams_app_id`) until
infra/settings.py carries it; without it nothing is installed.
"""

from __future__ import annotations

import logging
from enum import StrEnum
from urllib.parse import quote

import aiohttp

from clients.graph import GraphDirectory
from infra.settings import Settings
from services.context import InstallHook

log = logging.getLogger(__name__)

TEAMS_APP_ID_ENV = "SAMVERKAN_TEAMS_APP_ID"


class InstallStatus(StrEnum):
    INSTALLED = "installed"  # 201: installed now
    ALREADY = "already"  # 409: it already was (the conversationUpdate may be on its way)
    FORBIDDEN = "forbidden"  # 401/403: the tenant does not grant the permission
    NOT_FOUND = "not_found"  # 404: no such user or no such app in the catalog
    FAILED = "failed"  # anything else (network, 5xx, throttling)

    @property
    def reachable_soon(self) -> bool:
        return self in (InstallStatus.INSTALLED, InstallStatus.ALREADY)


async def install_app_for_user(
    directory: GraphDirectory, user_id: str, app_id: str
) -> InstallStatus:
    """Install the app (catalog id `app_id`) for the user (Entra object id or UPN)."""
    # GraphDirectory keeps its token acquisition, Graph URL and TLS settings private;
    # reusing them keeps one msal token cache per process.
    graph = directory._graph
    try:
        token = await directory._token()
    except Exception as exc:
        log.warning("no Graph token to install the app: %s", type(exc).__name__)
        return InstallStatus.FORBIDDEN
    url = f"{graph}/v1.0/users/{quote(user_id, safe='@')}/teamwork/installedApps"
    body = {"teamsApp@odata.bind": f"{graph}/v1.0/appCatalogs/teamsApps/{quote(app_id)}"}
    headers = {"Authorization": f"Bearer {token}"}
    try:
        async with (
            aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=10)) as http,
            http.post(url, json=body, headers=headers, ssl=directory._ssl) as resp,
        ):
            status = resp.status
    except (aiohttp.ClientError, TimeoutError) as exc:
        log.warning("installing the app for a user failed: %s", type(exc).__name__)
        return InstallStatus.FAILED
    if status in (200, 201):
        return InstallStatus.INSTALLED
    if status == 409:
        return InstallStatus.ALREADY
    if status in (401, 403):
        return InstallStatus.FORBIDDEN
    if status == 404:
        return InstallStatus.NOT_FOUND
    log.warning("Graph answered %s to an app installation", status)
    return InstallStatus.FAILED


def install_hook(directory: GraphDirectory, app_id: str) -> InstallHook:
    """The install hook: install for each user; returns those now reachable soon.
    Stops at the first refusal (the tenant does not grant the permission: asking again
    for every manager would only repeat it)."""

    async def hook(user_ids: list[str]) -> set[str]:
        done: set[str] = set()
        for user in user_ids:
            result = await install_app_for_user(directory, user, app_id)
            log.info("installing the app for a user: %s", result.value)
            if result.reachable_soon:
                done.add(user)
            elif result is InstallStatus.FORBIDDEN:
                break
        return done

    return hook


def hook_for(settings: Settings, directory: GraphDirectory | None) -> InstallHook | None:
    """The install hook, when the app's catalog id is set and the bot has
    app credentials (reusing `directory`, the Graph-roles one, when there is one)."""
    app_id = settings.teams_app_id
    if not app_id:
        return None
    if directory is None:
        if not (settings.client_id and settings.client_secret and settings.tenant_id):
            log.warning("%s is set but the bot has no app credentials", TEAMS_APP_ID_ENV)
            return None
        directory = GraphDirectory(
            client_id=settings.client_id,
            client_secret=settings.client_secret,
            tenant_id=settings.tenant_id,
        )
    return install_hook(directory, app_id)
