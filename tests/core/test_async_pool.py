"""The async clients' connection layer (`_core.aio_pool`): connections lent one request at a time and reused,
stale ones replaced, timeouts and cancellation as httpcore's pool has them; relative URLs merged as httpx does."""

from __future__ import annotations

import asyncio
import ssl
import subprocess
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest

from sectra_dpat_client._core import aio_pool
from sectra_dpat_client._core.http import ASYNC_POOLS, build_async_client, default_ssl_context
from sectra_dpat_client._core.transports import LazyCookieAsyncClient
from tests.reliability.rawserver import Behaviour, raw_server, self_signed_context

BODY = b'{"ok": true}'
BOUND = 30.0  # seconds: far beyond a healthy run, short of a hung suite


@dataclass
class KeepAliveServer:
    """A keep-alive HTTP/1.1 server on 127.0.0.1 in the test's own event loop."""

    url: str = ""
    connections: int = 0
    answered: int = 0
    close_after_answer: bool = False  # drop every connection once it answered (no Connection: close said)
    silent: bool = False  # read requests, never answer
    writers: list[asyncio.StreamWriter] = field(default_factory=list)

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        self.writers.append(writer)
        try:
            while True:
                try:
                    await reader.readuntil(b"\r\n\r\n")
                except (asyncio.IncompleteReadError, ConnectionError, asyncio.CancelledError):
                    return
                if self.silent:
                    continue
                await asyncio.sleep(0.001)  # let other requests arrive meanwhile
                writer.write(b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 12\r\n\r\n" + BODY)
                await writer.drain()
                self.answered += 1
                if self.close_after_answer:
                    writer.close()
                    return
        finally:
            writer.close()


@asynccontextmanager
async def keep_alive_server(**options: bool) -> AsyncIterator[KeepAliveServer]:
    state = KeepAliveServer(**options)  # type: ignore[arg-type]
    server = await asyncio.start_server(state.handle, "127.0.0.1", 0)
    state.url = f"http://127.0.0.1:{server.sockets[0].getsockname()[1]}"
    try:
        yield state
    finally:
        for writer in state.writers:
            writer.close()
        server.close()


def _client(url: str, connections: int, timeout: httpx.Timeout | None = None) -> httpx.AsyncClient:
    limits = httpx.Limits(max_connections=connections, max_keepalive_connections=connections)
    transport = aio_pool.lending_transport(limits, default_ssl_context())
    return httpx.AsyncClient(base_url=url, transport=transport, timeout=timeout or httpx.Timeout(5.0))


async def test_the_async_client_reuses_its_connections() -> None:
    async with keep_alive_server() as server, build_async_client(server.url) as client:
        for _ in range(5):
            assert (await client.get("/info")).json() == {"ok": True}
        assert server.connections == 1  # one after another: one connection, kept alive
        answers = await asyncio.wait_for(asyncio.gather(*(client.get("/info") for _ in range(300))), BOUND)
        assert all(answer.json() == {"ok": True} for answer in answers)
        assert server.connections <= ASYNC_POOLS[0] * ASYNC_POOLS[1]
        opened = server.connections
        await asyncio.wait_for(asyncio.gather(*(client.get("/info") for _ in range(300))), BOUND)
        assert server.connections == opened  # the second burst found every connection open


async def test_the_transport_runs_on_the_lending_pool_and_asyncio_sockets() -> None:
    limits = httpx.Limits(max_connections=2, max_keepalive_connections=2)
    transport = aio_pool.lending_transport(limits, default_ssl_context())
    pool = transport._pool
    assert isinstance(pool, aio_pool.LendingPool)
    assert isinstance(pool._network_backend, aio_pool.AsyncioBackend)
    async with keep_alive_server() as server, httpx.AsyncClient(base_url=server.url, transport=transport) as client:
        await client.get("/info")
        stream = pool._idle[0]._connection._network_stream  # type: ignore[attr-defined]
        assert isinstance(stream, aio_pool.AsyncioStream)
        assert stream.get_extra_info("is_readable") is False  # idle and quiet: reusable
        assert stream.get_extra_info("server_addr")[1] == int(server.url.rsplit(":", 1)[1])


async def test_a_slow_reader_of_a_big_body_holds_a_bounded_read_ahead() -> None:
    size = 32 * 1024 * 1024

    async def big(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.readuntil(b"\r\n\r\n")
        writer.write(f"HTTP/1.1 200 OK\r\ncontent-length: {size}\r\n\r\n".encode())
        chunk = bytes(1024 * 1024)
        for _ in range(size // len(chunk)):
            writer.write(chunk)
            await writer.drain()
        writer.close()

    server = await asyncio.start_server(big, "127.0.0.1", 0)
    url = f"http://127.0.0.1:{server.sockets[0].getsockname()[1]}"
    try:
        async with _client(url, 1) as client, client.stream("GET", "/slides/s/files") as answer:
            received = 0
            held = []
            async for chunk in answer.aiter_raw():
                received += len(chunk)
                if received < 8 * 1024 * 1024:
                    await asyncio.sleep(0.005)  # a slow disk: the server could send far ahead
                    (connection,) = client._transport._pool._connections  # type: ignore[attr-defined]
                    held.append(len(connection._connection._network_stream._reader.buffer))
            assert received == size
            assert max(held) <= 2 * 1024 * 1024  # the read-ahead (1 MiB) plus what one socket read adds
    finally:
        server.close()


async def test_a_connection_the_server_closed_while_idle_is_replaced() -> None:
    async with keep_alive_server(close_after_answer=True) as server, _client(server.url, 1) as client:
        for _ in range(4):
            assert (await client.get("/info")).json() == {"ok": True}
            await asyncio.wait_for(_idle_connections_closed_by_the_server(client), BOUND)
        assert server.connections == 4


async def _idle_connections_closed_by_the_server(client: httpx.AsyncClient) -> None:
    """Until the server's FIN has reached every idle connection of ``client`` (no fixed sleep)."""
    pool = client._transport._pool  # type: ignore[attr-defined]
    while not all(  # noqa: ASYNC110 (polls the pool's state: nothing signals it)
        connection._connection is None
        or connection._connection._network_stream._reader.eof
        or connection._connection._network_stream._reader.closed
        for connection in pool._connections
    ):
        await asyncio.sleep(0.005)


async def test_an_address_that_never_answers_does_not_use_up_the_connect_timeout(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Happy eyeballs, as httpcore's anyio backend: the first resolved address hangs, the next is tried."""
    async with keep_alive_server() as server:
        port = int(server.url.rsplit(":", 1)[1].split("/")[0])
        loop = asyncio.get_running_loop()
        real_getaddrinfo, real_sock_connect = loop.getaddrinfo, loop.sock_connect

        async def getaddrinfo(host: Any, *args: Any, **kwargs: Any) -> Any:
            infos = await real_getaddrinfo("127.0.0.1", *args, **kwargs)
            family, kind, proto, name, _address = infos[0]
            return [(family, kind, proto, name, ("127.0.0.2", port)), *infos]

        async def sock_connect(sock: Any, address: Any) -> None:
            if address[0] == "127.0.0.2":
                await asyncio.sleep(3600)  # never answers
            await real_sock_connect(sock, address)

        monkeypatch.setattr(loop, "getaddrinfo", getaddrinfo)
        monkeypatch.setattr(loop, "sock_connect", sock_connect)
        stream = await asyncio.wait_for(
            aio_pool.AsyncioBackend().connect_tcp("dual-stack.example", port, timeout=30.0), BOUND
        )
        await stream.aclose()


async def test_a_held_connection_makes_the_next_request_wait_then_time_out() -> None:
    timeout = httpx.Timeout(5.0, pool=0.2)
    async with keep_alive_server() as server, _client(server.url, 1, timeout=timeout) as client:
        async with client.stream("GET", "/info") as holding:  # the only connection, until its body is closed
            assert holding.status_code == 200
            with pytest.raises(httpx.PoolTimeout):
                await asyncio.wait_for(client.get("/info"), BOUND)
            waiting = asyncio.ensure_future(client.get("/info"))
            await asyncio.sleep(0.05)
            assert not waiting.done()
            await holding.aread()  # read to its end: the connection is reused, not closed
        assert (await asyncio.wait_for(waiting, BOUND)).json() == {"ok": True}  # woken when the body closed
        assert server.connections == 1


async def test_a_cancelled_request_frees_its_connection() -> None:
    async with keep_alive_server(silent=True) as server, _client(server.url, 1) as client:
        hung = asyncio.ensure_future(client.get("/info"))
        await asyncio.sleep(0.1)
        hung.cancel()
        with pytest.raises(asyncio.CancelledError):
            await hung
        server.silent = False
        answer = await asyncio.wait_for(client.get("/info"), BOUND)  # a new connection: the old one is unusable
        assert answer.json() == {"ok": True}
        assert server.connections == 2


async def test_a_silent_server_is_a_read_timeout() -> None:
    timeout = httpx.Timeout(5.0, read=0.2)
    async with keep_alive_server(silent=True) as server, _client(server.url, 1, timeout=timeout) as client:
        with pytest.raises(httpx.ReadTimeout):
            await asyncio.wait_for(client.get("/info"), BOUND)


async def test_nobody_listening_is_a_connect_error() -> None:
    server = await asyncio.start_server(lambda r, w: None, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    server.close()
    await server.wait_closed()
    async with _client(f"http://127.0.0.1:{port}", 1) as client:
        with pytest.raises(httpx.ConnectError):
            await asyncio.wait_for(client.get("/info"), BOUND)


async def test_tls_goes_through_asyncio_start_tls(tmp_path: Path) -> None:
    server_context = self_signed_context(str(tmp_path), subprocess.run)
    trusting = ssl.create_default_context(cafile=str(tmp_path / "cert.pem"))
    limits = httpx.Limits(max_connections=1, max_keepalive_connections=1)
    with raw_server([Behaviour("respond", body=BODY)], tls=server_context) as server:
        async with httpx.AsyncClient(transport=aio_pool.lending_transport(limits, trusting)) as client:
            answer = await asyncio.wait_for(client.get(f"{server.url}/slides/s/info"), BOUND)
            assert answer.json() == {"ok": True}
        async with httpx.AsyncClient(transport=aio_pool.lending_transport(limits, default_ssl_context())) as client:
            with pytest.raises(httpx.ConnectError):  # self-signed: the verifying context refuses it
                await asyncio.wait_for(client.get(f"{server.url}/slides/s/info"), BOUND)


@pytest.mark.parametrize(
    "base",
    [
        "http://127.0.0.1:8080/SectraPathologyServer/external/imageanalysis/v1",
        "https://dpat.example/base/",
        "http://127.0.0.1:1",
        "http://user:secret@dpat.example:8443/p%20q",
        "http://[::1]:8080/v1",
    ],
)
@pytest.mark.parametrize(
    "url",
    [
        "/slides/4d628b512980/info",
        "/slides/a b/info?scope=extended&includePHI=true",
        "/cases/ACC%2F1/slides?issuer=Ä ö&x=%20",
        "/",
        "/x#fragment",
        "//other.example/path",
        "https://elsewhere.example/info",
        "relative/path",
    ],
)
def test_relative_urls_merge_as_httpx_merges_them(base: str, url: str) -> None:
    ours, theirs = LazyCookieAsyncClient(base_url=base), httpx.AsyncClient(base_url=base)
    merged, expected = ours.build_request("GET", url).url, theirs.build_request("GET", url).url
    assert (merged.scheme, merged.host, merged.port, merged.raw_path) == (
        expected.scheme,
        expected.host,
        expected.port,
        expected.raw_path,
    )
    assert merged.userinfo == expected.userinfo


async def _queued(client: httpx.AsyncClient) -> asyncio.Future[httpx.Response]:
    """A GET that waits in the pool's queue (started, not yet answered)."""
    waiting = asyncio.ensure_future(client.get("/info"))
    for _ in range(10):  # a few loop steps: the request reaches the pool's queue
        await asyncio.sleep(0)
    return waiting


async def test_a_waiter_cancelled_just_after_being_woken_passes_the_connection_on() -> None:
    timeout = httpx.Timeout(5.0, pool=None)
    async with keep_alive_server() as server, _client(server.url, 1, timeout=timeout) as client:
        holding = await client.send(client.build_request("GET", "/info"), stream=True)
        first = await _queued(client)
        second = await _queued(client)
        assert not first.done()
        assert not second.done()
        await holding.aread()  # read to its end and closed: the connection goes back and wakes `first`...
        first.cancel()  # ...which leaves in the same loop step: `second` must be woken instead
        with pytest.raises(asyncio.CancelledError):
            await first
        assert (await asyncio.wait_for(second, BOUND)).json() == {"ok": True}
        assert server.connections == 1


async def test_closing_the_pool_fails_the_requests_waiting_for_a_connection() -> None:
    timeout = httpx.Timeout(5.0, pool=None)
    async with keep_alive_server() as server:
        client = _client(server.url, 1, timeout=timeout)
        holding = await client.send(client.build_request("GET", "/info"), stream=True)
        waiting = await _queued(client)
        await client.aclose()
        with pytest.raises(httpx.PoolTimeout, match="closed"):
            await asyncio.wait_for(waiting, BOUND)
        await holding.aclose()
