"""Fixtures: a DPAT simulator with three slides on 127.0.0.1, request counting, pytest-httpx for async clients."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
from pytest_httpx import HTTPXMock

from sectra_dpat_client._core.aio_pool import LendingTransport
from sectra_dpat_client.simulator import DPATSimulator
from tests.conftest import FAST_RETRY

__all__ = ["FAST_RETRY", "seen"]


@pytest.fixture(params=[False, True], ids=["omitted", "nulls"])
def dpat(request: pytest.FixtureRequest) -> Iterator[DPATSimulator]:
    """Both answer forms: absent optional properties left out, and written as null (.NET)."""
    with DPATSimulator(slides=3, nulls=request.param) as simulator:
        yield simulator


def seen(dpat: DPATSimulator, route: str = "*", method: str = "*") -> int:
    """How many requests matching ``route`` (operationId, path template or ``*``) the simulator answered."""
    return dpat.request_count(route, method)


@pytest.fixture
def async_httpx_mock(httpx_mock: HTTPXMock, monkeypatch: pytest.MonkeyPatch) -> HTTPXMock:
    """``httpx_mock`` answering the async clients too: it patches httpx's own transport, which they do not use."""

    async def mocked(transport: LendingTransport, request: httpx.Request) -> httpx.Response:
        return await httpx.AsyncHTTPTransport.handle_async_request(transport, request)  # type: ignore[arg-type]

    monkeypatch.setattr(LendingTransport, "handle_async_request", mocked)
    return httpx_mock
