"""Fixtures for the fault suite: a simulator, fast retry policies, request-counting transports."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from sectra_dpat_client._core.http import RetryPolicy
from sectra_dpat_client.simulator import DPATSimulator

# Retries without waiting, except where a Retry-After header asks for a wait (capped at 2 s).
FAST = RetryPolicy(backoff_factor=0.0, jitter=False, max_backoff=2.0)
# A minimal valid ImageInfo answer for the raw-socket scenarios.
SLIDE_INFO = {
    "id": "s1",
    "isStreamable": True,
    "imageSize": {"width": 1000, "height": 800},
    "tileSize": {"width": 256, "height": 256},
    "micronsPerPixel": 0.25,
    "focalPlanes": [],
    "opticalPaths": [],
    "storedTileFormat": {"mimeType": "image/jpeg", "extension": "jpg"},
    "availableTileFormats": [{"mimeType": "image/jpeg", "extension": "jpg"}],
    "fileFormat": {"mimeType": "image/tiff"},
    "staining": {"displayName": "HE"},
    "block": {"displayName": "A"},
}
SHORT_READ = httpx.Timeout(connect=2.0, read=0.3, write=2.0, pool=2.0)


@pytest.fixture
def dpat() -> Iterator[DPATSimulator]:
    with DPATSimulator(slides=3) as simulator:
        yield simulator


class CountingTransport(httpx.BaseTransport):
    """Counts the requests handed to the network (each retry is one)."""

    def __init__(self, inner: httpx.BaseTransport) -> None:
        self.inner = inner
        self.count = 0

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        self.count += 1
        return self.inner.handle_request(request)

    def close(self) -> None:
        self.inner.close()


class AsyncCountingTransport(httpx.AsyncBaseTransport):
    """The async twin of `CountingTransport`."""

    def __init__(self, inner: httpx.AsyncBaseTransport) -> None:
        self.inner = inner
        self.count = 0

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        self.count += 1
        return await self.inner.handle_async_request(request)

    async def aclose(self) -> None:
        await self.inner.aclose()


class UnresolvableTransport(httpx.BaseTransport):
    """Fails every request the way a failed DNS lookup does, without any real lookup."""

    def __init__(self) -> None:
        self.count = 0

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        self.count += 1
        raise httpx.ConnectError("[Errno -2] Name or service not known", request=request)
