"""The connection pool under every async client: an httpx transport speaking HTTP/1.1 with h11 over
asyncio-native sockets (`_core.aio_net`).

Each request borrows one connection until its answer's body is read to its end or closed: the most
recently returned idle connection of its origin (dropped instead if the server closed it, wrote to it or
it outlived ``keepalive_expiry``) or a new one. At ``max_connections`` lent, requests wait in arrival
order, within their pool timeout, and a returned connection (or a freed slot) goes straight to the first
waiter, which checks it as an idle one is checked. A caller may first wait for its turn
(`LendingTransport.wait_turn`, before it builds a request): while every connection is lent, or
others wait, it queues until one comes back, so a burst of thousands of calls spends its per-request work
as connections free up instead of all of it up front while answers wait unread; that wait and the pool's
together stay within the pool timeout (and the call's deadline counts from the turn's start). A wake-up
whose call never came to borrow (it failed or was cancelled first) goes on to the next caller once the
caller ends its turn (`LendingTransport.end_turn`). Closing the pool fails waiting requests, and any later one, with
`PoolClosedError` (never retried: this pool will send nothing more). In-memory bodies over 256 KiB are written
in 1 MiB slices, so the socket's buffer holds no second copy of an upload. A connection is kept alive only
when both sides finished the exchange (h11 DONE/DONE); anything else (``Connection: close``, HTTP/1.0, a
body left unread, an error, a cancellation) closes it. A request marked ``BUFFER_BODY`` (`_core.transports`:
its whole body is read right away, as every non-streamed IA-API call's is) whose body came in with its head
gets that body in memory, and its connection goes back at once, before the caller even parses the answer;
when a caller was woken for that connection, its request is sent first (one pass of the event loop), so the
next exchange's latency starts before this answer's processing rather than after it.

Whatever replaces httpx's or httpcore's standard async transport method still sees every request: test
doubles (pytest-httpx patches ``httpx.AsyncHTTPTransport.handle_async_request``, respx
``httpcore.AsyncConnectionPool``'s, unittest.mock either) and tracers' wrappers (OpenTelemetry, logfire).
While such a patch is in place, requests go through a standard ``httpx.AsyncHTTPTransport`` made with the
same limits and TLS context (said once per client in an INFO log line).
"""

from __future__ import annotations

import asyncio
import logging
import ssl
import sys
import time
from collections import deque
from collections.abc import AsyncIterator
from contextlib import suppress
from types import FunctionType
from typing import Any

import h11
import httpcore
import httpx

from .aio_net import AsyncSocket, connect
from .transports import BUFFER_BODY, CALL_STARTED

__all__ = ["MAX_HEADER_BYTES", "LendingTransport", "PoolClosedError"]

_POOL_DEADLINE = "sectra_dpat_client.pool_deadline"  # request extension: when its turn's wait began + pool timeout
_WAKE = "sectra_dpat_client.wake"  # request extension: the wake-up its caller's turn was given (a `_Wake`)

logger = logging.getLogger(__name__)

MAX_HEADER_BYTES = 100 * 1024  # an answer's status line and headers (as httpcore's)
_HEAD_READ_BYTES = 64 * 1024  # fed to h11 at a time while it reads a head, so the cap above is checked
_DEFAULT_PORTS = {b"http": 80, b"https": 443}
_JOINED_BYTES = 256 * 1024  # an in-memory request up to this size goes out in one write, a bigger one in slices
_WRITE_SLICE = 1024 * 1024  # so the socket's buffer never holds a second copy of a big upload

_Origin = tuple[bytes, bytes, int]

# The standard handlers' module and name, to know them by what they are (not by what this module found at
# import: a double active when the package is first imported is still seen as one).
_STANDARD_HANDLERS = (
    ("httpx._transports.default", "AsyncHTTPTransport.handle_async_request"),
    ("httpcore._async.connection_pool", "AsyncConnectionPool.handle_async_request"),
)
_checked: tuple[object, object, bool] = (None, None, False)  # the handlers last looked at; whether one is patched


def _standard_is_patched() -> bool:
    """Whether something (pytest-httpx, respx, unittest.mock, a tracer's wrapper) replaced a standard handler."""
    global _checked
    handlers: tuple[object, object] = (
        httpx.AsyncHTTPTransport.handle_async_request,
        httpcore.AsyncConnectionPool.handle_async_request,
    )
    if handlers[0] is _checked[0] and handlers[1] is _checked[1]:
        return _checked[2]
    patched = not all(  # type(), not isinstance(): a wrapt proxy (as tracers install) passes isinstance as its target
        type(handler) is FunctionType
        and getattr(handler, "__module__", None) == module
        and getattr(handler, "__qualname__", None) == name
        and handler.__code__.co_filename == getattr(sys.modules.get(module), "__file__", None)  # not functools.wraps
        for handler, (module, name) in zip(handlers, _STANDARD_HANDLERS, strict=True)
    )
    _checked = (*handlers, patched)
    return patched


class _Wake:
    """A wake-up a caller's turn was given: held until its request borrows, else passed on (`end_turn`)."""

    __slots__ = ("held",)

    def __init__(self) -> None:
        self.held = True


class PoolClosedError(httpx.TransportError):
    """The client was closed before the request (or its retry) could be sent; never retried."""


class _Connection:
    """One socket and its HTTP/1.1 state machine, lent to one request at a time."""

    __slots__ = ("h11", "idle_since", "origin", "socket")

    def __init__(self, socket: AsyncSocket, origin: _Origin) -> None:
        self.socket = socket
        self.origin = origin
        self.h11 = h11.Connection(h11.CLIENT, max_incomplete_event_size=MAX_HEADER_BYTES)
        self.idle_since = 0.0

    async def send(self, request: httpx.Request, timeouts: dict[str, Any]) -> h11.Response:
        """Send ``request`` (its body from ``request.stream``) and read the answer's head (1xx skipped)."""
        state, write, write_timeout = self.h11, self.socket.write, timeouts.get("write")
        unsent: httpx.WriteError | None = None
        try:
            head = state.send(
                h11.Request(method=request.method, target=request.url.raw_path, headers=request.headers.raw)
            )
            stream = request.stream
            if isinstance(stream, httpx.ByteStream):  # in memory: one write, or slices of a big one
                parts = [head or b""]
                parts.extend(state.send(h11.Data(data=part)) or b"" for part in stream if part)
                parts.append(state.send(h11.EndOfMessage()) or b"")
                if sum(map(len, parts)) <= _JOINED_BYTES:
                    await write(b"".join(parts), write_timeout, request)
                else:
                    for part in parts:
                        view = memoryview(part)
                        for start in range(0, len(view), _WRITE_SLICE):
                            await write(view[start : start + _WRITE_SLICE], write_timeout, request)
            else:
                await write(head or b"", write_timeout, request)
                async for part in stream:  # type: ignore[union-attr]
                    if part:
                        await write(state.send(h11.Data(data=part)) or b"", write_timeout, request)
                await write(state.send(h11.EndOfMessage()) or b"", write_timeout, request)
        except h11.LocalProtocolError as exc:
            raise httpx.LocalProtocolError(str(exc), request=request) from exc
        except httpx.WriteError as exc:  # the server may have answered (413, 401) and closed before the body's end
            unsent = exc
        read_timeout = timeouts.get("read")
        try:
            while True:
                event = await self.next_event(read_timeout, request)
                if isinstance(event, h11.Response):
                    return event
                if not isinstance(event, h11.InformationalResponse):  # pragma: no cover - h11 gives nothing else
                    raise httpx.RemoteProtocolError(f"unexpected {type(event).__name__}", request=request)
        except httpx.HTTPError:
            if unsent is not None:
                raise unsent from None  # no answer either: the failed write is what went wrong
            raise

    async def next_event(self, timeout: float | None, request: httpx.Request) -> Any:  # noqa: ASYNC109
        """The next h11 event of the answer, reading the socket as needed."""
        state = self.h11
        try:
            while True:
                event = state.next_event()
                if event is not h11.NEED_DATA:
                    return event
                head = state.their_state is h11.SEND_RESPONSE
                data = await self.socket.read(timeout, request, _HEAD_READ_BYTES if head else None)
                if not data and head:
                    raise httpx.RemoteProtocolError(
                        "the server closed the connection without answering", request=request
                    )
                state.receive_data(data)  # type: ignore[arg-type]  # h11 appends it to a bytearray
        except h11.RemoteProtocolError as exc:
            raise httpx.RemoteProtocolError(str(exc), request=request) from exc

    def received_body(self) -> tuple[list[bytes], bool, h11.RemoteProtocolError | None]:
        """The body parts of the answer already received (no socket read), whether they are all of it, and the
        protocol error that stopped h11 from giving more, if one did."""
        state = self.h11
        parts: list[bytes] = []
        while True:
            try:
                event = state.next_event()
            except h11.RemoteProtocolError as exc:
                return parts, False, exc
            if type(event) is h11.Data:
                parts.append(bytes(event.data))
            else:
                return parts, type(event) is h11.EndOfMessage, None

    def reusable(self) -> bool:
        """Both sides finished the exchange and nothing unasked followed: ready for the next request."""
        state = self.h11
        if state.our_state is not h11.DONE or state.their_state is not h11.DONE or state.trailing_data[0]:
            return False
        state.start_next_cycle()
        return True


class _Body(httpx.AsyncByteStream):
    """An answer's body; read to its end or closed, it gives its connection back to the pool."""

    def __init__(
        self,
        pool: LendingTransport,
        connection: _Connection,
        request: httpx.Request,
        timeout: Any,
        received: tuple[list[bytes], h11.RemoteProtocolError | None] = ([], None),
    ) -> None:
        self._pool: LendingTransport | None = pool
        self._connection = connection
        self._request = request
        self._timeout: float | None = timeout
        self._received = received  # parts already taken from h11, and the error that stopped it

    async def __aiter__(self) -> AsyncIterator[bytes]:
        connection, request, timeout = self._connection, self._request, self._timeout
        parts, failure = self._received
        self._received = ([], None)
        for part in parts:
            if self._pool is None:  # closed meanwhile
                return
            yield part
        if failure is not None and self._pool is not None:
            self._give_back()
            raise httpx.RemoteProtocolError(str(failure), request=request) from failure
        while self._pool is not None:
            try:
                event = await connection.next_event(timeout, request)
            except BaseException:
                self._give_back()
                raise
            if type(event) is h11.Data:
                yield bytes(event.data)
            elif type(event) is h11.EndOfMessage:
                self._give_back()

    def _give_back(self) -> None:
        pool, self._pool = self._pool, None
        if pool is not None:
            pool.give_back(self._connection)

    async def aclose(self) -> None:
        self._give_back()


class LendingTransport(httpx.AsyncBaseTransport):
    """httpx's async transport for HTTP/1.1 over `_core.aio_net` sockets, one request per connection at a
    time, within ``limits`` (see the module docstring)."""

    def __init__(self, limits: httpx.Limits, ssl_context: ssl.SSLContext) -> None:
        ssl_context.set_alpn_protocols(["http/1.1"])
        self._ssl_context = ssl_context
        self._max_connections = sys.maxsize if limits.max_connections is None else limits.max_connections
        keep = limits.max_keepalive_connections
        self._max_idle = self._max_connections if keep is None else min(keep, self._max_connections)
        self._expiry = limits.keepalive_expiry
        self._count = 0  # connections open or opening, idle or lent
        self._idle: list[_Connection] = []  # most recently returned last
        self._lent: set[_Connection] = set()
        self._waiting: deque[asyncio.Future[_Connection | None]] = deque()
        self._turns: deque[asyncio.Future[bool]] = deque()  # callers waiting for their turn (`wait_turn`)
        self._closed = False
        self._limits = limits
        self._standard: httpx.AsyncHTTPTransport | None = None  # made once a double or tracer patches httpx

    def _patched_standard(self) -> httpx.AsyncHTTPTransport | None:
        """The standard transport to send through while a double or tracer patches httpx or httpcore."""
        if not _standard_is_patched():
            return None
        if self._standard is None:
            logger.info(
                "httpx's or httpcore's standard async transport is patched (a test double or a tracer):"
                " this async client sends through a standard httpx.AsyncHTTPTransport while the patch is in place"
            )
            self._standard = httpx.AsyncHTTPTransport(verify=self._ssl_context, limits=self._limits)
        return self._standard

    async def wait_turn(self, pool_timeout: float | None, deadline: float | None = None) -> dict[str, Any]:
        """Return once a request built now could borrow a connection at once (one is idle or a slot is free,
        and no one waits ahead), or ``pool_timeout`` (or the call's ``deadline``) passed. Returns the extensions
        to put on that request: the pool then waits only for what is left of its pool timeout, the deadline
        counts from the start of this wait, and the wake-up is the request's. Pass the result to `end_turn`
        once the call is over, sent or not."""
        if self._closed or (not self._turns and self._free()):
            return {}
        loop = asyncio.get_running_loop()
        turn: asyncio.Future[bool] = loop.create_future()  # True: woken; False: its pool timeout passed
        self._turns.append(turn)
        started = time.monotonic()
        extensions: dict[str, Any] = {CALL_STARTED: started}
        if pool_timeout is not None:
            extensions[_POOL_DEADLINE] = started + pool_timeout
        limit = min((t for t in (pool_timeout, deadline) if t is not None), default=None)
        timer = None if limit is None else loop.call_later(limit, _end_wait, turn)
        woken = False
        try:
            woken = await turn
        except BaseException:
            if turn.done() and not turn.cancelled() and turn.result():  # woken and cancelled in one step
                self._next_turn()
            raise
        finally:
            if timer is not None:
                timer.cancel()
            if not woken:  # gave up or cancelled: it leaves the queue
                with suppress(ValueError):
                    self._turns.remove(turn)
        if woken:
            extensions[_WAKE] = _Wake()
        return extensions

    def end_turn(self, turn: dict[str, Any]) -> None:
        """The call ``turn`` (from `wait_turn`) was for is over: a wake-up its request never used to borrow
        (it failed or was cancelled before) goes to the next caller waiting, if a connection or slot is free."""
        wake = turn.get(_WAKE)
        if isinstance(wake, _Wake) and wake.held:
            wake.held = False
            if not self._closed and self._free():
                self._next_turn()

    def _free(self) -> bool:
        """Whether a request could borrow now: a connection is idle or a slot is free, and none waits ahead."""
        return not self._waiting and bool(self._idle or self._count < self._max_connections)

    def _next_turn(self) -> bool:
        """A connection or slot is free and no request waits in the pool: the first caller waiting its turn goes
        (True if there was one)."""
        turns = self._turns
        while turns:
            turn = turns.popleft()
            if not turn.done():
                turn.set_result(True)
                return True
        return False

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        url = request.url
        if url.raw_scheme not in _DEFAULT_PORTS:
            raise httpx.UnsupportedProtocol(
                f"Request URL has an unsupported protocol '{url.scheme}://'.", request=request
            )
        if self._closed:
            raise PoolClosedError("the client was closed", request=request)
        standard = self._patched_standard()
        if standard is not None:
            return await httpx.AsyncHTTPTransport.handle_async_request(standard, request)
        timeouts = request.extensions.get("timeout") or {}
        connection = await self._borrow(request, timeouts)
        self._lent.add(connection)
        try:
            head = await connection.send(request, timeouts)
        except BaseException:
            self.give_back(connection)
            raise
        stream: httpx.AsyncByteStream
        if request.extensions.get(BUFFER_BODY) is True:
            parts, ended, failure = connection.received_body()
            if ended:  # all of it came with the head: the connection is free for the next request now
                if self.give_back(connection):
                    # a caller was woken for it: its request goes out before this answer is processed
                    await asyncio.sleep(0)
                stream = httpx.ByteStream(parts[0] if len(parts) == 1 else b"".join(parts))
            else:
                stream = _Body(self, connection, request, timeouts.get("read"), (parts, failure))
        else:
            stream = _Body(self, connection, request, timeouts.get("read"))
        return httpx.Response(
            head.status_code,
            headers=head.headers.raw_items(),
            stream=stream,
            extensions={"http_version": b"HTTP/" + head.http_version, "reason_phrase": head.reason},
        )

    async def _borrow(self, request: httpx.Request, timeouts: dict[str, Any]) -> _Connection:
        url = request.url
        wake = request.extensions.pop(_WAKE, None)
        if isinstance(wake, _Wake):
            wake.held = False  # used: this request now waits or borrows in the pool's own order
        pool_timeout = _pool_wait(request, timeouts.get("pool"))
        origin = (url.raw_scheme, url.raw_host, url.port or _DEFAULT_PORTS[url.raw_scheme])
        connection = self._take_idle(origin)
        if connection is not None:
            return connection
        if self._count >= self._max_connections and self._idle:  # idle for other origins: make room for ours
            self._drop(self._idle.pop(0))
        if self._count < self._max_connections:
            self._count += 1
        else:
            connection = await self._wait(pool_timeout, request)
            if connection is not None:  # handed over as it came back: the server may have closed it meanwhile
                if connection.origin == origin and not connection.socket.stale() and not self._closed:
                    return connection
                connection.socket.close()  # its slot is ours
        if self._closed:  # closed while this request waited
            self._free_slot()
            raise PoolClosedError("the client was closed", request=request)
        try:
            host = url.raw_host.decode("ascii")
            tls = self._ssl_context if url.raw_scheme == b"https" else None
            server_hostname = request.extensions.get("sni_hostname") or host
            socket = await connect(host, origin[2], request, timeouts.get("connect"), tls, server_hostname)
        except BaseException:
            self._free_slot()
            raise
        if self._closed:  # closed while this request connected
            socket.close()
            self._free_slot()
            raise PoolClosedError("the client was closed", request=request)
        return _Connection(socket, origin)

    def _take_idle(self, origin: _Origin) -> _Connection | None:
        """The most recently returned usable idle connection to ``origin``; the unusable ones met are dropped."""
        idle = self._idle
        expiry = self._expiry
        for index in range(len(idle) - 1, -1, -1):
            connection = idle[index]
            if connection.origin != origin:
                continue
            del idle[index]
            expired = expiry is not None and time.monotonic() - connection.idle_since > expiry
            if not expired and not connection.socket.stale():
                return connection
            self._drop(connection)
        return None

    async def _wait(self, timeout: float | None, request: httpx.Request) -> _Connection | None:  # noqa: ASYNC109
        """Until a connection (or, None, a slot to open one) is handed over, within the pool timeout."""
        loop = asyncio.get_running_loop()
        waiter: asyncio.Future[_Connection | None] = loop.create_future()
        self._waiting.append(waiter)
        timer = None if timeout is None else loop.call_later(timeout, _expire, waiter, request)
        try:
            return await waiter
        except (httpx.PoolTimeout, PoolClosedError) as exc:
            exc.request = request
            raise
        except BaseException:
            if waiter.done() and not waiter.cancelled() and waiter.exception() is None:
                self._pass_on(waiter.result())  # woken and cancelled in the same step: the next one gets it
            raise
        finally:
            if timer is not None:
                timer.cancel()
            if not waiter.done() or waiter.cancelled() or waiter.exception() is not None:
                with suppress(ValueError):  # a waiter that gave up leaves the queue (it holds its request)
                    self._waiting.remove(waiter)

    def _hand_over(self, item: _Connection | None) -> bool:
        """Give ``item`` to the first live waiter, if any."""
        waiting = self._waiting
        while waiting:
            waiter = waiting.popleft()
            if not waiter.done():
                waiter.set_result(item)
                return True
        return False

    def _pass_on(self, item: _Connection | None) -> None:
        if item is None:
            self._free_slot()
        else:
            self._keep(item)

    def _free_slot(self) -> None:
        """A connection closed (or never opened): its slot goes to the first waiter, if any."""
        if not self._hand_over(None):
            self._count -= 1
            self._next_turn()

    def _drop(self, connection: _Connection) -> None:
        connection.socket.close()
        self._free_slot()

    def _keep(self, connection: _Connection) -> bool:
        """A reusable connection: to the first waiter, else idle (the oldest closed past the keep-alive limits).
        True if a request or a caller waiting its turn was woken for it."""
        if self._closed:
            self._drop(connection)
            return False
        if self._hand_over(connection):
            return True
        connection.idle_since = now = time.monotonic()
        idle = self._idle
        idle.append(connection)
        expiry = self._expiry
        while len(idle) > self._max_idle or (expiry is not None and now - idle[0].idle_since > expiry):
            self._drop(idle.pop(0))
        return self._next_turn()

    def give_back(self, connection: _Connection) -> bool:
        """The request is done with ``connection``: reused if the exchange is complete, else closed. True if a
        request or a caller waiting its turn was woken for the connection."""
        self._lent.discard(connection)
        if not connection.socket.closed and connection.reusable():
            return self._keep(connection)
        self._drop(connection)
        return False

    async def aclose(self) -> None:
        """Fail the waiting requests, close every connection (idle or lent); later requests raise."""
        self._closed = True
        waiting, self._waiting = self._waiting, deque()
        turns, self._turns = self._turns, deque()
        for turn in turns:  # they go on, and their requests meet the closed pool
            if not turn.done():
                turn.set_result(True)
        for waiter in waiting:  # requests still waiting for a connection fail now instead of hanging
            if not waiter.done():
                waiter.set_exception(PoolClosedError("the client was closed while the request waited"))
        for connection in (*self._idle, *self._lent):
            connection.socket.close()
        self._idle = []
        if self._standard is not None:
            await self._standard.aclose()


def _pool_wait(request: httpx.Request, timeout: float | None) -> float | None:
    """The pool timeout of ``request``'s first wait here, less what its turn's wait took (see `wait_turn`)."""
    deadline = request.extensions.pop(_POOL_DEADLINE, None)  # popped: a retry waits the whole pool timeout
    if not isinstance(deadline, float) or timeout is None:
        return timeout
    return max(0.0, deadline - time.monotonic())


def _end_wait(turn: asyncio.Future[bool]) -> None:
    if not turn.done():
        turn.set_result(False)


def _expire(waiter: asyncio.Future[_Connection | None], request: httpx.Request) -> None:
    if not waiter.done():
        waiter.set_exception(httpx.PoolTimeout("no connection became free within the pool timeout", request=request))
