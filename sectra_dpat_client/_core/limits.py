"""Answer-size limits and the whole-request deadline, enforced in the transport every client is built on.

`LimitedTransport` sits under the retrying transport of every client `sectra_dpat_client._core.http`
builds. It decodes ``Content-Encoding`` itself (gzip, deflate) in small bounded steps and counts the
*decoded* bytes, so a gzip bomb stops at the limit instead of expanding in memory; a body past its limit
raises `DPATResponseError` naming the limit and the request's operation (built by `_core.errors`). Image
answers (``Content-Type: image/*``) and everything else (JSON, DICOM JSON) have separate limits
(`AnswerLimits`).

The deadline covers one whole call, every retry included: connect, send, headers and body. Async calls
run under `asyncio.timeout`; sync calls clamp each socket read and write to the time left
(`deadline_transport`), so a peer trickling a byte at a time cannot hold a call longer than the deadline.
Either way it ends in `DPATTimeoutError`, which is never retried.

Streamed downloads mark their request with `STREAMED` (or ``BUFFER_BODY: False``, as the IA-API client's
streamed request path does): they have no size limit or deadline here (they are
bounded by the lengths the answer declares, see ``sectra_dpat_client.wsi``) but are still decoded in
bounded steps; sync ones read the socket in `STREAMED_READ_BYTES` pieces.
"""

from __future__ import annotations

import asyncio
import math
import time
import zlib
from collections.abc import AsyncIterator, Iterable, Iterator, Mapping
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any, Protocol, cast

import httpcore
import httpx
from httpx_retries import Retry

from .errors import (
    DPATQueryError,
    DPATTimeoutError,
    Named,
    NamedOperation,
    answer_too_large,
    deadline_passed,
    operation_of,
    unusable_answer,
)
from .transports import BUFFER_BODY, CALL_STARTED

__all__ = [
    "DEFAULT_ANSWER_LIMITS",
    "DEFAULT_DEADLINE",
    "DEFAULT_IMAGE_BYTES",
    "DEFAULT_JSON_BYTES",
    "MAX_ANSWER_BYTES",
    "STREAMED",
    "STREAMED_READ_BYTES",
    "AnswerLimits",
    "DeadlineRetry",
    "LimitedTransport",
    "deadline_transport",
]

MiB = 1024 * 1024
DEFAULT_JSON_BYTES = 256 * MiB
"""Largest decoded answer that is not an image (JSON, DICOM JSON) read by default."""
DEFAULT_IMAGE_BYTES = 64 * MiB
"""Largest decoded image answer (label, tile, thumbnail) read by default."""
DEFAULT_DEADLINE = 300.0
"""Seconds one whole call (retries included) may take by default."""

MAX_ANSWER_BYTES = "sectra_dpat_client.max_answer_bytes"
"""Request extension: the decoded-size limit of this one answer instead of the client's: an int, or
(int, text) where the text is what the error names in place of the setting."""
STREAMED = "sectra_dpat_client.streamed"
"""Request extension: a streamed download; no size limit or deadline here (its declared lengths bound it)."""
_DEADLINE_AT = "sectra_dpat_client.deadline_at"

_DECODE_STEP = 64 * 1024  # most decoded bytes produced from one step, whatever the compression ratio
_ENCODINGS = frozenset({"gzip", "x-gzip", "deflate"})
_ACCEPT_ENCODING = "gzip, deflate"

# The deadline (time.monotonic()), the operation and the deadline's seconds of the sync request whose socket
# I/O runs now in this thread.
_SYNC_DEADLINE: ContextVar[tuple[float, NamedOperation, float | None] | None] = ContextVar(
    "sectra_dpat_deadline", default=None
)


def _positive_int(name: str, value: int | None) -> None:
    if value is not None and (isinstance(value, bool) or not isinstance(value, int) or value < 1):
        raise DPATQueryError(f"AnswerLimits.{name} must be a positive number of bytes or None")


@dataclass(frozen=True, slots=True)
class AnswerLimits:
    """How much a client reads of one answer, and how long one call may take.

    ``json_bytes`` caps decoded answers that are not images, ``image_bytes`` those with an ``image/*``
    content type; ``deadline`` is the seconds one whole call may take, retries included. None switches a
    limit off. Streamed slide downloads are bounded by the lengths they declare instead.
    """

    json_bytes: int | None = DEFAULT_JSON_BYTES
    image_bytes: int | None = DEFAULT_IMAGE_BYTES
    deadline: float | None = DEFAULT_DEADLINE

    def __post_init__(self) -> None:
        _positive_int("json_bytes", self.json_bytes)
        _positive_int("image_bytes", self.image_bytes)
        if self.deadline is not None and (
            isinstance(self.deadline, bool)
            or not isinstance(self.deadline, int | float)
            or not math.isfinite(self.deadline)
            or self.deadline <= 0
        ):
            raise DPATQueryError("AnswerLimits.deadline must be a finite number of seconds > 0 or None")

    def cap_for(self, content_type: str) -> tuple[int | None, str]:
        """The limit for an answer of ``content_type`` and the name of the setting it comes from."""
        if content_type.strip().lower().startswith("image/"):
            return self.image_bytes, "image_bytes"
        return self.json_bytes, "json_bytes"


DEFAULT_ANSWER_LIMITS = AnswerLimits()


def _streamed(request: httpx.Request) -> bool:
    return bool(request.extensions.get(STREAMED)) or request.extensions.get(BUFFER_BODY) is False


def _expired(request: httpx.Request, seconds: float | None) -> DPATTimeoutError:
    # The operation's template, never the URL: its path and query carry slide ids and filters (patient data).
    return deadline_passed(operation_of(request), seconds)


STREAMED_READ_BYTES = 1 * MiB
"""Bytes each socket read of a sync streamed download asks for, where httpcore asks 64 KiB.

Each read costs httpcore and h11 a fixed amount of Python work and four copies of the chunk; 1 MiB reads
halve the CPU of receiving a large body (P3, 256 MiB: 0.19-0.29 s instead of 0.40-0.53 s under load).
The memory a download holds stays constant (a few such chunks). Over HTTPS a read returns at most one
TLS record (16 KiB) whatever it asks for, so the gain is plain HTTP's only (measured there)."""

_SYNC_STREAMED: ContextVar[bool] = ContextVar("sectra_dpat_client_sync_streamed", default=False)


def _sync_deadline(request: httpx.Request, at: float | None, seconds: float | None) -> None:
    """Bound the socket I/O this thread does next by the deadline of ``request`` (None: no deadline)."""
    _SYNC_STREAMED.set(_streamed(request))
    _SYNC_DEADLINE.set(None if at is None else (at, operation_of(request), seconds))


class _Decoder(Protocol):
    def feed(self, data: bytes) -> Iterator[bytes]: ...

    def flush(self) -> Iterator[bytes]: ...


class _ZlibDecoder:
    """gzip or deflate, decoded at most `_DECODE_STEP` bytes at a time (a bomb never expands in one go)."""

    def __init__(self, encoding: str) -> None:
        self._gzip = encoding != "deflate"
        self._first = True
        self._obj = zlib.decompressobj(zlib.MAX_WBITS | 16 if self._gzip else zlib.MAX_WBITS)

    def feed(self, data: bytes) -> Iterator[bytes]:
        if self._first and data and not self._gzip:
            self._first = False
            try:  # deflate as sent in the wild: zlib-wrapped, or raw (as httpx also accepts)
                zlib.decompressobj(zlib.MAX_WBITS).decompress(data[:2])
            except zlib.error:
                self._obj = zlib.decompressobj(-zlib.MAX_WBITS)
        while True:
            try:
                out = self._obj.decompress(data, _DECODE_STEP)
            except zlib.error as exc:
                raise httpx.DecodingError(f"the body could not be decoded: {exc}") from None
            data = self._obj.unconsumed_tail
            if out:
                yield out
            if not data and len(out) < _DECODE_STEP:
                return

    def flush(self) -> Iterator[bytes]:
        try:
            out = self._obj.flush()
        except zlib.error as exc:  # pragma: no cover - flush after a good stream does not fail
            raise httpx.DecodingError(f"the body could not be decoded: {exc}") from None
        if out:
            yield out


class _Chain:
    """Several content codings, applied last first (``Content-Encoding: gzip, deflate`` is undone deflate first)."""

    def __init__(self, encodings: list[str]) -> None:
        self._decoders = [_ZlibDecoder(e) for e in reversed(encodings)]

    def feed(self, data: bytes) -> Iterator[bytes]:
        return self._through(0, [data])

    def _through(self, index: int, chunks: Iterable[bytes]) -> Iterator[bytes]:
        if index == len(self._decoders):
            yield from chunks
            return
        decoder = self._decoders[index]
        for chunk in chunks:
            yield from self._through(index + 1, decoder.feed(chunk))

    def flush(self) -> Iterator[bytes]:
        for index, decoder in enumerate(self._decoders):
            yield from self._through(index + 1, decoder.flush())


def _decoder_for(response: httpx.Response, request: httpx.Request) -> _Decoder | None:
    """A decoder for the answer's content codings (taking them off its headers), or None for identity."""
    header = response.headers.get("content-encoding", "")
    encodings = [e.strip().lower() for e in header.split(",") if e.strip() and e.strip().lower() != "identity"]
    if not encodings:
        return None
    unknown = [e for e in encodings if e not in _ENCODINGS]
    if unknown:
        raise unusable_answer(
            operation_of(request),
            f"the server used a content coding this client did not ask for ({unknown[0][:20]!r})",
            response.status_code,
        )
    del response.headers["content-encoding"]
    response.headers.pop("content-length", None)  # it counted encoded bytes
    response.extensions = {**response.extensions, "sectra_dpat_client.content_encoding": header}
    return _Chain(encodings)


class _LimitedStream(httpx.SyncByteStream, httpx.AsyncByteStream):
    """The answer's body, decoded in bounded steps, counted against its limit and its deadline."""

    def __init__(
        self,
        stream: Any,
        request: httpx.Request,
        decoder: _Decoder | None,
        cap: int | None,
        setting: str,
        deadline_at: float | None,
        deadline: float | None,
    ) -> None:
        self._stream = stream
        self._request = request
        self._decoder = decoder
        self._cap = cap
        self._setting = setting
        self._deadline_at = deadline_at
        self._deadline = deadline
        self._seen = 0

    def _counted(self, chunks: Iterable[bytes]) -> Iterator[bytes]:
        for chunk in chunks:
            self._seen += len(chunk)
            if self._cap is not None and self._seen > self._cap:
                raise answer_too_large(operation_of(self._request), self._cap, self._setting)
            yield chunk

    def _decoded(self, chunk: bytes) -> Iterator[bytes]:
        return self._counted(self._decoder.feed(chunk) if self._decoder is not None else (chunk,))

    def _tail(self) -> Iterator[bytes]:
        return self._counted(self._decoder.flush() if self._decoder is not None else ())

    def _check_deadline(self) -> float | None:
        if self._deadline_at is None:
            return None
        left = self._deadline_at - time.monotonic()
        if left <= 0:
            raise _expired(self._request, self._deadline)
        return left

    def __iter__(self) -> Iterator[bytes]:
        raw = iter(self._stream)
        while True:
            self._check_deadline()
            _sync_deadline(self._request, self._deadline_at, self._deadline)
            try:
                chunk = next(raw)
            except StopIteration:
                break
            yield from self._decoded(chunk)
        yield from self._tail()

    async def __aiter__(self) -> AsyncIterator[bytes]:
        if type(self._stream) is httpx.ByteStream:  # in memory (the pool had all of it): no read to time out
            self._check_deadline()
            for chunk in self._stream:
                for out in self._decoded(chunk):
                    yield out
            for out in self._tail():
                yield out
            return
        raw = aiter(self._stream)
        while True:
            left = self._check_deadline()
            try:
                async with asyncio.timeout(left) as scope:
                    chunk = await anext(raw)
            except StopAsyncIteration:
                break
            except TimeoutError:
                if scope.expired():
                    raise _expired(self._request, self._deadline) from None
                raise
            for out in self._decoded(chunk):
                yield out
        for out in self._tail():
            yield out

    def close(self) -> None:
        self._stream.close()

    async def aclose(self) -> None:
        await self._stream.aclose()


class LimitedTransport(httpx.BaseTransport, httpx.AsyncBaseTransport):
    """Applies `AnswerLimits` to every answer of the transport it wraps (see the module docstring)."""

    def __init__(self, inner: httpx.BaseTransport | httpx.AsyncBaseTransport, limits: AnswerLimits) -> None:
        self._inner = inner
        self._limits = limits

    def _start(self, request: httpx.Request) -> tuple[float | None, float | None]:
        """(deadline seconds, deadline time) of this call; the time is set once, at the first attempt."""
        if _streamed(request):
            return None, None
        seconds = self._limits.deadline
        if seconds is None:
            return None, None
        at = request.extensions.get(_DEADLINE_AT)
        if not isinstance(at, float):
            started = request.extensions.get(CALL_STARTED)
            at = (started if isinstance(started, float) else time.monotonic()) + seconds
            request.extensions[_DEADLINE_AT] = at
        if at - time.monotonic() <= 0:
            raise _expired(request, seconds)
        return seconds, at

    def _wrap(
        self, response: httpx.Response, request: httpx.Request, seconds: float | None, at: float | None
    ) -> httpx.Response:
        decoder = _decoder_for(response, request)
        if _streamed(request):
            cap, setting = None, "json_bytes"
        else:
            cap, setting = self._limits.cap_for(response.headers.get("content-type", ""))
            override = request.extensions.get(MAX_ANSWER_BYTES)
            if isinstance(override, tuple) and len(override) == 2 and isinstance(override[1], str):
                override, setting = override  # (bytes, what the error names instead of the setting)
            if isinstance(override, int) and not isinstance(override, bool) and override > 0:
                cap = override
        response.stream = _LimitedStream(response.stream, request, decoder, cap, setting, at, seconds)
        return response

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        if not isinstance(self._inner, httpx.BaseTransport):
            raise RuntimeError("synchronous request on an async-only transport")
        _accept_only_ours(request)
        seconds, at = self._start(request)
        _sync_deadline(request, at, seconds)
        response = self._inner.handle_request(request)
        try:
            return self._wrap(response, request, seconds, at)
        except BaseException:
            response.close()
            raise

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if not isinstance(self._inner, httpx.AsyncBaseTransport):
            raise RuntimeError("asynchronous request on a sync-only transport")
        _accept_only_ours(request)
        seconds, at = self._start(request)
        left = None if at is None else at - time.monotonic()
        try:
            async with asyncio.timeout(left) as scope:
                response = await self._inner.handle_async_request(request)
        except TimeoutError:
            if scope.expired():
                raise _expired(request, seconds) from None
            raise
        try:
            return self._wrap(response, request, seconds, at)
        except BaseException:
            await response.aclose()
            raise

    def close(self) -> None:
        if isinstance(self._inner, httpx.BaseTransport):
            self._inner.close()

    async def aclose(self) -> None:
        if isinstance(self._inner, httpx.AsyncBaseTransport):
            await self._inner.aclose()


def _accept_only_ours(request: httpx.Request) -> None:
    """Ask only for the content codings this transport decodes in bounded steps."""
    accept = request.headers.get("accept-encoding")
    if accept is None or accept == _ACCEPT_ENCODING:  # the clients' default: nothing to rewrite
        return
    if {p.strip() for p in accept.split(",")} <= {"gzip", "deflate", "br", "zstd"}:
        request.headers["accept-encoding"] = _ACCEPT_ENCODING


# -- sync deadline at the socket ----------------------------------------------------------------------


def _clamped(timeout: float | None) -> tuple[float | None, bool]:
    """(timeout to use, whether the deadline set it) for one socket operation of the current sync call."""
    current = _SYNC_DEADLINE.get()
    if current is None:
        return timeout, False
    left = current[0] - time.monotonic()
    if left <= 0:
        raise _passed()
    if timeout is None or left < timeout:
        return left, True
    return timeout, False


def _passed() -> DPATTimeoutError:
    """The deadline error of the sync call whose socket I/O runs now."""
    current = _SYNC_DEADLINE.get()
    if current is None:  # pragma: no cover - only raised while a deadline is set
        return deadline_passed(Named("", ""), None)
    return deadline_passed(current[1], current[2])


class _DeadlineStream(httpcore.NetworkStream):
    """A socket whose reads and writes never wait past the current call's deadline."""

    def __init__(self, inner: httpcore.NetworkStream) -> None:
        self._inner = inner

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        use, clamped = _clamped(timeout)
        if _SYNC_STREAMED.get():
            max_bytes = max(max_bytes, STREAMED_READ_BYTES)
        try:
            return self._inner.read(max_bytes, use)
        except httpcore.ReadTimeout:
            if clamped:
                raise _passed() from None
            raise

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        use, clamped = _clamped(timeout)
        try:
            self._inner.write(buffer, use)
        except httpcore.WriteTimeout:
            if clamped:
                raise _passed() from None
            raise

    def close(self) -> None:
        self._inner.close()

    def start_tls(
        self, ssl_context: Any, server_hostname: str | None = None, timeout: float | None = None
    ) -> httpcore.NetworkStream:
        use, _ = _clamped(timeout)
        return _DeadlineStream(self._inner.start_tls(ssl_context, server_hostname, use))

    def get_extra_info(self, info: str) -> Any:
        return self._inner.get_extra_info(info)


class _DeadlineBackend(httpcore.NetworkBackend):
    def __init__(self, inner: httpcore.NetworkBackend) -> None:
        self._inner = inner

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.NetworkStream:
        use, _ = _clamped(timeout)
        return _DeadlineStream(self._inner.connect_tcp(host, port, use, local_address, socket_options))

    def connect_unix_socket(
        self, path: str, timeout: float | None = None, socket_options: Iterable[Any] | None = None
    ) -> httpcore.NetworkStream:
        use, _ = _clamped(timeout)
        return _DeadlineStream(self._inner.connect_unix_socket(path, use, socket_options))

    def sleep(self, seconds: float) -> None:
        self._inner.sleep(seconds)


class DeadlineRetry(Retry):
    """A `Retry` whose wait before the next attempt never runs past the call's deadline.

    `bound` gives a copy tied to one request; the deadline is read from it when a wait is due (it is
    set at the first attempt), so a ``Retry-After`` beyond it waits only until it, and the next attempt
    then raises `DPATTimeoutError`.
    """

    _extensions: dict[str, Any] | None = None

    def bound(self, request: httpx.Request) -> DeadlineRetry:
        copy = cast(DeadlineRetry, self.copy_with())
        copy._extensions = request.extensions
        return copy

    def increment(self) -> Retry:
        copy = cast(DeadlineRetry, super().increment())
        copy._extensions = self._extensions
        return copy

    def _calculate_sleep(self, headers: httpx.Headers | Mapping[str, str]) -> float:
        wait = super()._calculate_sleep(headers)
        at = None if self._extensions is None else self._extensions.get(_DEADLINE_AT)
        if isinstance(at, float):
            wait = max(0.0, min(wait, at - time.monotonic()))
        return wait


def deadline_transport(transport: httpx.HTTPTransport) -> httpx.HTTPTransport:
    """``transport`` with its sockets bounded by the current call's deadline (sync calls only).

    httpx offers no public way to give `httpx.HTTPTransport` a network backend, so its pool's backend is
    wrapped in place; should httpx's internals change, calls keep their per-chunk deadline checks.
    """
    pool = getattr(transport, "_pool", None)
    backend = getattr(pool, "_network_backend", None)
    if isinstance(backend, httpcore.NetworkBackend) and not isinstance(backend, _DeadlineBackend):
        pool._network_backend = _DeadlineBackend(backend)  # type: ignore[union-attr]
    return transport
