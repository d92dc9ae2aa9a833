"""CallbackPolicy keeps the verdicts it reached without DNS: the same answers, bounded memory, names resolved each time."""

from __future__ import annotations

import dataclasses
import socket
from typing import Any

import pytest

from sectra_dpat_client.app import CallbackPolicy
from sectra_dpat_client.app import callbacks as callbacks_module

from .test_callbacks import CASES, PEER


@pytest.mark.parametrize(("policy", "url", "allowed"), CASES)
async def test_a_kept_verdict_is_the_fresh_one(policy: CallbackPolicy, url: str, allowed: bool) -> None:
    shared = dataclasses.replace(policy)  # a policy of its own: no verdict kept from other tests
    for _ in range(3):
        assert await shared.refusal(url, PEER) == await dataclasses.replace(policy).refusal(url, PEER)
    assert (await shared.refusal(url, PEER) is None) == allowed


async def test_a_verdict_is_kept_per_peer() -> None:
    policy = CallbackPolicy()
    url = "http://10.1.2.3:8080/v1"
    assert await policy.refusal(url, "10.1.2.3") is None
    assert await policy.refusal(url, "10.9.9.9") is not None
    assert await policy.refusal(url, None) is not None
    assert await policy.refusal(url, "10.1.2.3") is None


async def test_a_name_is_resolved_again_for_every_invocation(monkeypatch: pytest.MonkeyPatch) -> None:
    answers = {"address": "10.1.2.3"}
    lookups: list[str] = []

    async def getaddrinfo(host: str, port: Any, **kwargs: Any) -> list[Any]:
        lookups.append(host)
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (answers["address"], 0))]

    monkeypatch.setattr(callbacks_module.anyio, "getaddrinfo", getaddrinfo)
    policy = CallbackPolicy()
    assert await policy.refusal("https://pacs.example/v1", "10.1.2.3") is None
    answers["address"] = "10.6.6.6"  # the name now points elsewhere: the peer no longer owns it
    assert await policy.refusal("https://pacs.example/v1", "10.1.2.3") is not None
    assert lookups == ["pacs.example", "pacs.example"]


async def test_the_kept_verdicts_stay_bounded() -> None:
    policy = CallbackPolicy()
    long_url = "https://10.1.2.4/" + "a" * 1_000_000
    assert await policy.refusal(long_url, PEER) is not None
    assert long_url not in {url for url, _peer in policy._verdicts}  # a peer's huge URL is not kept
    for number in range(3000):
        assert await policy.refusal(f"https://10.1.2.4/v{number}", PEER) is not None
    assert len(policy._verdicts) <= 1024
