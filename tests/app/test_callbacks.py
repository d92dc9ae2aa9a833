"""CallbackPolicy: which callback URLs may receive the token."""

from __future__ import annotations

import pytest

from sectra_dpat_client.app import CallbackPolicy

PEER = "10.1.2.3"

CASES = [
    # policy, url, allowed
    (CallbackPolicy(), "https://10.1.2.3/SectraPathologyServer/external/imageanalysis/v1", True),
    (CallbackPolicy(), "http://10.1.2.3:8080/v1", True),
    (CallbackPolicy(), "https://10.1.2.4/v1", False),
    (CallbackPolicy(allow_peer=False), "https://10.1.2.3/v1", False),
    (CallbackPolicy(hosts=("pacs.example",)), "https://PACS.example./v1", True),
    (CallbackPolicy(hosts=("pacs.example",)), "https://pacs.example:8443/v1", True),
    (CallbackPolicy(hosts=("pacs.example:443",)), "https://pacs.example/v1", True),
    (CallbackPolicy(hosts=("pacs.example:443",)), "http://pacs.example/v1", False),
    (CallbackPolicy(hosts=("pacs.example:443",)), "https://pacs.example:8443/v1", False),
    (CallbackPolicy(hosts=("pacs.example",)), "https://pacs.example.evil.test/v1", False),
    (CallbackPolicy(hosts=("pacs.example",)), "https://evil.test/?pacs.example", False),
    (CallbackPolicy(hosts=("pacs.example",)), "https://pacs.example@evil.test/v1", False),
    (CallbackPolicy(hosts=("[::1]",), allow_peer=False), "http://[::1]:8000/v1", True),
    (CallbackPolicy(hosts=("::1",), allow_peer=False), "http://[0:0::1]:8000/v1", True),
    (CallbackPolicy(hosts=("https://pacs.example",)), "https://pacs.example/v1", True),
    (CallbackPolicy(schemes=("https",), hosts=("pacs.example",)), "http://pacs.example/v1", False),
    (CallbackPolicy(), "javascript:alert(1)", False),
    (CallbackPolicy(), "", False),
    (CallbackPolicy(), "https://10.1.2.3/base?x=1", False),
    (CallbackPolicy(), "https://10.1.2.3/base?", False),
    (CallbackPolicy(), "https://10.1.2.3/base#frag", False),
    (CallbackPolicy(), "https://10.1.2.3:\uff18\uff10/v1", False),
    (CallbackPolicy(), "https://10.1.2.3/v1\r\nX-Injected: 1", False),
    (CallbackPolicy(), "https://10.1.2.3/v 1", False),
]


@pytest.mark.parametrize(("policy", "url", "allowed"), CASES)
async def test_policy(policy: CallbackPolicy, url: str, allowed: bool) -> None:
    refusal = await policy.refusal(url, PEER)
    assert (refusal is None) == allowed, refusal


async def test_ipv4_mapped_peer_matches_the_ipv4_callback() -> None:
    assert await CallbackPolicy().refusal("http://127.0.0.1:9/v1", "::ffff:127.0.0.1") is None


async def test_a_name_is_allowed_when_it_resolves_to_the_peer() -> None:
    assert await CallbackPolicy().refusal("http://localhost:9/v1", "127.0.0.1") is None
    refusal = await CallbackPolicy(resolve_names=False).refusal("http://localhost:9/v1", "127.0.0.1")
    assert refusal is not None


async def test_without_a_peer_only_listed_hosts_pass() -> None:
    assert await CallbackPolicy().refusal("http://127.0.0.1/v1", None) is not None


def test_bad_entries_are_refused_at_construction() -> None:
    with pytest.raises(ValueError, match="invalid port"):
        CallbackPolicy(hosts=("pacs.example:http",))
    with pytest.raises(ValueError, match="names no host"):
        CallbackPolicy(hosts=("",))
