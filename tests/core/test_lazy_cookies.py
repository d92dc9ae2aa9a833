"""The project's httpx clients keep cookies exactly as httpx does, parsing only answers that set one."""

from __future__ import annotations

import asyncio

import httpx

from sectra_dpat_client._core.http import build_async_client, build_client


def _answer(request: httpx.Request) -> httpx.Response:
    if request.url.path == "/set":
        return httpx.Response(200, headers={"Set-Cookie": "session=abc; Path=/"})
    return httpx.Response(200, json={"cookie": request.headers.get("cookie")})


def test_sync_client_keeps_cookies_it_is_sent() -> None:
    with build_client("http://dpat.test", transport=httpx.MockTransport(_answer)) as client:
        assert client.get("/plain").json() == {"cookie": None}
        assert dict(client.cookies) == {}
        client.get("/set")
        assert dict(client.cookies) == {"session": "abc"}
        assert client.get("/plain").json() == {"cookie": "session=abc"}
        client.cookies = {"other": "1"}
        assert client.get("/plain").json() == {"cookie": "other=1"}
        client.get("/set")
        assert dict(client.cookies) == {"other": "1", "session": "abc"}


def test_async_client_keeps_cookies_it_is_sent() -> None:
    async def main() -> None:
        async with build_async_client("http://dpat.test", transport=httpx.MockTransport(_answer)) as client:
            assert (await client.get("/plain")).json() == {"cookie": None}
            await client.get("/set")
            assert dict(client.cookies) == {"session": "abc"}
            assert (await client.get("/plain")).json() == {"cookie": "session=abc"}

    asyncio.run(main())


def test_async_client_cookie_setter_stays_lazy() -> None:
    async def main() -> None:
        async with build_async_client("http://dpat.test", transport=httpx.MockTransport(_answer)) as client:
            client.cookies = {"other": "1"}
            assert type(client.cookies).__name__ == "_LazyCookies"
            assert (await client.get("/plain")).json() == {"cookie": "other=1"}
            await client.get("/set")
            assert dict(client.cookies) == {"other": "1", "session": "abc"}

    asyncio.run(main())
