"""With credentials configured, only Bot Framework tokens for this bot and tenant get in."""

from __future__ import annotations

import pytest

from tests.bot.conftest import APP_ID, BotHarness, bearer, user
from tests.fakes.issuer import LocalIssuer
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


async def test_entra_token_of_own_tenant_is_accepted(
    secured: tuple[BotHarness, LocalIssuer],
) -> None:
    """The control for wrong_issuer: same key and path, the bot's own tenant's issuer."""
    harness, issuer = secured
    act = harness.teams.channel_message(new_channel(), user(), "hjälp")
    token = issuer.token(APP_ID, issuer=f"https://sts.windows.net/{TENANT}/", extra={"tid": TENANT})
    status, _ = await harness.post(act, bearer(token))
    assert status in (200, 202)


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
