"""One injection seam: ``transport=``, honoured alike by both IA-API clients; retry and timeout always apply."""

from __future__ import annotations

import copy
from typing import Any

import httpx
import pytest

from sectra_dpat_client import DEFAULT_TIMEOUT, AnswerLimits, RetryPolicy
from sectra_dpat_client.ai import AsyncDPATAIClient, DPATAIClient, DPATQueryError

SERVER = {"apiVersion": "1.10", "softwareVersion": "test"}
FAST = RetryPolicy(attempts=3, backoff_factor=0.0)
TIMEOUT = httpx.Timeout(3.5)


class Flaky:
    """Answers /info with 503 first, then 200; counts the requests that reach it."""

    def __init__(self) -> None:
        self.calls = 0

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.calls += 1
        return httpx.Response(503 if self.calls == 1 else 200, json=SERVER)


def test_sync_transport_gets_retry_and_timeout_and_is_not_changed() -> None:
    flaky = Flaky()
    transport = httpx.MockTransport(flaky)
    before = copy.copy(vars(transport))
    with DPATAIClient("http://dpat.test/api", token="t", transport=transport, retry=FAST, timeout=TIMEOUT) as client:
        assert client.get_info().api_version == "1.10"
        assert client._http.timeout == TIMEOUT
    assert flaky.calls == 2  # the 503 was retried by the client's policy
    assert vars(transport) == before


async def test_async_transport_gets_retry_and_timeout_and_is_not_changed() -> None:
    flaky = Flaky()
    transport = httpx.MockTransport(flaky)
    before = copy.copy(vars(transport))
    async with AsyncDPATAIClient(
        "http://dpat.test/api", token="t", transport=transport, retry=FAST, timeout=TIMEOUT
    ) as client:
        assert (await client.get_info()).api_version == "1.10"
        assert client._http.timeout == TIMEOUT
    assert flaky.calls == 2
    assert vars(transport) == before


def test_from_credentials_takes_the_transport() -> None:
    seen: list[str] = []

    def answer(request: httpx.Request) -> httpx.Response:
        seen.append(request.url.path)
        if request.url.path.endswith("/token"):
            return httpx.Response(200, json={"access_token": "abc", "expires_in": 3600, "token_type": "Bearer"})
        return httpx.Response(200, json=SERVER)

    transport = httpx.MockTransport(answer)
    with DPATAIClient.from_credentials("http://dpat.test/api", "app", "u", "p", transport=transport) as client:
        client.get_info()
    assert any(path.endswith("/info") for path in seen)


def test_transport_and_http_client_together_is_an_error() -> None:
    with httpx.Client() as http, pytest.raises(DPATQueryError, match="transport= or http_client="):
        DPATAIClient("http://dpat.test", token="t", transport=httpx.MockTransport(Flaky()), http_client=http)


def test_http_client_is_deprecated() -> None:
    with httpx.Client(transport=httpx.MockTransport(Flaky())) as http, pytest.deprecated_call():
        DPATAIClient("http://dpat.test", token="t", http_client=http)


@pytest.mark.parametrize(
    ("setting", "value"),
    [
        ("retry", RetryPolicy(attempts=1)),
        ("timeout", httpx.Timeout(1.0)),
        ("limits", AnswerLimits(deadline=5.0)),
    ],
)
async def test_http_client_with_retry_timeout_or_limits_is_an_error(setting: str, value: Any) -> None:
    with httpx.Client() as http, pytest.raises(DPATQueryError, match=f"{setting}= or http_client="):
        DPATAIClient("http://dpat.test", token="t", http_client=http, **{setting: value})
    async with httpx.AsyncClient() as ahttp:
        with pytest.raises(DPATQueryError, match=f"{setting}= or http_client="):
            AsyncDPATAIClient("http://dpat.test", token="t", http_client=ahttp, **{setting: value})
    with httpx.Client() as http, pytest.raises(DPATQueryError, match=f"{setting}= or http_client="):
        DPATAIClient.from_credentials("http://dpat.test", "app", "u", "p", http_client=http, **{setting: value})


def test_http_client_with_the_default_retry_timeout_and_limits_is_accepted() -> None:
    with httpx.Client() as http, pytest.deprecated_call():
        DPATAIClient(
            "http://dpat.test",
            token="t",
            http_client=http,
            retry=RetryPolicy(),
            timeout=DEFAULT_TIMEOUT,
            limits=AnswerLimits(),
        )
