"""`WrappingTransport`: one rule for a transport over a sync or an async inner transport."""

from __future__ import annotations

import asyncio

import httpx
import pytest

from sectra_dpat_client._core.transports import BufferingTransport


class _SyncOnly(httpx.BaseTransport):
    def __init__(self) -> None:
        self.closed = 0

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, content=b"ok")

    def close(self) -> None:
        self.closed += 1


class _AsyncOnly(httpx.AsyncBaseTransport):
    def __init__(self) -> None:
        self.closed = 0

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, content=b"ok")

    async def aclose(self) -> None:
        self.closed += 1


def test_a_request_of_the_other_kind_is_refused() -> None:
    request = httpx.Request("GET", "http://dpat.test/info")
    with pytest.raises(RuntimeError, match="synchronous request on an async-only transport"):
        BufferingTransport(_AsyncOnly()).handle_request(request)
    with pytest.raises(RuntimeError, match="asynchronous request on a sync-only transport"):
        asyncio.run(BufferingTransport(_SyncOnly()).handle_async_request(request))


def test_closing_closes_the_inner_transport_its_own_way() -> None:
    sync_inner, async_inner = _SyncOnly(), _AsyncOnly()
    sync_wrapper, async_wrapper = BufferingTransport(sync_inner), BufferingTransport(async_inner)
    for wrapper in (sync_wrapper, async_wrapper):
        wrapper.close()
        asyncio.run(wrapper.aclose())
    assert (sync_inner.closed, async_inner.closed) == (1, 1)
    request = httpx.Request("GET", "http://dpat.test/info")
    assert sync_wrapper.handle_request(request).status_code == 200
    assert asyncio.run(async_wrapper.handle_async_request(request)).status_code == 200
