"""Both request hooks mark a request for a whole-body read inside `buffered_bodies`, and only there."""

from __future__ import annotations

import asyncio

import httpx

from sectra_dpat_client._core.transports import BUFFER_BODY, async_mark_buffered, buffered_bodies, mark_buffered


def test_sync_and_async_hooks_mark_alike() -> None:
    outside_sync, outside_async = httpx.Request("GET", "http://t/a"), httpx.Request("GET", "http://t/b")
    inside_sync, inside_async = httpx.Request("GET", "http://t/c"), httpx.Request("GET", "http://t/d")
    mark_buffered(outside_sync)
    asyncio.run(async_mark_buffered(outside_async))
    with buffered_bodies():
        mark_buffered(inside_sync)
        asyncio.run(async_mark_buffered(inside_async))
    assert [BUFFER_BODY in r.extensions for r in (outside_sync, outside_async)] == [False, False]
    assert [r.extensions.get(BUFFER_BODY) for r in (inside_sync, inside_async)] == [True, True]
