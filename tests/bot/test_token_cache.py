"""Validated bearer tokens are remembered, but never in place of validating a new one.

The unit tests drive `ValidatedTokens` with a hand-moved clock; the HTTP tests
run the real app against the local issuer and show that a remembered token
keeps working while anything not byte-for-byte that token is validated again.
"""

from __future__ import annotations

from typing import Any

import pytest
from microsoft_agents.hosting.core import ClaimsIdentity

from bot.token_cache import ValidatedTokens
from tests.fakes.issuer import LocalIssuer
from tests.support.harness import APP_ID, BotHarness, bearer, user
from tests.teams import Channel, new_channel

NOW = 1_900_000_000.0  # epoch seconds, like a token's exp


class Clock:
    def __init__(self, now: float = NOW) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


def identity(exp: Any = NOW + 3600, **claims: Any) -> ClaimsIdentity:
    values: dict[str, Any] = {"aud": APP_ID, "iss": "https://api.botframework.com", **claims}
    if exp is not None:
        values["exp"] = exp
    return ClaimsIdentity(values, authentication_type="Bearer", security_token="tok")


def changed_at(token: str, index: int) -> str:
    """The token with the character at `index` replaced by another base64url character."""
    replacement = "B" if token[index] == "A" else "A"
    return token[:index] + replacement + token[index + 1 :]


# -- ValidatedTokens ------------------------------------------------------------------


def test_a_stored_token_is_known_until_its_exp_and_not_after() -> None:
    clock = Clock()
    tokens = ValidatedTokens(max_age=3600, clock=clock)
    tokens.put("header.payload.sig", identity(exp=NOW + 100))

    clock.now = NOW + 99.5
    found = tokens.get("header.payload.sig")
    assert found is not None
    assert found.claims["aud"] == APP_ID
    assert found.claims["exp"] == NOW + 100
    assert found.authentication_type == "Bearer"
    assert found.security_token == "tok"

    clock.now = NOW + 100
    assert tokens.get("header.payload.sig") is None
    clock.now = NOW + 50  # once dropped it stays dropped, even if the clock were to go back
    assert tokens.get("header.payload.sig") is None


def test_max_age_caps_how_long_a_long_lived_token_is_remembered() -> None:
    clock = Clock()
    tokens = ValidatedTokens(max_age=300, clock=clock)
    tokens.put("long.lived.token", identity(exp=NOW + 3600))

    clock.now = NOW + 299
    assert tokens.get("long.lived.token") is not None
    clock.now = NOW + 300
    assert tokens.get("long.lived.token") is None


def test_a_token_differing_in_one_character_is_not_found() -> None:
    tokens = ValidatedTokens(clock=Clock())
    token = "eyJhbGciOiJSUzI1NiJ9.eyJhdWQiOiJ4In0.c2lnbmF0dXJlLWJ5dGVz"
    tokens.put(token, identity())

    for index in (0, len(token) // 2, len(token) - 1):
        assert tokens.get(changed_at(token, index)) is None
    assert tokens.get(token + "x") is None
    assert tokens.get(token[:-1]) is None
    assert tokens.get(token) is not None


@pytest.mark.parametrize(
    "exp",
    [None, str(int(NOW + 3600)), NOW, NOW - 1],
    ids=["no_exp", "exp_not_a_number", "exp_now", "exp_past"],
)
def test_a_token_without_a_usable_future_exp_is_never_stored(exp: Any) -> None:
    tokens = ValidatedTokens(clock=Clock())
    tokens.put("some.token.here", identity(exp=exp))
    assert tokens.get("some.token.here") is None


def test_the_size_bound_evicts_the_least_recently_stored() -> None:
    tokens = ValidatedTokens(size=2, clock=Clock())
    tokens.put("t1", identity())
    tokens.put("t2", identity())
    tokens.put("t1", identity())  # stored again: now the most recent
    tokens.put("t3", identity())

    assert tokens.get("t2") is None
    assert tokens.get("t1") is not None
    assert tokens.get("t3") is not None

    tokens.put("t4", identity())
    assert tokens.get("t1") is None
    assert tokens.get("t3") is not None
    assert tokens.get("t4") is not None


def test_the_identity_handed_out_is_a_copy() -> None:
    tokens = ValidatedTokens(clock=Clock())
    tokens.put("a.b.c", identity(serviceurl="https://smba.example/"))

    first = tokens.get("a.b.c")
    assert first is not None
    first.claims["aud"] = "someone-else"
    first.claims["serviceurl"] = "https://evil.example/"
    del first.claims["exp"]

    second = tokens.get("a.b.c")
    assert second is not None
    assert second is not first
    assert second.claims["aud"] == APP_ID
    assert second.claims["serviceurl"] == "https://smba.example/"
    assert second.claims["exp"] == NOW + 3600


# -- over HTTP, in front of the real validator ------------------------------------------


async def ask_for_help(harness: BotHarness, headers: dict[str, str]) -> tuple[int, Channel]:
    channel = new_channel()
    status, _ = await harness.post(harness.teams.channel_message(channel, user(), "hjälp"), headers)
    return status, channel


async def help_arrives(harness: BotHarness, channel: Channel) -> None:
    await harness.connector.wait_for(
        lambda p: p.conversation_id.startswith(channel.conversation_id) and bool(p.cards)
    )


async def test_the_same_valid_token_serves_several_requests_in_a_row(
    secured: tuple[BotHarness, LocalIssuer],
) -> None:
    harness, issuer = secured
    token = issuer.token(APP_ID)
    for _ in range(4):
        status, channel = await ask_for_help(harness, bearer(token))
        assert status in (200, 202)
        await help_arrives(harness, channel)
    # Every reply, including those to requests let in by the remembered token,
    # went out with the bot's own outgoing token.
    assert harness.connector.auth_headers.count("Bearer fake-outgoing-token") >= 4


@pytest.mark.parametrize("case", ["forged", "signature_changed", "expired", "other_audience"])
async def test_bad_tokens_get_401_after_a_valid_token_was_remembered(
    secured: tuple[BotHarness, LocalIssuer], case: str
) -> None:
    harness, issuer = secured
    valid = issuer.token(APP_ID)
    status, channel = await ask_for_help(harness, bearer(valid))
    assert status in (200, 202)
    await help_arrives(harness, channel)
    before = len(harness.connector.posted)

    header, payload, signature = valid.split(".")
    bad = {
        "forged": issuer.token(APP_ID, forged=True),
        # The remembered token itself with one signature character changed. A middle
        # character: the last one also carries padding bits that decoding may ignore.
        "signature_changed": f"{header}.{payload}.{changed_at(signature, len(signature) // 2)}",
        "expired": issuer.token(APP_ID, expires_in=-3600),
        "other_audience": issuer.token("00000000-0000-4000-8000-000000000000"),
    }[case]
    status, refused = await ask_for_help(harness, bearer(bad))
    assert status == 401

    # The valid token still works, and its reply is the only thing posted since.
    status, after = await ask_for_help(harness, bearer(valid))
    assert status in (200, 202)
    await help_arrives(harness, after)
    since = harness.connector.posted[before:]
    assert since and all(p.conversation_id.startswith(after.conversation_id) for p in since)
    assert not any(
        p.conversation_id.startswith(refused.conversation_id) for p in harness.connector.posted
    )
