"""The connection layer under every async client: one shard's connection pool and asyncio-native sockets.

httpcore's `AsyncConnectionPool` re-examines every connection (a readability probe each) and every waiting
request on each request and each closed body, and its default network backend goes through anyio (a
cancel scope per read and write, a rebuilt attribute table per probe). Under `ShardedPool` a shard never
holds more requests than connections, so `LendingPool` lends a connection to one request until its body
is closed: the request takes the most recently returned idle connection of its origin (probed once) or
opens one. `AsyncioBackend` reads and writes through an asyncio transport and `asyncio.timeout`.
httpcore's HTTP/1.1 connections, httpx's exception mapping and every timeout stay as they were.
"""

from __future__ import annotations

import asyncio
import ssl
from collections import deque
from collections.abc import AsyncIterator, Iterable
from contextlib import suppress
from typing import Any

import httpcore
import httpx
from httpcore._utils import is_socket_readable

__all__ = ["AsyncioBackend", "AsyncioStream", "LendingPool", "lending_transport"]


_READ_AHEAD = 1024 * 1024  # bytes held unread before the socket is no longer read (a slow consumer)
HAPPY_EYEBALLS_DELAY = 0.25  # s before the next resolved address is tried (as anyio.connect_tcp)


class _Reader(asyncio.Protocol):
    """What the socket delivered, kept until read (at most about `_READ_AHEAD`); the connection's end and
    flow control."""

    def __init__(self) -> None:
        self.transport: asyncio.Transport | None = None
        self.reading_paused = False
        self.buffer = bytearray()
        self.eof = False
        self.lost: Exception | None = None
        self.closed = False
        self.waiter: asyncio.Future[None] | None = None
        self.paused = False
        self.drained: asyncio.Future[None] | None = None

    def _wake(self) -> None:
        waiter, self.waiter = self.waiter, None
        if waiter is not None and not waiter.done():
            waiter.set_result(None)

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport

    def data_received(self, data: bytes) -> None:
        self.buffer += data
        if len(self.buffer) > _READ_AHEAD and not self.reading_paused and self.transport is not None:
            self.reading_paused = True
            self.transport.pause_reading()
        self._wake()

    def consumed(self) -> None:
        """Some of the buffer was read: read the socket again once it is below half the read-ahead."""
        if self.reading_paused and len(self.buffer) <= _READ_AHEAD // 2 and self.transport is not None:
            self.reading_paused = False
            self.transport.resume_reading()

    def eof_received(self) -> bool | None:
        self.eof = True
        self._wake()
        return None  # the transport closes itself

    def connection_lost(self, exc: Exception | None) -> None:
        self.closed = True
        self.lost = exc
        self._wake()
        self.resume_writing()

    def pause_writing(self) -> None:
        self.paused = True

    def resume_writing(self) -> None:
        self.paused = False
        drained, self.drained = self.drained, None
        if drained is not None and not drained.done():
            drained.set_result(None)


class AsyncioStream(httpcore.AsyncNetworkStream):
    """An httpcore network stream over an asyncio transport (plain TCP or TLS)."""

    def __init__(self, transport: asyncio.Transport, reader: _Reader) -> None:
        self._transport = transport
        self._reader = reader

    async def read(self, max_bytes: int, timeout: float | None = None) -> bytes:  # noqa: ASYNC109 (httpcore's)
        reader = self._reader
        if not reader.buffer and not reader.eof and not reader.closed:
            waiter = reader.waiter = asyncio.get_running_loop().create_future()
            try:
                async with asyncio.timeout(timeout):
                    await waiter
            except TimeoutError:
                raise httpcore.ReadTimeout("timed out reading from the server") from None
        if reader.buffer:
            data = bytes(memoryview(reader.buffer)[:max_bytes])
            del reader.buffer[:max_bytes]
            reader.consumed()
            return data
        if reader.lost is not None:
            raise httpcore.ReadError(str(reader.lost) or type(reader.lost).__name__)
        return b""  # end of stream, as httpcore expects it

    async def write(self, buffer: bytes, timeout: float | None = None) -> None:  # noqa: ASYNC109
        if not buffer:
            return
        reader = self._reader
        if reader.closed or self._transport.is_closing():
            raise httpcore.WriteError("the connection is closed")
        self._transport.write(buffer)
        if reader.paused:
            drained = reader.drained = asyncio.get_running_loop().create_future()
            try:
                async with asyncio.timeout(timeout):
                    await drained
            except TimeoutError:
                raise httpcore.WriteTimeout("timed out writing to the server") from None
            if reader.closed:
                raise httpcore.WriteError("the connection was closed while writing")

    async def aclose(self) -> None:
        self._transport.close()

    async def start_tls(
        self,
        ssl_context: ssl.SSLContext,
        server_hostname: str | None = None,
        timeout: float | None = None,  # noqa: ASYNC109
    ) -> httpcore.AsyncNetworkStream:
        loop = asyncio.get_running_loop()
        try:
            async with asyncio.timeout(timeout):
                transport = await loop.start_tls(
                    self._transport, self._reader, ssl_context, server_hostname=server_hostname
                )
        except TimeoutError:
            self._transport.close()
            raise httpcore.ConnectTimeout("timed out in the TLS handshake") from None
        except (OSError, ssl.SSLError) as exc:
            self._transport.close()
            raise httpcore.ConnectError(str(exc)) from exc
        if transport is None:  # pragma: no cover - start_tls returns None only for a closed transport
            raise httpcore.ConnectError("the connection closed during the TLS handshake")
        assert isinstance(transport, asyncio.Transport)
        self._reader.transport = transport  # asyncio calls no connection_made for the TLS transport
        return AsyncioStream(transport, self._reader)

    def get_extra_info(self, info: str) -> Any:
        if info == "is_readable":  # an idle connection the server closed or wrote to
            reader = self._reader
            return bool(reader.buffer) or reader.eof or reader.closed or is_socket_readable(self._socket())
        if info == "ssl_object":
            return self._transport.get_extra_info("ssl_object")
        if info == "client_addr":
            return self._transport.get_extra_info("sockname")
        if info == "server_addr":
            return self._transport.get_extra_info("peername")
        if info == "socket":
            return self._socket()
        return None

    def _socket(self) -> Any:
        """The transport's socket (asyncio's wrapper of it: fileno, getsockopt, ...), or None once closed."""
        return self._transport.get_extra_info("socket")


class AsyncioBackend(httpcore.AsyncNetworkBackend):
    """httpcore's network backend on asyncio directly; what it does not do itself (Unix sockets, socket
    options, a local address) goes to httpcore's own backend."""

    def __init__(self) -> None:
        self._fallback = httpcore.AnyIOBackend()

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,  # noqa: ASYNC109
        local_address: str | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        if local_address is not None or socket_options:
            return await self._fallback.connect_tcp(host, port, timeout, local_address, socket_options)
        loop = asyncio.get_running_loop()
        try:
            async with asyncio.timeout(timeout):
                # happy eyeballs, as anyio.connect_tcp: an address that never answers (a broken IPv6
                # route) must not use up the whole connect timeout before the next is tried
                transport, reader = await loop.create_connection(
                    _Reader, host, port, happy_eyeballs_delay=HAPPY_EYEBALLS_DELAY
                )
        except TimeoutError:
            raise httpcore.ConnectTimeout(f"timed out connecting to {host}:{port}") from None
        except OSError as exc:
            raise httpcore.ConnectError(str(exc)) from exc
        assert isinstance(transport, asyncio.Transport)
        return AsyncioStream(transport, reader)

    async def connect_unix_socket(
        self,
        path: str,
        timeout: float | None = None,  # noqa: ASYNC109
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        return await self._fallback.connect_unix_socket(path, timeout, socket_options)

    async def sleep(self, seconds: float) -> None:
        await asyncio.sleep(seconds)


class LendingPool(httpcore.AsyncConnectionPool):
    """httpcore's pool with its bookkeeping replaced: each request borrows one connection until its body
    is closed (most recently returned first, probed once); at ``max_connections`` lent, requests wait in
    order within their pool timeout. Everything else (connections, proxies, TLS) is httpcore's."""

    def __init__(self, **options: Any) -> None:
        super().__init__(**options)
        self._idle: list[httpcore.AsyncConnectionInterface] = []
        self._waiting: deque[asyncio.Future[None]] = deque()

    async def handle_async_request(self, request: httpcore.Request) -> httpcore.Response:
        scheme = request.url.scheme.decode()
        if scheme not in ("http", "https", "ws", "wss"):
            raise httpcore.UnsupportedProtocol(f"Request URL has an unsupported protocol '{scheme}://'.")
        timeouts = request.extensions.get("timeout", {})
        connection = await self._borrow(request.url.origin, timeouts.get("pool"))
        try:
            response = await connection.handle_async_request(request)
        except BaseException:
            self._give_back(connection)
            raise
        return httpcore.Response(
            status=response.status,
            headers=response.headers,
            content=_LentBody(response.stream, self, connection),
            extensions=response.extensions,
        )

    async def _borrow(self, origin: httpcore.Origin, pool_timeout: float | None) -> httpcore.AsyncConnectionInterface:
        while True:
            connection = await self._take_idle(origin)
            if connection is not None:
                return connection
            if len(self._connections) < self._max_connections:
                connection = self.create_connection(origin)
                self._connections.append(connection)
                return connection
            if self._idle:  # the idle ones are for other origins: close one to open ours
                await self._close(self._idle.pop(0))
                continue
            await self._wait(pool_timeout)

    async def _take_idle(self, origin: httpcore.Origin) -> httpcore.AsyncConnectionInterface | None:
        idle = self._idle
        for index in range(len(idle) - 1, -1, -1):
            connection = idle[index]
            if not connection.can_handle_request(origin):
                continue
            del idle[index]
            if connection.is_available() and not connection.has_expired():
                return connection
            await self._close(connection)
        return None

    async def _wait(self, pool_timeout: float | None) -> None:
        waiter = asyncio.get_running_loop().create_future()
        self._waiting.append(waiter)
        try:
            async with asyncio.timeout(pool_timeout):
                await waiter
        except TimeoutError:
            self._pass_on(waiter)
            raise httpcore.PoolTimeout("no connection became free within the pool timeout") from None
        except asyncio.CancelledError:
            self._pass_on(waiter)
            raise
        finally:
            if waiter in self._waiting:
                self._waiting.remove(waiter)

    def _pass_on(self, waiter: asyncio.Future[None]) -> None:
        """A waiter leaves (cancelled, timed out): if it had been woken already, wake the next one instead."""
        if waiter.done() and not waiter.cancelled() and waiter.exception() is None:
            self._wake_next()

    def _wake_next(self) -> None:
        while self._waiting:
            waiter = self._waiting.popleft()
            if not waiter.done():
                waiter.set_result(None)
                break

    def _give_back(self, connection: httpcore.AsyncConnectionInterface) -> None:
        """The request is done with ``connection``: idle again (reused next), out of the pool if it closed;
        anything else (a request stopped mid-way) goes to the far end of the idle list, closed when probed."""
        if connection.is_closed():
            if connection in self._connections:
                self._connections.remove(connection)
        elif connection.is_idle():
            self._idle.append(connection)
        else:
            self._idle.insert(0, connection)
        self._wake_next()

    async def _close(self, connection: httpcore.AsyncConnectionInterface) -> None:
        if connection in self._connections:
            self._connections.remove(connection)
        with suppress(Exception):  # closing a socket that is already gone
            await connection.aclose()

    async def aclose(self) -> None:
        waiting, self._waiting = list(self._waiting), deque()
        for waiter in waiting:  # requests still waiting for a connection fail now instead of hanging
            if not waiter.done():
                waiter.set_exception(httpcore.PoolTimeout("the connection pool was closed while waiting for it"))
        connections, self._connections, self._idle = list(self._connections), [], []
        for connection in connections:
            with suppress(Exception):  # closing a socket that is already gone
                await connection.aclose()


class _LentBody:
    """The body of a lent connection's answer: closing it gives the connection back to its pool."""

    def __init__(self, stream: Any, pool: LendingPool, connection: httpcore.AsyncConnectionInterface) -> None:
        self._stream = stream
        self._pool: LendingPool | None = pool
        self._connection = connection

    async def __aiter__(self) -> AsyncIterator[bytes]:
        try:
            async for part in self._stream:
                yield part
        except BaseException:
            await self.aclose()
            raise

    async def aclose(self) -> None:
        pool, self._pool = self._pool, None
        if pool is None:
            return
        try:
            if hasattr(self._stream, "aclose"):
                await self._stream.aclose()
        finally:
            pool._give_back(self._connection)


def lending_transport(limits: httpx.Limits, ssl_context: ssl.SSLContext) -> httpx.AsyncHTTPTransport:
    """httpx's async transport (its request mapping and errors) over a `LendingPool` on `AsyncioBackend`.

    httpx offers no public way to give its transport a pool, so the pool is replaced in place; should
    httpx's internals change, the transport keeps httpcore's own pool.
    """
    transport = httpx.AsyncHTTPTransport(verify=ssl_context, limits=limits)
    if type(getattr(transport, "_pool", None)) is httpcore.AsyncConnectionPool:
        transport._pool = LendingPool(
            ssl_context=ssl_context,
            max_connections=limits.max_connections,
            max_keepalive_connections=limits.max_keepalive_connections,
            keepalive_expiry=limits.keepalive_expiry,
            network_backend=AsyncioBackend(),
        )
    return transport
