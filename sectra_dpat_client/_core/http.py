"""The shared HTTP layer: one way to build httpx clients (timeouts, retries) and to map failures to errors.

Every module that talks HTTP (IA-API client, QIDO-RS, whole-slide downloads) builds its clients here, so
retries, timeouts and errors behave the same everywhere.

Retry rules (carried out by httpx-retries' `RetryTransport`):

* connection failures where the request never left (connect error, connect timeout, pool timeout) are
  retried for every method, POST included;
* the statuses in `RetryPolicy.retry_statuses` (429, 502, 503, 504) are retried for safe methods (GET,
  HEAD, OPTIONS); for PUT and DELETE only those that say the server did not act (429, 503): a gateway's
  502 or 504 may come after DPAT applied the write, and sending the same ``versionId`` again would then
  answer 409 for a write that succeeded. POST is never sent again after a status. ``Retry-After``
  (seconds or HTTP date, capped at `RetryPolicy.max_backoff`) is honoured;
* read errors and read timeouts are retried for safe methods (GET, HEAD, OPTIONS) only: a POST or PUT the
  server may have received is never sent again.

When the attempts are spent on a status, the last response is returned; the errors are built by
`sectra_dpat_client._core.errors` (`error_for_response`, `error_for_failure`), naming the operation the
request carries.
"""

from __future__ import annotations

import logging
import math
import ssl
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import cache
from http import HTTPStatus
from typing import Any

import httpx
from httpx_retries import Retry

from .aio_pool import LendingTransport
from .errors import (
    DPATQueryError,
    error_for_response,
    retry_after_seconds,
)
from .limits import DEFAULT_ANSWER_LIMITS, AnswerLimits, DeadlineRetry, LimitedTransport, deadline_transport
from .redact import install_log_redaction, redact_url
from .transports import (
    BUFFER_BODY,
    SAFE_METHODS,
    LazyCookieAsyncClient,
    LazyCookieClient,
    MethodAwareRetryTransport,
    async_mark_buffered,
    buffered_bodies,
    mark_buffered,
)

__all__ = [
    "ASYNC_CONNECTIONS",
    "BUFFER_BODY",
    "DEFAULT_LIMITS",
    "DEFAULT_RETRY",
    "DEFAULT_TIMEOUT",
    "IDEMPOTENT_METHODS",
    "KEEPALIVE_EXPIRY",
    "NOT_ACTED_STATUSES",
    "SAFE_METHODS",
    "RetryPolicy",
    "buffered_bodies",
    "build_async_client",
    "build_client",
    "default_async_transport",
    "default_ssl_context",
    "retry_after_seconds",
]

DEFAULT_TIMEOUT = httpx.Timeout(connect=10.0, read=60.0, write=60.0, pool=10.0)
# Seconds an idle connection is kept for reuse (httpx's default is 5): calls come in bursts (an invocation's
# handful, a batch's thousands) a few seconds apart, and each new connection costs a TCP (and on a real
# server a TLS) handshake. Under the 60 s of AWS's load balancers and the 75-130 s of nginx, IIS and Kestrel,
# with a margin; a connection the server closed sooner is seen closed (readable at EOF) when taken, and dropped.
KEEPALIVE_EXPIRY = 50.0
# Connections of a sync client (a thread each): plenty for threaded downloads, polite to a clinical server.
DEFAULT_LIMITS = httpx.Limits(max_connections=20, max_keepalive_connections=20, keepalive_expiry=KEEPALIVE_EXPIRY)
# Async clients: connections of their one pool, i.e. requests in flight (the others wait in order).
ASYNC_CONNECTIONS = 40
_ASYNC_LIMITS = httpx.Limits(
    max_connections=ASYNC_CONNECTIONS, max_keepalive_connections=ASYNC_CONNECTIONS, keepalive_expiry=KEEPALIVE_EXPIRY
)

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

# Statuses that say the server did not act on the request: the only ones PUT and DELETE are re-sent after.
NOT_ACTED_STATUSES = frozenset({429, 503})

_IANA_STATUSES = frozenset(int(status) for status in HTTPStatus)


@dataclass(frozen=True)
class RetryPolicy:
    """How often and how patiently to retry.

    ``attempts`` counts every try including the first (1 = no retry). The wait before retry *n* is
    ``backoff_factor * 2**n`` seconds, times a random factor in [0, 1) when ``jitter`` is on, capped at
    ``max_backoff``; a ``Retry-After`` header replaces the computed wait (also capped).
    ``retry_statuses`` apply in full to GET, HEAD and OPTIONS; PUT and DELETE are re-sent only on those of
    them in `NOT_ACTED_STATUSES`; POST and PATCH never on a status.
    """

    attempts: int = 5
    backoff_factor: float = 0.25
    max_backoff: float = 30.0
    jitter: bool = True
    retry_statuses: tuple[int, ...] = (429, 502, 503, 504)

    def __post_init__(self) -> None:
        if self.attempts < 1:
            raise DPATQueryError("RetryPolicy.attempts must be at least 1")
        if self.backoff_factor < 0 or not math.isfinite(self.backoff_factor):
            raise DPATQueryError("RetryPolicy.backoff_factor must be a finite number >= 0")
        if self.max_backoff <= 0 or not math.isfinite(self.max_backoff):
            raise DPATQueryError("RetryPolicy.max_backoff must be a finite number > 0")

    def for_method(self, method: str) -> Retry:
        """The httpx-retries configuration for one request method."""
        method = method.upper()
        safe = method in SAFE_METHODS
        errors = _MAYBE_SENT_ERRORS if safe else _NOT_SENT_ERRORS
        statuses: tuple[int, ...]
        if safe:
            statuses = self.retry_statuses
        elif method in IDEMPOTENT_METHODS:
            statuses = tuple(status for status in self.retry_statuses if status in NOT_ACTED_STATUSES)
        else:
            statuses = ()
        retry_class = DeadlineRetry if statuses else _NoStatusRetry
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


class _NoStatusRetry(DeadlineRetry):
    """Retries transport failures only, never a status (for methods the server may already have acted on)."""

    def is_retryable_status_code(self, status_code: int) -> bool:
        return False


DEFAULT_RETRY = RetryPolicy()


def _retry_table(policy: RetryPolicy) -> Callable[[httpx.Request], Retry]:
    """A request's retry rules: ``policy.for_method`` (computed once per method), bound to its deadline."""
    table = {method: policy.for_method(method) for method in _ALL_METHODS}

    def retry_for(request: httpx.Request) -> Retry:
        rules = table.get(request.method.upper()) or policy.for_method(request.method)
        return rules.bound(request) if isinstance(rules, DeadlineRetry) else rules

    return retry_for


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


def _non_standard(response: httpx.Response) -> bool:
    """Whether the status is outside IANA's table: the generated code calls HTTPStatus(code), which raises
    ValueError for e.g. 499 or 520, so such an answer raises its error in the guard, body read."""
    return response.status_code not in _IANA_STATUSES


def _non_iana_guard(response: httpx.Response) -> None:
    if _non_standard(response):
        response.read()
        raise error_for_response(response)


async def _async_non_iana_guard(response: httpx.Response) -> None:
    if _non_standard(response):
        await response.aread()
        raise error_for_response(response)


@cache
def default_ssl_context() -> ssl.SSLContext:
    """One verifying TLS context (httpx's defaults) shared by every client: building one costs ~20 ms."""
    return httpx.create_ssl_context()


def _client_options(
    base_url: str,
    auth: httpx.Auth | None,
    headers: Mapping[str, str] | None,
    timeout: httpx.Timeout,
    retry: RetryPolicy,
    inner: LimitedTransport,
    hooks: tuple[Callable[[httpx.Request], Any], Callable[[httpx.Response], Any] | None],
) -> dict[str, Any]:
    """The keyword arguments of either lazy-cookie client: everything `build_client` and
    `build_async_client` share (retries over ``inner``, the base URL, the request hook, the status guard)."""
    request_hook, status_guard = hooks
    return {
        "base_url": _normalise_base_url(base_url),
        "auth": auth,
        "headers": dict(headers or {}),
        "timeout": timeout,
        "transport": MethodAwareRetryTransport(inner, _retry_table(retry), retry.for_method("GET")),
        "event_hooks": {"request": [request_hook], "response": [] if status_guard is None else [status_guard]},
    }


def build_client(
    base_url: str,
    *,
    auth: httpx.Auth | None = None,
    headers: Mapping[str, str] | None = None,
    timeout: httpx.Timeout = DEFAULT_TIMEOUT,
    retry: RetryPolicy = DEFAULT_RETRY,
    transport: httpx.BaseTransport | None = None,
    status_guard: bool = True,
    limits: AnswerLimits = DEFAULT_ANSWER_LIMITS,
) -> httpx.Client:
    """A sync httpx client with the project's timeouts, retries and status guard.

    A response with a non-standard status (e.g. 499) raises its `DPATRequestError` at once (the generated
    code cannot represent it), naming the operation the request carries. Callers that map every status
    themselves with `error_for_response` (QIDO-RS, in `parse_response`) pass ``status_guard=False``. Inside
    `buffered_bodies` GET bodies are read within the retry loop. Answer-size limits and the deadline: see
    `_core.limits`.
    """
    if transport is None:
        transport = deadline_transport(httpx.HTTPTransport(verify=default_ssl_context(), limits=DEFAULT_LIMITS))
    hooks = (mark_buffered, _non_iana_guard if status_guard else None)
    return LazyCookieClient(
        **_client_options(base_url, auth, headers, timeout, retry, LimitedTransport(transport, limits), hooks)
    )


def default_async_transport() -> LendingTransport:
    """The transport of an async client made without one: a `LendingTransport` of `ASYNC_CONNECTIONS`."""
    return LendingTransport(_ASYNC_LIMITS, default_ssl_context())


def build_async_client(
    base_url: str,
    *,
    auth: httpx.Auth | None = None,
    headers: Mapping[str, str] | None = None,
    timeout: httpx.Timeout = DEFAULT_TIMEOUT,
    retry: RetryPolicy = DEFAULT_RETRY,
    transport: httpx.AsyncBaseTransport | None = None,
    status_guard: bool = True,
    limits: AnswerLimits = DEFAULT_ANSWER_LIMITS,
) -> httpx.AsyncClient:
    """The async twin of `build_client`: by default over one `LendingTransport` of `ASYNC_CONNECTIONS`."""
    if transport is None:
        transport = default_async_transport()
    hooks = (async_mark_buffered, _async_non_iana_guard if status_guard else None)
    return LazyCookieAsyncClient(
        **_client_options(base_url, auth, headers, timeout, retry, LimitedTransport(transport, limits), hooks)
    )


def _normalise_base_url(base_url: str) -> str:
    # httpx joins "/path" onto the base; a trailing slash on the base would give "//path".
    install_log_redaction()  # httpx logs every URL at INFO; ours name slides and cases
    return base_url.rstrip("/")
