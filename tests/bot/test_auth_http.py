"""With credentials configured, only the Bot Connector gets in: Bot Framework tokens for
this bot, naming the activity's serviceUrl, which must be an allowed Teams host."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from aiohttp.test_utils import TestServer
from microsoft_agents.hosting.core.authorization._entra_issuers import BOTFRAMEWORK_PUBLIC_ISSUER

from tests.fakes.connector import FakeConnector
from tests.fakes.issuer import LocalIssuer
from tests.support.harness import APP_ID, BotHarness, bearer, snapshot, user
from tests.teams import TENANT, new_channel

# A real-looking Entra issuer of another tenant: signed with the key the SDK
# trusts, so only issuer validation (VALIDATE_ISSUER=true) can refuse it.
OTHER_TENANT_ISSUER = "https://sts.windows.net/99999999-8888-4777-8666-555555555555/"


async def test_valid_token_is_accepted_and_the_reply_carries_an_outgoing_token(
    secured: tuple[BotHarness, LocalIssuer],
) -> None:
    harness, issuer = secured
    act = harness.teams.channel_message(new_channel(), user(), "hjälp")
    status, _ = await harness.post(act, bearer(issuer.token(APP_ID, service_url=act["serviceUrl"])))
    assert status in (200, 202)
    await harness.connector.wait_for(lambda p: bool(p.cards))
    assert "Bearer fake-outgoing-token" in harness.connector.auth_headers


@pytest.mark.parametrize(
    "case",
    [
        "missing",
        "forged",
        "expired",
        "wrong_audience",
        "wrong_issuer",
        "garbage",
        "no_kid",
        "basic",
    ],
)
async def test_bad_tokens_get_401(secured: tuple[BotHarness, LocalIssuer], case: str) -> None:
    harness, issuer = secured
    act = harness.teams.channel_message(new_channel(), user(), "hjälp")
    import jwt as pyjwt

    headers = {
        "missing": {},
        "forged": bearer(issuer.token(APP_ID, forged=True)),
        "expired": bearer(issuer.token(APP_ID, expires_in=-3600)),
        "wrong_audience": bearer(issuer.token("00000000-0000-4000-8000-000000000000")),
        "wrong_issuer": bearer(issuer.token(APP_ID, issuer=OTHER_TENANT_ISSUER)),
        "garbage": bearer("not.a.jwt"),
        "no_kid": bearer(pyjwt.encode({"aud": APP_ID, "iss": "x"}, issuer.key, algorithm="RS256")),
        "basic": {"Authorization": "Basic dXNlcjpwYXNz"},
    }[case]
    status, _ = await harness.post(act, headers)
    assert status == 401
    assert harness.connector.posted == []


# Entra issuers an app registration in the bot's own tenant gets tokens from (v1 and
# v2), and one of Microsoft's first-party tenants that the Agents SDK always adds to
# its issuer list whatever is configured: only bot/web.py's own check refuses that one.
FIRST_PARTY_TENANT = "d6d49420-f39b-4df7-a1dc-d59a935871db"
OWN_TENANT_ISSUERS = {  # case: (iss, tid)
    "own_tenant_v1": (f"https://sts.windows.net/{TENANT}/", TENANT),
    "own_tenant_v2": (f"https://login.microsoftonline.com/{TENANT}/v2.0", TENANT),
    "sdk_first_party": (f"https://sts.windows.net/{FIRST_PARTY_TENANT}/", FIRST_PARTY_TENANT),
}


@pytest.mark.parametrize("case", list(OWN_TENANT_ISSUERS))
async def test_entra_token_for_our_app_id_is_refused_and_changes_nothing(
    secured: tuple[BotHarness, LocalIssuer], case: str
) -> None:
    """The attack: any app registration in the tenant (ordinary users may create one)
    gets an Entra token for our app id, correctly signed. Only the Bot Connector may
    speak for a person, so it gets 401, stores nothing and calls nobody."""
    harness, issuer = secured
    iss, tid = OWN_TENANT_ISSUERS[case]
    act = harness.teams.channel_message(new_channel(), user(), "hjälp")
    token = issuer.token(APP_ID, issuer=iss, extra={"tid": tid})
    before = await snapshot(harness.db)
    for _ in range(2):  # twice: a refused token is not remembered either
        status, _ = await harness.post(act, bearer(token))
        assert status == 401
    assert await snapshot(harness.db) == before
    assert harness.connector.requests == []
    assert harness.tokens is not None and harness.tokens.calls == 0


def test_sdk_is_configured_to_trust_only_the_bot_framework_issuer() -> None:
    """Belt and braces: the SDK's own issuer list does not name our tenant either."""
    from microsoft_agents.hosting.core import AgentAuthConfiguration

    from infra.settings import BOT_FRAMEWORK_ISSUER, Settings

    assert BOT_FRAMEWORK_ISSUER == BOTFRAMEWORK_PUBLIC_ISSUER
    settings = Settings(_env_file=None, client_id=APP_ID, client_secret="s", tenant_id=TENANT)
    sdk = settings.sdk_configuration()["CONNECTIONS"]["SERVICE_CONNECTION"]["SETTINGS"]
    config = AgentAuthConfiguration(**sdk)
    assert config.ISSUERS == [BOTFRAMEWORK_PUBLIC_ISSUER]
    assert config.VALIDATE_ISSUER


@pytest.fixture
async def elsewhere() -> AsyncIterator[tuple[FakeConnector, str]]:
    """A second connector on another port: the attacker's own "Bot Connector"."""
    fake = FakeConnector()
    server = TestServer(fake.app, host="127.0.0.1")
    await server.start_server()
    yield fake, str(server.make_url("/"))
    await server.close()


@pytest.mark.parametrize("case", ["no_claim", "claim_differs", "same_but_not_allowed", "path"])
async def test_service_url_must_be_the_tokens_and_an_allowed_host(
    secured: tuple[BotHarness, LocalIssuer],
    elsewhere: tuple[FakeConnector, str],
    case: str,
) -> None:
    """A genuine Bot Framework token does not make any serviceUrl trustworthy: replies,
    the roster (UPNs) and our outgoing token go to that URL."""
    harness, issuer = secured
    theirs, their_url = elsewhere
    ours = harness.teams.service_url
    act = harness.teams.channel_message(new_channel(), user(), "hjälp")
    claim, activity_url = {
        "no_claim": (None, ours),
        "claim_differs": (ours, their_url),  # a token Teams gave, replayed elsewhere
        "same_but_not_allowed": (their_url, their_url),  # not a Teams host
        "path": (ours, ours + "other/"),
    }[case]
    act["serviceUrl"] = activity_url
    before = await snapshot(harness.db)
    status, _ = await harness.post(act, bearer(issuer.token(APP_ID, service_url=claim)))
    assert status == 401
    assert await snapshot(harness.db) == before
    assert harness.connector.requests == [] and theirs.requests == []
    assert theirs.auth_headers == []  # our outgoing token never reached them
    assert harness.tokens is not None and harness.tokens.calls == 0


async def test_service_url_comparison_ignores_case_and_a_trailing_slash(
    secured: tuple[BotHarness, LocalIssuer],
) -> None:
    harness, issuer = secured
    act = harness.teams.channel_message(new_channel(), user(), "hjälp")
    claim = act["serviceUrl"].rstrip("/").replace("http://", "HTTP://")
    status, _ = await harness.post(act, bearer(issuer.token(APP_ID, service_url=claim)))
    assert status in (200, 202)
    await harness.connector.wait_for(lambda p: bool(p.cards))


async def test_a_remembered_token_still_needs_its_own_service_url(
    secured: tuple[BotHarness, LocalIssuer], elsewhere: tuple[FakeConnector, str]
) -> None:
    """The token cache never lets a request skip the serviceUrl check: a token refused
    first, accepted next (and so remembered), is refused again with another URL."""
    harness, issuer = secured
    theirs, their_url = elsewhere
    token = issuer.token(APP_ID)
    redirected = harness.teams.channel_message(new_channel(), user(), "hjälp")
    redirected["serviceUrl"] = their_url
    assert (await harness.post(redirected, bearer(token)))[0] == 401
    channel = new_channel()
    assert (
        await harness.post(harness.teams.channel_message(channel, user(), "hjälp"), bearer(token))
    )[0] in (200, 202)
    await harness.connector.wait_for(
        lambda p: p.conversation_id.startswith(channel.conversation_id)
    )
    assert (await harness.post(redirected, bearer(token)))[0] == 401
    assert theirs.requests == []


async def test_other_tenant_gets_403(secured: tuple[BotHarness, LocalIssuer]) -> None:
    harness, issuer = secured
    act = harness.teams.channel_message(new_channel(), user(), "hjälp")
    act["channelData"]["tenant"]["id"] = "11111111-2222-4333-8444-555555555555"
    act["conversation"]["tenantId"] = "11111111-2222-4333-8444-555555555555"
    status, _ = await harness.post(act, bearer(issuer.token(APP_ID)))
    assert status == 403
    assert harness.connector.posted == []


@pytest.mark.parametrize(
    "body",
    [
        b"{not json",
        b"[]",
        b'"text"',
        b'{"type": "message"}',
        b'{"type": 5, "conversation": {"id": 1}}',
    ],
)
async def test_malformed_bodies_get_400(
    secured: tuple[BotHarness, LocalIssuer], body: bytes
) -> None:
    harness, issuer = secured
    async with harness.http.post(
        harness.url + "/api/messages",
        data=body,
        headers={**bearer(issuer.token(APP_ID)), "Content-Type": "application/json"},
    ) as resp:
        assert resp.status == 400


async def test_oversized_body_gets_413(secured: tuple[BotHarness, LocalIssuer]) -> None:
    harness, issuer = secured
    act = harness.teams.channel_message(new_channel(), user(), "x" * (300 * 1024))
    status, _ = await harness.post(act, bearer(issuer.token(APP_ID)))
    assert status == 413
