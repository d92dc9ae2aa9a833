"""The clients ask only for the content codings `_core.limits` decodes in bounded steps."""

from __future__ import annotations

import httpx
import pytest

from sectra_dpat_client._core.http import build_async_client, build_client


def _seen(sent: list[str]) -> httpx.MockTransport:
    def answer(request: httpx.Request) -> httpx.Response:
        sent.append(request.headers.get("accept-encoding", "<none>"))
        return httpx.Response(200, json={})

    return httpx.MockTransport(answer)


@pytest.mark.parametrize(
    ("asked", "sent"),
    [
        (None, "gzip, deflate"),  # httpx's default
        ("gzip, deflate, br, zstd", "gzip, deflate"),  # what httpx asks for with brotli and zstandard installed
        ("br", "gzip, deflate"),
        ("identity", "identity"),  # the caller's own choice, not one of the compressed codings
    ],
)
async def test_only_bounded_codings_are_asked_for(asked: str | None, sent: str) -> None:
    headers = {} if asked is None else {"Accept-Encoding": asked}
    seen_sync: list[str] = []
    with build_client("http://dpat.test", transport=_seen(seen_sync)) as client:
        client.get("/info", headers=headers)
    seen_async: list[str] = []
    async with build_async_client("http://dpat.test", transport=_seen(seen_async)) as aclient:
        await aclient.get("/info", headers=headers)
    assert seen_sync == seen_async == [sent]
