"""The rules for several organisations (core/tenancy.py)."""

from __future__ import annotations

from core.tenancy import (
    Unreachable,
    allowed_tenants,
    reach,
    refused_tenant,
    roster_facts,
)

OWN = "72f988bf-0000-4000-8000-00000000abcd"
KOMMUN = "0c5e1a2b-3c4d-4e5f-8a6b-7c8d9e0f1a2b"
OTHER = "99999999-8888-4777-8666-555555555555"


def _activity(host: str, sender: str | None = None) -> dict[str, object]:
    sent = {"id": "29:x", "aadObjectId": "a", **({"tenantId": sender} if sender else {})}
    return {"from": sent, "channelData": {"tenant": {"id": host}}}


def test_the_own_tenant_is_always_allowed_and_case_does_not_matter() -> None:
    allowed = allowed_tenants(OWN.upper(), [f" {KOMMUN.upper()} ", ""])
    assert allowed == {OWN, KOMMUN}
    assert refused_tenant(_activity(KOMMUN.upper()), allowed) is None
    assert refused_tenant(_activity(OWN, sender=KOMMUN), allowed) is None


def test_a_host_or_a_named_sender_of_another_tenant_is_refused() -> None:
    allowed = allowed_tenants(OWN, [KOMMUN])
    assert refused_tenant(_activity(OTHER), allowed)
    assert refused_tenant(_activity(OWN, sender=OTHER), allowed)
    assert refused_tenant({"channelData": {}}, allowed)  # no tenant at all
    member_event = _activity(OWN)
    member_event["channelData"]["membershipSource"] = {"tenantId": OTHER}  # type: ignore[index]
    assert refused_tenant(member_event, allowed)


def test_a_guest_is_known_by_their_email_not_the_hosts_ext_upn() -> None:
    guest = roster_facts(
        {
            "userPrincipalName": "gun_kommun.se#EXT#@regionen.onmicrosoft.com",
            "email": "gun@kommun.se",
            "tenantId": OWN.upper(),
            "userRole": "guest",
        }
    )
    assert (guest.address, guest.tenant, guest.guest) == ("gun@kommun.se", OWN, True)
    member = roster_facts({"userPrincipalName": "kim@kommun.se", "email": "k@x.se"})
    assert (member.address, member.tenant, member.guest) == ("kim@kommun.se", None, False)


def test_only_people_of_the_bots_own_tenant_are_reached_personally() -> None:
    assert reach(OWN.upper(), OWN).personal and reach(OWN, OWN).graph
    other = reach(KOMMUN, OWN)
    assert (other.personal, other.graph, other.why_not) == (False, False, Unreachable.OTHER_TENANT)
    unknown = reach(None, OWN)
    assert (unknown.personal, unknown.why_not) == (False, Unreachable.TENANT_UNKNOWN)
    # Local mode has one tenant and no Graph.
    assert reach(None, None, local=True).personal and not reach(None, None, local=True).graph
