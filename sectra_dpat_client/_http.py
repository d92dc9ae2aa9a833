"""The shared HTTP layer: one way to build httpx clients (timeouts, retries) and to map failures to errors.

Every module that talks HTTP (IA-API client, QIDO-RS, whole-slide downloads) builds its clients here, so
retries, timeouts and errors behave the same everywhere.

Retry rules (carried out by httpx-retries' `RetryTransport`):

* connection failures where the request never left (connect error, connect timeout, pool timeout) are
  retried for every method, POST included;
* the statuses in `RetryPolicy.retry_statuses` are retried for idempotent methods only, honouring
  ``Retry-After`` (seconds or HTTP date, capped at `RetryPolicy.max_backoff`);
* read errors and read timeouts are retried for safe methods (GET, HEAD, OPTIONS) only: a POST or PUT the
  server may have received is never sent again.

When the attempts are spent on a status, the last response is returned and `raise_for_response` maps it.
"""

from __future__ import annotations

import asyncio
import logging
import math
import ssl
import time
from collections.abc import AsyncIterator, Callable, Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from email.utils import parsedate_to_datetime
from functools import cache
from http import HTTPStatus

import httpx
from httpx_retries import Retry, RetryTransport

from ._redact import install_log_redaction, redact_url
from .errors import DPATConnectionError, DPATTimeoutError, error_for_status

__all__ = [
    "ASYNC_POOLS",
    "BUFFER_BODY",
    "DEFAULT_LIMITS",
    "DEFAULT_RETRY",
    "DEFAULT_TIMEOUT",
    "IDEMPOTENT_METHODS",
    "SAFE_METHODS",
    "RetryPolicy",
    "add_status_guard",
    "buffered_bodies",
    "build_async_client",
    "build_client",
    "connection_error",
    "default_ssl_context",
    "raise_for_response",
    "retry_after_seconds",
]

DEFAULT_TIMEOUT = httpx.Timeout(connect=10.0, read=60.0, write=60.0, pool=10.0)
# Connections of a sync client (a thread each): plenty for threaded downloads, polite to a clinical server.
DEFAULT_LIMITS = httpx.Limits(max_connections=20, max_keepalive_connections=20)
# Async clients: (pools, connections per pool); at most 40 requests in flight, see `_ShardedPool`.
ASYNC_POOLS = (8, 5)

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
IDEMPOTENT_METHODS = SAFE_METHODS | {"PUT", "DELETE"}
_ALL_METHODS = IDEMPOTENT_METHODS | {"POST", "PATCH"}

# The request never reached the server: safe to send again whatever the method.
_NOT_SENT_ERRORS: tuple[type[Exception], ...] = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout)
# The request may have reached the server: only safe methods are sent again.
_MAYBE_SENT_ERRORS: tuple[type[Exception], ...] = (
    *_NOT_SENT_ERRORS,
    httpx.ReadError,
    httpx.ReadTimeout,
    httpx.WriteError,
    httpx.WriteTimeout,
    httpx.RemoteProtocolError,
)

_IANA_STATUSES = frozenset(int(status) for status in HTTPStatus)


@dataclass(frozen=True)
class RetryPolicy:
    """How often and how patiently to retry.

    ``attempts`` counts every try including the first (1 = no retry). The wait before retry *n* is
    ``backoff_factor * 2**n`` seconds, times a random factor in [0, 1) when ``jitter`` is on, capped at
    ``max_backoff``; a ``Retry-After`` header replaces the computed wait (also capped).
    """

    attempts: int = 5
    backoff_factor: float = 0.25
    max_backoff: float = 30.0
    jitter: bool = True
    retry_statuses: tuple[int, ...] = (429, 502, 503, 504)

    def __post_init__(self) -> None:
        if self.attempts < 1:
            raise ValueError("RetryPolicy.attempts must be at least 1")
        if self.backoff_factor < 0 or not math.isfinite(self.backoff_factor):
            raise ValueError("RetryPolicy.backoff_factor must be a finite number >= 0")
        if self.max_backoff <= 0 or not math.isfinite(self.max_backoff):
            raise ValueError("RetryPolicy.max_backoff must be a finite number > 0")

    def for_method(self, method: str) -> Retry:
        """The httpx-retries configuration for one request method."""
        method = method.upper()
        idempotent = method in IDEMPOTENT_METHODS
        errors = _MAYBE_SENT_ERRORS if method in SAFE_METHODS else _NOT_SENT_ERRORS
        statuses = self.retry_statuses if idempotent else ()
        retry_class = Retry if statuses else _NoStatusRetry
        return retry_class(
            total=self.attempts - 1,
            allowed_methods=_ALL_METHODS,
            status_forcelist=statuses or None,
            retry_on_exceptions=errors,
            backoff_factor=self.backoff_factor,
            max_backoff_wait=self.max_backoff,
            backoff_jitter=1.0 if self.jitter else 0.0,
            respect_retry_after_header=True,
        )


class _NoStatusRetry(Retry):
    """Retries transport failures only, never a status (for methods the server may already have acted on)."""

    def is_retryable_status_code(self, status_code: int) -> bool:
        return False


BUFFER_BODY = "sectra_dpat_client.buffer_body"
"""Request extension: read the whole body inside the retrying transport (safe methods only)."""

_BUFFERING: ContextVar[bool] = ContextVar("sectra_dpat_buffering", default=False)


@contextmanager
def buffered_bodies() -> Iterator[None]:
    """Within this block, GET bodies are read inside the retry loop (a connection lost mid-body is retried).

    For calls that read whole bodies anyway (JSON answers, tiles). Never wrap a streamed download in it:
    the body would be held in memory.
    """
    token = _BUFFERING.set(True)
    try:
        yield
    finally:
        _BUFFERING.reset(token)


class _BufferingTransport(httpx.BaseTransport, httpx.AsyncBaseTransport):
    """Reads the body of marked safe requests inside the retry loop, so a connection lost mid-body is retried.

    Without this a failure while reading the body happens after the transport returned, out of reach of
    the retries. Streamed downloads must not be marked: their bodies would be held in memory.
    """

    def __init__(self, inner: httpx.BaseTransport | httpx.AsyncBaseTransport) -> None:
        self._inner = inner

    @staticmethod
    def _wants_buffer(request: httpx.Request) -> bool:
        return request.method in SAFE_METHODS and bool(request.extensions.get(BUFFER_BODY))

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        if not isinstance(self._inner, httpx.BaseTransport):
            raise RuntimeError("synchronous request on an async-only transport")
        response = self._inner.handle_request(request)
        if self._wants_buffer(request):
            try:
                response.read()
            finally:
                response.close()
        return response

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if not isinstance(self._inner, httpx.AsyncBaseTransport):
            raise RuntimeError("asynchronous request on a sync-only transport")
        response = await self._inner.handle_async_request(request)
        if self._wants_buffer(request):
            try:
                await response.aread()
            finally:
                await response.aclose()
        return response

    def close(self) -> None:
        if isinstance(self._inner, httpx.BaseTransport):
            self._inner.close()

    async def aclose(self) -> None:
        if isinstance(self._inner, httpx.AsyncBaseTransport):
            await self._inner.aclose()


class _ReleasingStream(httpx.AsyncByteStream):
    """A response body that gives its connection slot back when it is closed."""

    def __init__(self, stream: httpx.AsyncByteStream, release: Callable[[], None]) -> None:
        self._stream = stream
        self._release: Callable[[], None] | None = release

    async def __aiter__(self) -> AsyncIterator[bytes]:
        async for chunk in self._stream:
            yield chunk

    async def aclose(self) -> None:
        try:
            await self._stream.aclose()
        finally:
            release, self._release = self._release, None
            if release is not None:
                release()


class _ShardedPool(httpx.AsyncBaseTransport):
    """Async requests spread over a few small connection pools, each request held until its body is closed.

    httpcore's async pool re-examines every waiting request against every connection on each event, so its
    cost grows with the square of its size: hundreds of concurrent calls on one pool of 100 connections are
    CPU-bound. Here at most ``shards * per_shard`` requests are in flight (the rest wait on a semaphore,
    which costs nothing), each on the least busy of ``shards`` pools of ``per_shard`` connections.
    """

    def __init__(self, shards: int, per_shard: int, factory: Callable[[httpx.Limits], httpx.AsyncBaseTransport]):
        limits = httpx.Limits(max_connections=per_shard, max_keepalive_connections=per_shard)
        self._pools = [factory(limits) for _ in range(shards)]
        self._busy = [0] * shards
        self._capacity = shards * per_shard
        self._slots: asyncio.Semaphore | None = None

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if self._slots is None:
            self._slots = asyncio.Semaphore(self._capacity)
        slots = self._slots
        await slots.acquire()
        index = min(range(len(self._pools)), key=self._busy.__getitem__)
        self._busy[index] += 1

        def release() -> None:
            self._busy[index] -= 1
            slots.release()

        try:
            response = await self._pools[index].handle_async_request(request)
        except BaseException:
            release()
            raise
        if isinstance(response.stream, httpx.ByteStream) or not isinstance(response.stream, httpx.AsyncByteStream):
            release()  # a body already in memory holds no connection
            return response
        response.stream = _ReleasingStream(response.stream, release)
        return response

    async def aclose(self) -> None:
        for pool in self._pools:
            await pool.aclose()


class _MethodAwareRetryTransport(RetryTransport):
    """`RetryTransport` choosing the retry rules by request method (see `RetryPolicy.for_method`)."""

    def __init__(self, transport: httpx.BaseTransport | httpx.AsyncBaseTransport, policy: RetryPolicy) -> None:
        super().__init__(transport=_BufferingTransport(transport), retry=policy.for_method("GET"))
        self._by_method = {method: policy.for_method(method) for method in _ALL_METHODS}
        self._policy = policy

    def _retry_for(self, method: str) -> Retry:
        retry = self._by_method.get(method.upper())
        return retry if retry is not None else self._policy.for_method(method)

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        request.extensions.setdefault("retry", self._retry_for(request.method))
        return super().handle_request(request)

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        request.extensions.setdefault("retry", self._retry_for(request.method))
        return await super().handle_async_request(request)


DEFAULT_RETRY = RetryPolicy()


class _RetryLogFilter(logging.Filter):
    """httpx-retries logs whole requests at DEBUG; show their URLs redacted like httpx's own lines."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple):
            record.args = tuple(
                f"<Request({arg.method!r}, {redact_url(arg.url)!r})>" if isinstance(arg, httpx.Request) else arg
                for arg in record.args
            )
        return True


logging.getLogger("httpx_retries.transport").addFilter(_RetryLogFilter())


def retry_after_seconds(headers: Mapping[str, str], *, now: float | None = None) -> float | None:
    """Seconds asked for by a ``Retry-After`` header (delay or HTTP date), or None if absent or unreadable."""
    value = headers.get("Retry-After", headers.get("retry-after", "")).strip()
    if not value:
        return None
    if value.isascii() and value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    current = time.time() if now is None else now
    return max(0.0, when.timestamp() - current)


def _mark_buffered(request: httpx.Request) -> None:
    if _BUFFERING.get():
        request.extensions.setdefault(BUFFER_BODY, True)


async def _async_mark_buffered(request: httpx.Request) -> None:
    if _BUFFERING.get():
        request.extensions.setdefault(BUFFER_BODY, True)


def _non_iana_guard(response: httpx.Response) -> None:
    # The generated code calls HTTPStatus(code), which raises ValueError for e.g. 499 or 520.
    if response.status_code not in _IANA_STATUSES:
        response.read()
        raise _status_error(response, "")


async def _async_non_iana_guard(response: httpx.Response) -> None:
    if response.status_code not in _IANA_STATUSES:
        await response.aread()
        raise _status_error(response, "")


@cache
def default_ssl_context() -> ssl.SSLContext:
    """One verifying TLS context (httpx's defaults) shared by every client: building one costs ~20 ms."""
    return httpx.create_ssl_context()


def build_client(
    base_url: str,
    *,
    auth: httpx.Auth | None = None,
    headers: Mapping[str, str] | None = None,
    timeout: httpx.Timeout = DEFAULT_TIMEOUT,
    retry: RetryPolicy = DEFAULT_RETRY,
    transport: httpx.BaseTransport | None = None,
) -> httpx.Client:
    """A sync httpx client with the project's timeouts, retries and status guard.

    A response with a non-standard status (e.g. 499) raises a `DPATRequestError` whose ``path`` is empty;
    callers that know the operation's path template re-label it. Inside `buffered_bodies` GET bodies are
    read within the retry loop.
    """
    if transport is None:
        transport = httpx.HTTPTransport(verify=default_ssl_context(), limits=DEFAULT_LIMITS)
    inner = transport
    return httpx.Client(
        base_url=_normalise_base_url(base_url),
        auth=auth,
        headers=dict(headers or {}),
        timeout=timeout,
        transport=_MethodAwareRetryTransport(inner, retry),
        event_hooks={"request": [_mark_buffered], "response": [_non_iana_guard]},
    )


def _async_transport(limits: httpx.Limits) -> httpx.AsyncBaseTransport:
    return httpx.AsyncHTTPTransport(verify=default_ssl_context(), limits=limits)


def build_async_client(
    base_url: str,
    *,
    auth: httpx.Auth | None = None,
    headers: Mapping[str, str] | None = None,
    timeout: httpx.Timeout = DEFAULT_TIMEOUT,
    retry: RetryPolicy = DEFAULT_RETRY,
    transport: httpx.AsyncBaseTransport | None = None,
) -> httpx.AsyncClient:
    """The async twin of `build_client`: by default requests are spread over `ASYNC_POOLS` small pools."""
    inner = transport if transport is not None else _ShardedPool(*ASYNC_POOLS, _async_transport)
    return httpx.AsyncClient(
        base_url=_normalise_base_url(base_url),
        auth=auth,
        headers=dict(headers or {}),
        timeout=timeout,
        transport=_MethodAwareRetryTransport(inner, retry),
        event_hooks={"request": [_async_mark_buffered], "response": [_async_non_iana_guard]},
    )


def add_status_guard(client: httpx.Client | httpx.AsyncClient) -> None:
    """Give a caller-supplied client the non-standard-status guard that `build_client` installs."""
    hooks = client.event_hooks
    guard = _async_non_iana_guard if isinstance(client, httpx.AsyncClient) else _non_iana_guard
    if guard not in hooks["response"]:
        hooks["response"] = [*hooks["response"], guard]
        client.event_hooks = hooks


def _normalise_base_url(base_url: str) -> str:
    # httpx joins "/path" onto the base; a trailing slash on the base would give "//path".
    install_log_redaction()  # httpx logs every URL at INFO; ours name slides and cases
    return base_url.rstrip("/")


def raise_for_response(response: httpx.Response, path_template: str) -> None:
    """Raise the `DPATRequestError` subclass for a non-2xx response; do nothing for 2xx.

    ``path_template`` (e.g. ``/slides/{slideId}/info``) names the operation in the message; the filled-in
    path may carry patient data and is never used. A streamed body that was not read is reported as empty.
    """
    if 200 <= response.status_code < 300:
        return
    raise _status_error(response, path_template)


def _status_error(response: httpx.Response, path_template: str) -> Exception:
    try:
        text = response.text
    except httpx.ResponseNotRead:
        text = ""
    try:
        method = response.request.method
    except RuntimeError:
        method = ""
    return error_for_status(
        response.status_code,
        text,
        path_template,
        method=method,
        retry_after=retry_after_seconds(response.headers),
    )


def connection_error(exc: httpx.TransportError, method: str, path_template: str) -> DPATConnectionError:
    """The error to raise (``from exc``) when a request failed in transport after the retries were spent."""
    where = f"{method.upper()} {path_template}".strip()
    if isinstance(exc, httpx.TimeoutException):
        return DPATTimeoutError(f"{where}: no answer in time ({type(exc).__name__})")
    return DPATConnectionError(f"{where}: the server could not be reached ({type(exc).__name__})")
