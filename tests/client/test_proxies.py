"""Proxies: the environment's proxy variables are not read; a proxy is a transport the caller passes (README)."""

from __future__ import annotations

import httpx
import pytest

from sectra_dpat_client.ai import AsyncDPATAIClient, DPATAIClient
from tests.reliability.rawserver import INFO, Behaviour, raw_server

UNUSED = "http://127.0.0.1:9"  # the discard port: nothing answers there


@pytest.fixture
def proxy_variables(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy", "all_proxy"):
        monkeypatch.setenv(name, UNUSED)
    monkeypatch.delenv("NO_PROXY", raising=False)
    monkeypatch.delenv("no_proxy", raising=False)


@pytest.mark.usefixtures("proxy_variables")
def test_proxy_variables_in_the_environment_are_not_used() -> None:
    with raw_server([Behaviour("respond", body=INFO)], info=None) as server:
        with DPATAIClient(server.url, token="t") as client:
            assert client.get_info().api_version == "1.10"
        assert server.request_lines() == ["GET /info HTTP/1.1"]  # straight to the server, not via a proxy


@pytest.mark.usefixtures("proxy_variables")
async def test_proxy_variables_are_not_used_by_the_async_client_either() -> None:
    with raw_server([Behaviour("respond", body=INFO)], info=None) as server:
        async with AsyncDPATAIClient(server.url, token="t") as client:
            assert (await client.get_info()).api_version == "1.10"
        assert server.request_lines() == ["GET /info HTTP/1.1"]


def test_a_proxy_is_a_transport_the_caller_passes() -> None:
    with raw_server([Behaviour("respond", body=INFO)], info=None) as proxy:
        transport = httpx.HTTPTransport(proxy=proxy.url)
        with DPATAIClient("http://dpat.invalid", token="t", transport=transport) as client:
            assert client.get_info().api_version == "1.10"
        assert proxy.request_lines() == ["GET http://dpat.invalid/info HTTP/1.1"]


async def test_an_async_proxy_is_a_transport_the_caller_passes() -> None:
    with raw_server([Behaviour("respond", body=INFO)], info=None) as proxy:
        transport = httpx.AsyncHTTPTransport(proxy=proxy.url)
        async with AsyncDPATAIClient("http://dpat.invalid", token="t", transport=transport) as client:
            assert (await client.get_info()).api_version == "1.10"
        assert proxy.request_lines() == ["GET http://dpat.invalid/info HTTP/1.1"]
