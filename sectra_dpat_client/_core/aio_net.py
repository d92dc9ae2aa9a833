"""Asyncio-native sockets for the async connection pool (`_core.aio_pool`): connect (happy eyeballs, TLS),
reads with a bounded read-ahead, writes with flow control, each with its own timeout and httpx's errors."""

from __future__ import annotations

import asyncio
import select
import ssl

import httpx

__all__ = ["HAPPY_EYEBALLS_DELAY", "AsyncSocket", "connect"]


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

    def take(self, max_bytes: int | None) -> bytearray:
        """What is buffered (at most ``max_bytes``); the socket is read again if it had been paused."""
        if max_bytes is not None and len(self.buffer) > max_bytes:
            data = self.buffer[:max_bytes]
            del self.buffer[:max_bytes]
        else:
            data, self.buffer = self.buffer, bytearray()
        if self.reading_paused and self.transport is not None:
            self.reading_paused = False
            self.transport.resume_reading()
        return data

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


def _expire(waiter: asyncio.Future[None]) -> None:
    if not waiter.done():
        waiter.set_exception(TimeoutError())


async def _wait(waiter: asyncio.Future[None], timeout: float | None) -> None:  # noqa: ASYNC109 (httpx's timeouts)
    """Until ``waiter`` is done; `TimeoutError` after ``timeout`` seconds (a timer, not a cancel scope)."""
    if timeout is None:
        await waiter
        return
    timer = asyncio.get_running_loop().call_later(timeout, _expire, waiter)
    try:
        await waiter
    finally:
        timer.cancel()


class AsyncSocket:
    """One plain TCP or TLS connection: reads, writes, its state while idle, closing."""

    def __init__(self, transport: asyncio.Transport, reader: _Reader) -> None:
        self._transport = transport
        self._reader = reader

    async def read(
        self,
        timeout: float | None,  # noqa: ASYNC109
        request: httpx.Request,
        max_bytes: int | None = None,
    ) -> bytearray:
        """What arrived (waiting for some, at most ``max_bytes``); empty at the end of the stream."""
        reader = self._reader
        if not reader.buffer and not reader.eof and not reader.closed:
            reader.waiter = asyncio.get_running_loop().create_future()
            try:
                await _wait(reader.waiter, timeout)
            except TimeoutError:
                raise httpx.ReadTimeout("timed out reading from the server", request=request) from None
        if reader.buffer:
            return reader.take(max_bytes)
        if reader.lost is not None:
            raise httpx.ReadError(str(reader.lost) or type(reader.lost).__name__, request=request)
        return bytearray()

    async def write(self, data: bytes | memoryview, timeout: float | None, request: httpx.Request) -> None:  # noqa: ASYNC109
        """Send ``data``, waiting while the socket's buffer is full."""
        if not data:
            return
        reader = self._reader
        if reader.closed or self._transport.is_closing():
            raise httpx.WriteError("the connection is closed", request=request)
        self._transport.write(data)
        if reader.paused:
            reader.drained = asyncio.get_running_loop().create_future()
            try:
                await _wait(reader.drained, timeout)
            except TimeoutError:
                raise httpx.WriteTimeout("timed out writing to the server", request=request) from None
            if reader.closed:
                raise httpx.WriteError("the connection was closed while writing", request=request)

    def stale(self) -> bool:
        """Whether an idle connection is unusable: the server closed it or sent something unasked."""
        reader = self._reader
        if reader.buffer or reader.eof or reader.closed:
            return True
        sock = self._transport.get_extra_info("socket")
        return sock is None or _readable(sock.fileno())

    def close(self) -> None:
        self._transport.close()

    @property
    def closed(self) -> bool:
        return self._reader.closed or self._transport.is_closing()


def _readable(fileno: int) -> bool:
    """Whether the socket has something to read now (the loop may not have polled it yet)."""
    if fileno < 0:
        return True
    if hasattr(select, "poll"):
        poller = select.poll()
        poller.register(fileno, select.POLLIN)
        return bool(poller.poll(0))
    return bool(select.select([fileno], [], [], 0)[0])  # pragma: no cover - platforms without poll


async def connect(
    host: str,
    port: int,
    request: httpx.Request,
    timeout: float | None = None,  # noqa: ASYNC109
    ssl_context: ssl.SSLContext | None = None,
    server_hostname: str | None = None,
) -> AsyncSocket:
    """A connection to ``host:port`` (every resolved address tried, happy eyeballs), TLS if ``ssl_context``."""
    loop = asyncio.get_running_loop()
    transport: asyncio.BaseTransport | None = None
    try:
        async with asyncio.timeout(timeout):
            # happy eyeballs, as anyio.connect_tcp: an address that never answers (a broken IPv6
            # route) must not use up the whole connect timeout before the next is tried
            transport, reader = await loop.create_connection(
                _Reader, host, port, happy_eyeballs_delay=HAPPY_EYEBALLS_DELAY
            )
            if ssl_context is not None:
                plain, transport = transport, None
                try:
                    transport = await loop.start_tls(
                        plain, reader, ssl_context, server_hostname=server_hostname or host
                    )
                finally:
                    if transport is None:
                        plain.close()
                if transport is None:  # pragma: no cover - start_tls returns None only for a closed transport
                    raise httpx.ConnectError("the connection closed during the TLS handshake", request=request)
                assert isinstance(transport, asyncio.Transport)
                reader.transport = transport  # asyncio calls no connection_made for the TLS transport
    except TimeoutError:
        _close(transport)
        raise httpx.ConnectTimeout(f"timed out connecting to {host}:{port}", request=request) from None
    except (OSError, UnicodeError) as exc:  # ssl.SSLError included; UnicodeError: a name idna cannot encode
        _close(transport)
        raise httpx.ConnectError(str(exc) or type(exc).__name__, request=request) from exc
    except BaseException:
        _close(transport)
        raise
    assert isinstance(transport, asyncio.Transport)
    return AsyncSocket(transport, reader)


def _close(transport: asyncio.BaseTransport | None) -> None:
    if transport is not None:
        transport.close()
