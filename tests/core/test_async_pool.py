"""The async clients' connection layer (`_core.aio_pool`, `_core.aio_net`): HTTP/1.1 over asyncio sockets,
connections lent one request at a time and reused, stale ones replaced, httpx's timeouts and errors,
cancellation freeing what it held; relative URLs merged as httpx does."""

from __future__ import annotations

import asyncio
import functools
import ssl
import subprocess
import tracemalloc
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpcore
import httpx
import pytest

from sectra_dpat_client._core import aio_net, aio_pool
from sectra_dpat_client._core.errors import DPATConnectionError, error_for_failure
from sectra_dpat_client._core.http import ASYNC_CONNECTIONS, build_async_client, default_ssl_context
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


def _transport(connections: int, keep: int | None = None, **limits: Any) -> aio_pool.LendingTransport:
    keep = connections if keep is None else keep
    options = httpx.Limits(max_connections=connections, max_keepalive_connections=keep, **limits)
    return aio_pool.LendingTransport(options, default_ssl_context())


def _client(
    url: str, connections: int, timeout: httpx.Timeout | None = None, transport: Any = None
) -> httpx.AsyncClient:
    transport = transport or _transport(connections)
    return httpx.AsyncClient(base_url=url, transport=transport, timeout=timeout or httpx.Timeout(5.0))


async def test_the_async_client_reuses_its_connections() -> None:
    async with keep_alive_server() as server, build_async_client(server.url) as client:
        for _ in range(5):
            assert (await client.get("/info")).json() == {"ok": True}
        assert server.connections == 1  # one after another: one connection, kept alive
        answers = await asyncio.wait_for(asyncio.gather(*(client.get("/info") for _ in range(300))), BOUND)
        assert all(answer.json() == {"ok": True} for answer in answers)
        assert server.connections <= ASYNC_CONNECTIONS
        opened = server.connections
        await asyncio.wait_for(asyncio.gather(*(client.get("/info") for _ in range(300))), BOUND)
        assert server.connections == opened  # the second burst found every connection open


async def test_the_async_client_runs_on_the_lending_transport() -> None:
    async with keep_alive_server() as server, build_async_client(server.url) as client:
        await client.get("/info")
        pool = client._transport._async_transport._inner._inner  # type: ignore[attr-defined] (retry, buffer, limits)
        assert isinstance(pool, aio_pool.LendingTransport)
        (connection,) = pool._idle
        assert isinstance(connection.socket, aio_net.AsyncSocket)
        assert connection.socket.stale() is False  # idle and quiet: reusable


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
                    (connection,) = client._transport._lent  # type: ignore[attr-defined]
                    held.append(len(connection.socket._reader.buffer))
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
    pool = client._transport  # type: ignore[attr-defined]
    while not all(  # noqa: ASYNC110 (polls the pool's state: nothing signals it)
        connection.socket._reader.eof or connection.socket._reader.closed for connection in pool._idle
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
        request = httpx.Request("GET", f"http://dual-stack.example:{port}/")
        socket = await asyncio.wait_for(aio_net.connect("dual-stack.example", port, request, timeout=30.0), BOUND)
        socket.close()


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
        async with httpx.AsyncClient(transport=aio_pool.LendingTransport(limits, trusting)) as client:
            answer = await asyncio.wait_for(client.get(f"{server.url}/slides/s/info"), BOUND)
            assert answer.json() == {"ok": True}
        async with httpx.AsyncClient(transport=aio_pool.LendingTransport(limits, default_ssl_context())) as client:
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
    again = ours.build_request("GET", url).url  # the second time from the client's merged URLs
    assert (again, again.raw_path) == (merged, merged.raw_path)


def test_merged_urls_follow_a_new_base_url_and_stay_bounded() -> None:
    client = LazyCookieAsyncClient(base_url="http://dpat.example/v1")
    assert str(client.build_request("GET", "/info").url) == "http://dpat.example/v1/info"
    client.base_url = "http://other.example/v2"  # type: ignore[assignment]
    assert str(client.build_request("GET", "/info").url) == "http://other.example/v2/info"
    for index in range(1000):
        assert client.build_request("GET", f"/slides/{index}/info").url.path == f"/v2/slides/{index}/info"
    assert len(client._merged) <= 256


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
        with pytest.raises(aio_pool.PoolClosedError, match="closed"):
            await asyncio.wait_for(waiting, BOUND)
        await holding.aclose()


class _Counting(httpx.AsyncBaseTransport):
    """Counts the requests the retry layer hands to ``inner``."""

    def __init__(self, inner: httpx.AsyncBaseTransport) -> None:
        self.inner, self.requests = inner, 0

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        self.requests += 1
        return await self.inner.handle_async_request(request)

    async def aclose(self) -> None:
        await self.inner.aclose()


async def test_closing_the_client_is_a_typed_error_for_waiting_and_retried_requests() -> None:
    """Through the retrying client: no retry of a request the closed pool never sent, no bare RuntimeError."""
    counting = _Counting(_transport(1))
    async with keep_alive_server() as server:
        client = build_async_client(server.url, transport=counting, timeout=httpx.Timeout(5.0, pool=None))
        holding = await client.send(client.build_request("GET", "/info"), stream=True)
        waiting = [asyncio.ensure_future(client.request(method, "/info")) for method in ("GET", "POST", "PUT")]
        await asyncio.sleep(0.05)
        await client.aclose()
        for request in waiting:
            with pytest.raises(aio_pool.PoolClosedError) as raised:
                await asyncio.wait_for(request, BOUND)
            error = error_for_failure(raised.value)
            assert isinstance(error, DPATConnectionError)
            assert "the client was closed" in str(error)
        await holding.aclose()
        assert server.connections == 1
        assert counting.requests == 4  # each once: the closed pool's error is not retried


@pytest.mark.parametrize("handed", ["slot", "connection"])
async def test_a_request_handed_a_slot_then_closed_out_opens_nothing(handed: str) -> None:
    """Woken with a free slot or a kept-alive connection, the pool closed before it ran: PoolClosedError, nothing
    sent, no slot kept."""
    transport = _transport(1)
    async with keep_alive_server() as server:
        client = _client(server.url, 1, transport=transport)
        holding = await client.send(client.build_request("GET", "/info"), stream=True)
        waiting = asyncio.ensure_future(client.get("/info"))
        await asyncio.sleep(0.05)
        if handed == "slot":
            await holding.aclose()  # body unread: the connection is dropped and its slot handed to the waiter
        else:
            await holding.aread()  # read to its end: the connection itself is handed to the waiter
        await transport.aclose()  # before the waiter runs
        with pytest.raises(aio_pool.PoolClosedError):
            await asyncio.wait_for(waiting, BOUND)
        assert (server.connections, server.answered, transport._count) == (1, 1, 0)
        await client.aclose()


async def test_a_request_connecting_when_the_pool_closes_does_not_complete(monkeypatch: pytest.MonkeyPatch) -> None:
    transport = _transport(1)
    real_connect = aio_pool.connect

    async def connect_then_close(*args: Any) -> aio_net.AsyncSocket:
        socket = await real_connect(*args)
        await transport.aclose()  # while this request was connecting
        return socket

    monkeypatch.setattr(aio_pool, "connect", connect_then_close)
    async with keep_alive_server() as server, _client(server.url, 1, transport=transport) as client:
        with pytest.raises(aio_pool.PoolClosedError):
            await asyncio.wait_for(client.get("/info"), BOUND)
        assert (server.answered, transport._count, transport._idle) == (0, 0, [])


def _closes_after_each_answer(head: bytes, body: bytes) -> bytes:
    return b"HTTP/1.1 200 OK\r\ncontent-length: 12\r\n\r\n" + BODY  # then closes: Connection: close unsaid


async def test_a_connection_handed_to_a_waiting_request_is_checked_first() -> None:
    """The server closes after each answer without saying so: the next waiter must not send on it."""
    async with scripted_server(_closes_after_each_answer) as server, _client(server.url, 1) as client:
        server.close_after_answer = True
        answers = await asyncio.wait_for(
            asyncio.gather(*(client.post("/results", content=b"{}") for _ in range(8))), BOUND
        )
        assert [answer.status_code for answer in answers] == [200] * 8
        assert server.connections == 8


async def test_the_kernel_is_asked_whether_an_idle_connection_was_closed() -> None:
    """Back to back, the server's FIN is in the kernel before the loop saw it: still a new connection."""
    async with scripted_server(_closes_after_each_answer) as server, _client(server.url, 1) as client:
        server.close_after_answer = True
        async with asyncio.timeout(BOUND):  # no task per request: the loop must not get a turn to see the FIN
            for _ in range(5):
                assert (await client.post("/results", content=b"{}")).status_code == 200
        assert server.connections == 5


async def test_a_host_name_idna_cannot_encode_is_a_connect_error() -> None:
    async with _client("http://" + "a" * 64 + ".example", 1) as client:
        with pytest.raises(httpx.ConnectError, match="idna"):
            await asyncio.wait_for(client.get("/info"), BOUND)


async def test_a_big_upload_is_not_copied_whole() -> None:
    body = bytes(64 * 1024 * 1024)
    received = 0

    async def discard(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        nonlocal received
        head = await reader.readuntil(b"\r\n\r\n")
        left = int(head.lower().split(b"content-length:")[1].split(b"\r\n")[0])
        while left:
            chunk = await reader.read(min(left, 1024 * 1024))
            received, left = received + len(chunk), left - len(chunk)
        writer.write(OK)
        await writer.drain()
        writer.close()

    server = await asyncio.start_server(discard, "127.0.0.1", 0)
    try:
        async with _client(f"http://127.0.0.1:{server.sockets[0].getsockname()[1]}", 1) as client:
            tracemalloc.start()
            try:
                answer = await asyncio.wait_for(client.post("/results", content=body), BOUND)
                peak = tracemalloc.get_traced_memory()[1]
            finally:
                tracemalloc.stop()
    finally:
        server.close()
    assert (answer.status_code, received) == (200, len(body))
    assert peak < 16 * 1024 * 1024  # one copy of the body (joined to its head, or in the socket's buffer): 64 MiB


# -- HTTP/1.1 over the lent connections -----------------------------------------------------------------


@dataclass
class ScriptedServer:
    """Answers each request with ``answer(head, body)`` (raw bytes, or None to close without answering)."""

    answer: Any
    url: str = ""
    connections: int = 0
    ended: int = 0  # connections whose client closed them
    bodies: list[bytes] = field(default_factory=list)
    close_after_answer: bool = False  # close each connection once it answered (no Connection: close said)

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                lowered = head.lower()
                body = b""
                if b"content-length:" in lowered:
                    length = int(lowered.split(b"content-length:")[1].split(b"\r\n")[0])
                    body = await reader.readexactly(length)
                elif b"transfer-encoding: chunked" in lowered:
                    body = await reader.readuntil(b"0\r\n\r\n")
                self.bodies.append(body)
                raw = self.answer(head, body)
                if raw is None:
                    break
                writer.write(raw)
                await writer.drain()
                if self.close_after_answer:
                    break
        except (asyncio.IncompleteReadError, ConnectionError):
            self.ended += 1
        except asyncio.CancelledError:  # the server closes at the end of the test
            pass
        finally:
            writer.close()


@asynccontextmanager
async def scripted_server(answer: Any) -> AsyncIterator[ScriptedServer]:
    state = ScriptedServer(answer)
    server = await asyncio.start_server(state.handle, "127.0.0.1", 0)
    state.url = f"http://127.0.0.1:{server.sockets[0].getsockname()[1]}"
    try:
        yield state
    finally:
        server.close()


OK = b"HTTP/1.1 200 OK\r\nContent-Length: 12\r\n\r\n" + BODY


@asynccontextmanager
async def answering(answer: Callable[[asyncio.StreamWriter], Awaitable[None]]) -> AsyncIterator[tuple[str, list[int]]]:
    """A server on 127.0.0.1 answering every request with ``answer``; yields its URL and connection count."""
    connections = [0]

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        connections[0] += 1
        try:
            while True:
                await reader.readuntil(b"\r\n\r\n")
                await answer(writer)
        except (asyncio.IncompleteReadError, ConnectionError, asyncio.CancelledError):
            pass
        finally:
            writer.close()

    server = await asyncio.start_server(handle, "127.0.0.1", 0)
    try:
        yield f"http://127.0.0.1:{server.sockets[0].getsockname()[1]}", connections
    finally:
        server.close()


def _always(raw: bytes) -> Any:
    return lambda head, body: raw


@pytest.mark.parametrize(
    "answer",
    [
        b"HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 12\r\n\r\n" + BODY,
        b"HTTP/1.0 200 OK\r\nContent-Length: 12\r\n\r\n" + BODY,
        OK + b"HTTP/1.1 200 OK\r\n",  # something unasked after the answer
    ],
    ids=["connection-close", "http-1.0", "trailing-bytes"],
)
async def test_an_answer_that_ends_its_connection_is_not_reused(answer: bytes) -> None:
    async with scripted_server(_always(answer)) as server, _client(server.url, 1) as client:
        for _ in range(3):
            assert (await asyncio.wait_for(client.get("/info"), BOUND)).json() == {"ok": True}
        assert server.connections == 3


async def test_bodies_chunked_empty_and_headless_and_informational_answers_skipped() -> None:
    def answer(head: bytes, body: bytes) -> bytes:
        path = head.split(b" ")[1]
        if path == b"/chunked":
            return b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n"
        if path == b"/none":
            return b"HTTP/1.1 204 No Content\r\n\r\n"
        if path == b"/same":
            return b"HTTP/1.1 304 Not Modified\r\nContent-Length: 12\r\n\r\n"
        if head.startswith(b"HEAD "):
            return OK[: -len(BODY)]  # a body here would be something unasked: the connection would be closed
        return OK

    async with scripted_server(answer) as server, _client(server.url, 1) as client:
        chunked = await asyncio.wait_for(client.get("/chunked"), BOUND)
        assert (chunked.status_code, chunked.content) == (200, b"hello")
        assert (await client.get("/none")).status_code == 204
        assert (await client.get("/same")).content == b""
        head = await client.head("/info")
        assert (head.status_code, head.content, head.headers["content-length"]) == (200, b"", "12")
        assert (await client.get("/info")).json() == {"ok": True}
        assert server.connections == 1  # every answer ended cleanly: one connection throughout


async def test_request_bodies_are_sent_in_memory_streamed_and_multipart() -> None:
    async def parts() -> AsyncIterator[bytes]:
        yield b'{"a":'
        yield b"1}"

    async with scripted_server(_always(OK)) as server, _client(server.url, 1) as client:
        await client.post("/results", json={"a": 1})
        await client.post("/results", content=parts())
        await client.post("/files", files={"file": ("x.bin", b"\x00\x01" * 1000)})
        assert server.bodies[0] == b'{"a":1}'
        assert server.bodies[1] == b'5\r\n{"a":\r\n2\r\n1}\r\n0\r\n\r\n'  # chunked, as h11 frames it
        assert b"\x00\x01" * 1000 in server.bodies[2]
        assert server.connections == 1


async def test_the_answer_carries_raw_headers_version_and_reason() -> None:
    raw = b"HTTP/1.1 201 Made It\r\nX-Odd-Case: v\r\nContent-Length: 12\r\n\r\n" + BODY
    async with scripted_server(_always(raw)) as server, _client(server.url, 1) as client:
        answer = await client.get("/info")
        assert answer.headers.raw[0] == (b"X-Odd-Case", b"v")
        assert answer.extensions["http_version"] == b"HTTP/1.1"
        assert answer.reason_phrase == "Made It"


async def test_headers_far_past_100_kib_are_a_remote_protocol_error() -> None:
    raw = b"HTTP/1.1 200 OK\r\nX-Big: " + b"a" * (200 * 1024) + b"\r\nContent-Length: 12\r\n\r\n" + BODY
    async with scripted_server(_always(raw)) as server, _client(server.url, 1) as client:
        with pytest.raises(httpx.RemoteProtocolError) as caught:
            await asyncio.wait_for(client.get("/info"), BOUND)
        assert caught.value.request.url.path == "/info"


async def test_a_server_closing_without_answering_is_a_remote_protocol_error() -> None:
    async with scripted_server(lambda head, body: None) as server, _client(server.url, 1) as client:
        with pytest.raises(httpx.RemoteProtocolError) as caught:
            await asyncio.wait_for(client.get("/info"), BOUND)
        assert caught.value.request.url.path == "/info"
        assert client._transport._count == 0  # type: ignore[attr-defined]


async def test_an_unsupported_scheme_is_refused_with_its_request() -> None:
    async with _client("http://127.0.0.1:1", 1) as client:
        with pytest.raises(httpx.UnsupportedProtocol) as caught:
            await client._transport.handle_async_request(httpx.Request("GET", "ftp://127.0.0.1/x"))
        assert caught.value.request.url.scheme == "ftp"


async def test_a_body_closed_unread_closes_its_connection() -> None:
    async with scripted_server(_always(OK)) as server, _client(server.url, 1) as client:
        async with client.stream("GET", "/info"):
            pass  # closed before its body was read
        assert (await asyncio.wait_for(client.get("/info"), BOUND)).json() == {"ok": True}
        assert server.connections == 2


async def test_idle_connections_past_max_keepalive_are_closed() -> None:
    async with scripted_server(_always(OK)) as server, _client(server.url, 3, transport=_transport(3, 1)) as client:
        held = [await client.send(client.build_request("GET", "/info"), stream=True) for _ in range(3)]
        for answer in held:
            await answer.aread()
        assert len(client._transport._idle) == 1  # type: ignore[attr-defined]
        while server.ended < 2:  # noqa: ASYNC110 (the server sees the two extra connections end)
            await asyncio.sleep(0.005)
        assert server.connections == 3


async def test_an_idle_connection_past_keepalive_expiry_is_not_reused() -> None:
    transport = _transport(1, keepalive_expiry=0.0)  # every idle connection has expired by the next request
    async with scripted_server(_always(OK)) as server, _client(server.url, 1, transport=transport) as client:
        for _ in range(3):
            assert (await asyncio.wait_for(client.get("/info"), BOUND)).json() == {"ok": True}
        assert server.connections == 3


async def test_requests_in_flight_never_exceed_max_connections() -> None:
    in_flight = peak = 0

    async def counted(writer: asyncio.StreamWriter) -> None:
        nonlocal in_flight, peak
        in_flight += 1
        peak = max(peak, in_flight)
        await asyncio.sleep(0.001)
        in_flight -= 1
        writer.write(OK)

    async with answering(counted) as (url, _), _client(url, 3) as client:
        answers = await asyncio.wait_for(asyncio.gather(*(client.get("/info") for _ in range(60))), BOUND)
        assert all(answer.json() == {"ok": True} for answer in answers)
        assert peak == 3
        assert client._transport._count == 3  # type: ignore[attr-defined]
        assert len(client._transport._idle) == 3  # type: ignore[attr-defined]


async def test_a_request_cancelled_mid_body_closes_its_connection() -> None:
    raw = b"HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\npart"  # the rest never comes
    async with scripted_server(_always(raw)) as server, _client(server.url, 1) as client:

        async def read_all() -> None:
            async with client.stream("GET", "/info") as answer:
                await answer.aread()

        reading = asyncio.ensure_future(read_all())
        while not server.bodies:  # noqa: ASYNC110 (the request reached the server)
            await asyncio.sleep(0.005)
        await asyncio.sleep(0.05)
        reading.cancel()
        with pytest.raises(asyncio.CancelledError):
            await reading
        pool = client._transport
        assert (pool._count, pool._idle, pool._lent) == (0, [], set())  # type: ignore[attr-defined]
        while server.ended < 1:  # noqa: ASYNC110 (the server sees the connection closed)
            await asyncio.sleep(0.005)


async def test_a_request_cancelled_while_connecting_frees_its_slot(monkeypatch: pytest.MonkeyPatch) -> None:
    async with scripted_server(_always(OK)) as server, _client(server.url, 1) as client:
        loop = asyncio.get_running_loop()
        real_sock_connect = loop.sock_connect
        hang = True

        async def sock_connect(sock: Any, address: Any) -> None:
            if hang:
                await asyncio.sleep(3600)
            await real_sock_connect(sock, address)

        monkeypatch.setattr(loop, "sock_connect", sock_connect)
        connecting = asyncio.ensure_future(client.get("/info"))
        await asyncio.sleep(0.05)
        connecting.cancel()
        with pytest.raises(asyncio.CancelledError):
            await connecting
        assert client._transport._count == 0  # type: ignore[attr-defined]
        hang = False
        assert (await asyncio.wait_for(client.get("/info"), BOUND)).json() == {"ok": True}


async def test_a_request_after_closing_the_pool_raises_and_opens_nothing() -> None:
    async with scripted_server(_always(OK)) as server:
        transport = _transport(1)
        async with httpx.AsyncClient(transport=transport) as client:
            assert (await client.get(f"{server.url}/info")).json() == {"ok": True}
        with pytest.raises(aio_pool.PoolClosedError, match="closed"):
            await transport.handle_async_request(httpx.Request("GET", f"{server.url}/info"))
        assert server.connections == 1
        assert transport._idle == []


async def test_an_answer_sent_before_the_whole_body_was_read_is_returned() -> None:
    """A server refusing an upload (413) and closing before reading it: the answer, not a write error."""

    async def refuse(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.readuntil(b"\r\n\r\n")
        writer.write(b"HTTP/1.1 413 Content Too Large\r\ncontent-length: 9\r\nconnection: close\r\n\r\ntoo large")
        await writer.drain()
        writer.transport.abort()  # unread body in the kernel: the client's next writes fail

    server = await asyncio.start_server(refuse, "127.0.0.1", 0)
    url = f"http://127.0.0.1:{server.sockets[0].getsockname()[1]}"
    try:
        async with _client(url, 1) as client:
            answer = await asyncio.wait_for(client.post("/results", content=bytes(64 * 1024 * 1024)), BOUND)
            assert (answer.status_code, answer.text) == (413, "too large")
    finally:
        server.close()


async def test_requests_that_gave_up_waiting_leave_the_queue() -> None:
    """Pool timeouts while every connection is held keep nothing (each waiter holds its request)."""
    timeout = httpx.Timeout(5.0, pool=0.01)
    transport = _transport(1)
    async with keep_alive_server() as server, _client(server.url, 1, timeout=timeout, transport=transport) as client:
        async with client.stream("GET", "/info") as holding:
            for _ in range(20):
                with pytest.raises(httpx.PoolTimeout):
                    await client.get("/info")
            cancelled = asyncio.ensure_future(client.get("/info"))
            await asyncio.sleep(0.005)
            cancelled.cancel()
            with pytest.raises(asyncio.CancelledError):
                await cancelled
            assert len(transport._waiting) == 0
            await holding.aread()


class _ProxyOf:
    """As wrapt's FunctionWrapper (OpenTelemetry's instrumentor): not a function, yet it gives the wrapped one's
    ``__module__`` and ``__qualname__``."""

    def __init__(self, wrapped: Any, wrapper: Any) -> None:
        self.__wrapped__, self._wrapper = wrapped, wrapper
        self.__module__, self.__qualname__ = wrapped.__module__, wrapped.__qualname__

    def __call__(self, *args: Any) -> Any:
        return self._wrapper(*args)


@pytest.mark.parametrize(
    "wrap", [functools.wraps, lambda original: lambda wrapper: _ProxyOf(original, wrapper)], ids=["wraps", "proxy"]
)
async def test_a_tracer_wrapping_httpx_s_transport_sees_every_request(
    monkeypatch: pytest.MonkeyPatch, wrap: Any
) -> None:
    """As OpenTelemetry and logfire do: a wrapper around the standard handler, calling it; nothing mocked."""
    original = httpx.AsyncHTTPTransport.handle_async_request
    traced: list[str] = []

    @wrap(original)
    async def tracing(self: Any, request: httpx.Request) -> httpx.Response:
        traced.append(request.url.path)
        return await original(self, request)

    monkeypatch.setattr(httpx.AsyncHTTPTransport, "handle_async_request", tracing)
    transport = _transport(1)
    async with keep_alive_server() as server, _client(server.url, 1, transport=transport) as client:
        for _ in range(3):
            assert (await client.get("/info")).json() == {"ok": True}
        standard = transport._standard
        assert standard is not None  # through the standard transport, not ours
        assert transport._count == 0
        closed: list[bool] = []
        real_aclose = standard.aclose

        async def aclose() -> None:
            closed.append(True)
            await real_aclose()

        monkeypatch.setattr(standard, "aclose", aclose)
    assert traced == ["/info"] * 3
    assert closed == [True]  # closing the client closes the standard transport too


async def test_a_patched_httpcore_pool_sees_every_request(monkeypatch: pytest.MonkeyPatch) -> None:
    """As respx does: while httpcore's pool method is replaced, requests go through it (pytest-httpx, which
    patches httpx's transport, is covered by the async QIDO unit tests)."""
    seen: list[str] = []

    async def double(pool: Any, request: Any) -> Any:
        seen.append(request.url.target.decode())
        return httpcore.Response(200, headers=[(b"content-type", b"application/json")], content=b'{"double": 1}')

    transport = _transport(1)
    async with keep_alive_server() as server, _client(server.url, 1, transport=transport) as client:
        assert (await client.get("/info")).json() == {"ok": True}
        assert transport._standard is None  # unpatched: the h11 path alone, nothing else made
        monkeypatch.setattr(httpcore.AsyncConnectionPool, "handle_async_request", double)
        assert (await client.get("/info")).json() == {"double": 1}
        monkeypatch.undo()
        assert (await client.get("/info")).json() == {"ok": True}
        assert (seen, server.connections) == (["/info"], 1)
