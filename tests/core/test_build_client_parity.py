"""`build_client` and `build_async_client` build the same client but for its I/O (one shared set of options)."""

from __future__ import annotations

import asyncio

import httpx
import pytest

from sectra_dpat_client._core.http import RetryPolicy, build_async_client, build_client
from sectra_dpat_client.errors import DPATServerError

NO_RETRY = RetryPolicy(attempts=1)


def _answer(request: httpx.Request) -> httpx.Response:
    return httpx.Response(520, text="origin error")


def test_both_builders_share_their_options() -> None:
    sync = build_client("http://dpat.test/v1/", headers={"X-A": "1"}, retry=NO_RETRY)
    async_client = build_async_client("http://dpat.test/v1/", headers={"X-A": "1"}, retry=NO_RETRY)
    try:
        for client in (sync, async_client):
            assert str(client.base_url) == "http://dpat.test/v1/"
            assert client.headers["X-A"] == "1"
            assert [len(client.event_hooks["request"]), len(client.event_hooks["response"])] == [1, 1]
    finally:
        sync.close()
        asyncio.run(async_client.aclose())


@pytest.mark.parametrize("status_guard", [True, False])
def test_the_status_guard_is_the_same_in_both(status_guard: bool) -> None:
    transport = httpx.MockTransport(_answer)
    with build_client("http://dpat.test", transport=transport, retry=NO_RETRY, status_guard=status_guard) as client:
        if status_guard:
            with pytest.raises(DPATServerError) as sync_error:
                client.get("/x")
        else:
            assert client.get("/x").status_code == 520

    async def main() -> None:
        async with build_async_client(
            "http://dpat.test", transport=transport, retry=NO_RETRY, status_guard=status_guard
        ) as client:
            if status_guard:
                with pytest.raises(DPATServerError) as async_error:
                    await client.get("/x")
                assert async_error.value.status_code == sync_error.value.status_code == 520
            else:
                assert (await client.get("/x")).status_code == 520

    asyncio.run(main())
