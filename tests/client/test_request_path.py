"""One request path: every IA-API call (generated, fast path, tiles, streamed download) goes through `_request`.

Each request carries its operation as an httpx extension (so errors name it), the version header is a
client default (lowered once the server's version is known), and the async ``read_region`` honours
``max_concurrency``.
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import httpx
import numpy as np
import pytest

from sectra_dpat_client._core.errors import OPERATION
from sectra_dpat_client.ai import AsyncDPATAIClient, DPATAIClient, PrimitiveBatch, fast_primitive_result
from sectra_dpat_client.errors import DPATBadRequestError, DPATConnectionError, DPATNotFoundError, DPATQueryError
from sectra_dpat_client.simulator import DPATSimulator

from .conftest import FAST_RETRY


class Recording(httpx.BaseTransport):
    """Passes requests to a real transport and keeps (method, path, operation path template, version header)."""

    def __init__(self) -> None:
        self.inner = httpx.HTTPTransport()
        self.seen: list[tuple[str, str, str | None, str | None]] = []

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        operation = request.extensions.get(OPERATION)
        self.seen.append(
            (
                request.method,
                request.url.path,
                None if operation is None else operation.path,
                request.headers.get("X-Sectra-ApiVersion"),
            )
        )
        return self.inner.handle_request(request)

    def close(self) -> None:
        self.inner.close()


def test_every_kind_of_call_goes_through_the_one_request_method(
    dpat: DPATSimulator, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    sent: list[str] = []
    original = DPATAIClient._request

    def spy(self: DPATAIClient, call: Any, *, stream: bool = False) -> httpx.Response:
        sent.append(call.operation.operation_id + (" stream" if stream else ""))
        return original(self, call, stream=stream)

    monkeypatch.setattr(DPATAIClient, "_request", spy)
    slide = dpat.slide_ids[0]
    points = np.array([[0.1, 0.1], [0.2, 0.1], [0.2, 0.2]])
    with DPATAIClient(dpat.url, token=dpat.token, app_id=dpat.app_id, retry=FAST_RETRY) as client:
        client.get_tile(slide, 8, 0, 0)
        client.create_results(fast_primitive_result(slide, PrimitiveBatch(polygons=[points])))
        client.download_slide_files(slide, tmp_path, resume=False)
    assert sent == [
        "getImageInfo",  # the tile format, once per slide; its gate reads /info first, through _request too
        "getServerInfo",
        "getTile",
        "createResult",  # the fast path
        "getSlideFiles stream",
    ]


def test_requests_carry_their_operation_and_the_version_header_as_a_default(dpat: DPATSimulator) -> None:
    recording = Recording()
    with DPATAIClient(dpat.url, token=dpat.token, transport=recording, retry=FAST_RETRY) as client:
        client.get_image_info(dpat.slide_ids[0])
        assert client._http.headers["X-Sectra-ApiVersion"] == "1.10"
    assert [(path, version) for _, _, path, version in recording.seen] == [
        ("/info", "1.10"),
        ("/slides/{slideId}/info", "1.10"),
    ]


def test_the_version_header_follows_an_older_server() -> None:
    with DPATSimulator(api_version="1.9") as old:
        recording = Recording()
        with DPATAIClient(old.url, token=old.token, transport=recording, retry=FAST_RETRY) as client:
            client.get_image_info(old.slide_ids[0])
            assert client._http.headers["X-Sectra-ApiVersion"] == "1.9"
    assert [version for *_, version in recording.seen] == ["1.10", "1.9"]


def test_the_token_request_sends_no_version_header(dpat: DPATSimulator) -> None:
    recording = Recording()
    with DPATAIClient.from_credentials(
        dpat.url, dpat.app_id, dpat.username, dpat.password, transport=recording, retry=FAST_RETRY
    ) as client:
        client.get_info()
    token = [entry for entry in recording.seen if entry[2] == "/token"]
    assert token
    assert all(version is None for *_, version in token)


def test_a_streamed_error_names_the_operation(dpat: DPATSimulator, tmp_path: Path) -> None:
    with (
        DPATAIClient(dpat.url, token=dpat.token, retry=FAST_RETRY) as client,
        pytest.raises(DPATNotFoundError) as info,
    ):
        client.download_slide_files("no-such-slide", tmp_path)
    assert (info.value.method, info.value.path) == ("GET", "/slides/{slideId}/files")
    assert "no-such-slide" not in str(info.value) + repr(info.value)


def test_a_non_standard_status_on_the_fast_path_names_the_operation() -> None:
    def answer(request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/info"):
            return httpx.Response(200, json={"apiVersion": "1.10", "softwareVersion": "t"})
        return httpx.Response(499, text="client closed")

    points = np.array([[0.1, 0.1], [0.2, 0.1], [0.2, 0.2]])
    with (
        DPATAIClient("http://dpat.test/v1", token="t", app_id="app", transport=httpx.MockTransport(answer)) as client,
        pytest.raises(DPATBadRequestError) as info,
    ):
        client.create_results(fast_primitive_result("slide", PrimitiveBatch(polygons=[points])))
    assert (info.value.status_code, info.value.method, info.value.path) == (
        499,
        "POST",
        "/applications/{appId}/results",
    )


def test_a_transport_failure_names_the_operation() -> None:
    def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("refused", request=request)

    with (
        DPATAIClient(
            "http://dpat.test/v1",
            token="t",
            api_version="1.10",
            transport=httpx.MockTransport(refuse),
            retry=FAST_RETRY,
        ) as client,
        pytest.raises(DPATConnectionError, match=r"GET /info"),
    ):
        client.get_info()


class InFlight(httpx.AsyncBaseTransport):
    """Counts concurrent tile requests (the most at once) on the way to a real transport."""

    def __init__(self) -> None:
        self.inner = httpx.AsyncHTTPTransport()
        self.now = self.peak = self.tiles = 0

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        tile = "/images/" in request.url.path
        if tile:
            self.now += 1
            self.tiles += 1
            self.peak = max(self.peak, self.now)
            await asyncio.sleep(0.01)
        try:
            response = await self.inner.handle_async_request(request)
            await response.aread()
            return response
        finally:
            if tile:
                self.now -= 1

    async def aclose(self) -> None:
        await self.inner.aclose()


@pytest.mark.parametrize("limit", [1, 3])
async def test_async_read_region_reaches_max_concurrency(dpat: DPATSimulator, limit: int) -> None:
    counting = InFlight()
    async with AsyncDPATAIClient(dpat.url, token=dpat.token, transport=counting, retry=FAST_RETRY) as client:
        region = await client.read_region(dpat.slide_ids[0], 0, 0, 1500, 1200, level=12, max_concurrency=limit)
    assert region.shape == (1200, 1500, 3)
    assert counting.tiles >= 4
    assert counting.peak == limit


async def test_async_read_region_refuses_a_bad_max_concurrency(dpat: DPATSimulator) -> None:
    async with AsyncDPATAIClient(dpat.url, token=dpat.token, retry=FAST_RETRY) as client:
        with pytest.raises(DPATQueryError, match="max_concurrency"):
            await client.read_region(dpat.slide_ids[0], 0, 0, 64, 64, level=9, max_concurrency=0)


@pytest.mark.parametrize("bad", [0, -1, True, 2.5])
def test_sync_read_region_refuses_a_bad_max_concurrency_too(dpat: DPATSimulator, bad: Any) -> None:
    with DPATAIClient(dpat.url, token=dpat.token, retry=FAST_RETRY) as client:
        with pytest.raises(DPATQueryError, match="max_concurrency must be a positive integer"):
            client.read_region(dpat.slide_ids[0], 0, 0, 64, 64, level=9, max_concurrency=bad)
