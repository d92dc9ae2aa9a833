"""Every way to make an IA-API client (token, credentials, a caller's httpx client, the raw-download
``_over``) gives a client with the same attributes, set up by the same code."""

from __future__ import annotations

import httpx
import pytest

from sectra_dpat_client.ai import AsyncDPATAIClient, DPATAIClient

URL = "http://dpat.test/api"


def _attributes(client: object) -> set[str]:
    return set(vars(client))


def test_sync_over_client_has_every_attribute_of_an_init_client() -> None:
    with httpx.Client(base_url=URL) as http:
        over = DPATAIClient._over(http, {"X-Extra": "1"})
        with pytest.deprecated_call():
            adopted = DPATAIClient(URL, token="t", http_client=http)
        with DPATAIClient(URL, token="t") as by_token, DPATAIClient.from_credentials(URL, "app", "u", "p") as login:
            expected = _attributes(by_token)
            assert expected == _attributes(login) == _attributes(adopted) == _attributes(over)
        assert over._http is http
        assert not over._owns_http
        assert not adopted._owns_http
        assert by_token._owns_http


async def test_async_over_client_has_every_attribute_of_an_init_client() -> None:
    async with httpx.AsyncClient(base_url=URL) as http:
        over = AsyncDPATAIClient._over(http, {"X-Extra": "1"})
        with pytest.deprecated_call():
            adopted = AsyncDPATAIClient(URL, token="t", http_client=http)
        async with (
            AsyncDPATAIClient(URL, token="t") as by_token,
            AsyncDPATAIClient.from_credentials(URL, "app", "u", "p") as login,
        ):
            expected = _attributes(by_token)
            assert expected == _attributes(login) == _attributes(adopted) == _attributes(over)
        assert over._http is http
        assert not over._owns_http
        assert not adopted._owns_http
        assert by_token._owns_http
