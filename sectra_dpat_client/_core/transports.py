"""The transports under the shared HTTP layer's clients: method-aware retries, whole-body reads inside the
retry loop, lazy cookies. Built by `sectra_dpat_client._core.http` only.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

import httpx
from httpx._client import BaseClient
from httpx_retries import Retry, RetryTransport

__all__ = [
    "BUFFER_BODY",
    "CALL_STARTED",
    "SAFE_METHODS",
    "BufferingTransport",
    "LazyCookieAsyncClient",
    "LazyCookieClient",
    "MethodAwareRetryTransport",
    "WrappingTransport",
    "async_mark_buffered",
    "buffered_bodies",
    "mark_buffered",
]

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})

BUFFER_BODY = "sectra_dpat_client.buffer_body"
"""Request extension: read the whole body inside the retrying transport (safe methods only)."""

CALL_STARTED = "sectra_dpat_client.call_started"
"""Request extension: when its call began, if before it was sent (a wait for its turn); its deadline counts from it."""

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


class WrappingTransport(httpx.BaseTransport, httpx.AsyncBaseTransport):
    """A transport over one inner transport, sync or async: a request of the other kind is a `RuntimeError`,
    and closing closes the inner one its own way. Subclasses add what they do around `sync_inner`/`async_inner`.
    """

    def __init__(self, inner: httpx.BaseTransport | httpx.AsyncBaseTransport) -> None:
        self._inner = inner

    @property
    def sync_inner(self) -> httpx.BaseTransport:
        """The inner transport, for a sync request."""
        if not isinstance(self._inner, httpx.BaseTransport):
            raise RuntimeError("synchronous request on an async-only transport")
        return self._inner

    @property
    def async_inner(self) -> httpx.AsyncBaseTransport:
        """The inner transport, for an async request."""
        if not isinstance(self._inner, httpx.AsyncBaseTransport):
            raise RuntimeError("asynchronous request on a sync-only transport")
        return self._inner

    def close(self) -> None:
        if isinstance(self._inner, httpx.BaseTransport):
            self._inner.close()

    async def aclose(self) -> None:
        if isinstance(self._inner, httpx.AsyncBaseTransport):
            await self._inner.aclose()


class BufferingTransport(WrappingTransport):
    """Reads the body of marked safe requests inside the retry loop, so a connection lost mid-body is retried.

    Without this a failure while reading the body happens after the transport returned, out of reach of
    the retries. Streamed downloads must not be marked: their bodies would be held in memory.
    """

    @staticmethod
    def _wants_buffer(request: httpx.Request) -> bool:
        return request.method in SAFE_METHODS and bool(request.extensions.get(BUFFER_BODY))

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        response = self.sync_inner.handle_request(request)
        if self._wants_buffer(request):
            try:
                response.read()
            finally:
                response.close()
        return response

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        response = await self.async_inner.handle_async_request(request)
        if self._wants_buffer(request):
            try:
                await response.aread()
            finally:
                await response.aclose()
        return response


class _LazyCookies(httpx.Cookies):
    """A cookie store that skips `http.cookiejar`'s extraction (~25 us a call) for answers without cookies."""

    def extract_cookies(self, response: httpx.Response) -> None:
        headers = response.headers
        if "set-cookie" in headers or "set-cookie2" in headers:
            super().extract_cookies(response)


_MERGED_URLS = 256  # merged URLs a client keeps (the paths it calls again and again)


class _LazyCookieClientBase(BaseClient):
    """What both lazy-cookie clients add to httpx's client: the `_LazyCookies` store, also after ``cookies = ...``,
    and a relative path merged onto the base URL in one parse (httpx parses it, then the merged URL again)."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._cookies = _LazyCookies(self._cookies.jar)
        self._merged: dict[str, httpx.URL] = {}  # relative path -> merged URL, for the base below
        self._merged_base: httpx.URL | None = None

    @property
    def cookies(self) -> httpx.Cookies:
        return self._cookies

    @cookies.setter
    def cookies(self, cookies: httpx._types.CookieTypes) -> None:
        self._cookies = _LazyCookies(httpx.Cookies(cookies).jar)

    def _merge_url(self, url: httpx.URL | str) -> httpx.URL:
        base = self.base_url
        if isinstance(url, str) and url.startswith("/") and not url.startswith("//") and "#" not in url:
            merged = self._merged
            if self._merged_base is not base:  # ``base_url`` was set anew: a new dict, so that a thread
                self._merged = merged = {}  # still merging onto the old base writes into the old one
                self._merged_base = base
            known = merged.get(url)
            if known is not None:
                return known  # httpx.URL is immutable: one per path serves every request to it
            prefix = str(base)
            if base.raw_path == b"/" and not prefix.endswith("/"):  # httpx writes a bare host without it
                prefix += "/"
            if base.is_absolute_url and prefix.endswith("/") and not base.query and not base.fragment:
                # What httpx builds: the base's path (ending in "/") followed by ``url`` without its leading "/".
                known = httpx.URL(prefix + url[1:])
                if len(merged) >= _MERGED_URLS:
                    self._merged = merged = {}
                merged[url] = known
                return known
        return super()._merge_url(url)


class LazyCookieClient(_LazyCookieClientBase, httpx.Client):
    """An `httpx.Client` whose cookie store only parses answers that set a cookie (same behaviour, less CPU)."""


class LazyCookieAsyncClient(_LazyCookieClientBase, httpx.AsyncClient):
    """An `httpx.AsyncClient` whose cookie store only parses answers that set a cookie (as `LazyCookieClient`)."""


class MethodAwareRetryTransport(RetryTransport):
    """`RetryTransport` (over a `BufferingTransport`) taking each request's retry rules from ``retry_for(request)``
    (by its method, bound to its deadline); ``default`` stands for them where httpx-retries wants one."""

    def __init__(
        self,
        transport: httpx.BaseTransport | httpx.AsyncBaseTransport,
        retry_for: Callable[[httpx.Request], Retry],
        default: Retry,
    ) -> None:
        super().__init__(transport=BufferingTransport(transport), retry=default)
        self._retry_for = retry_for

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        if "retry" not in request.extensions:
            request.extensions["retry"] = self._retry_for(request)
        return super().handle_request(request)

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if "retry" not in request.extensions:
            request.extensions["retry"] = self._retry_for(request)
        return await super().handle_async_request(request)


def mark_buffered(request: httpx.Request) -> None:
    """Request hook: inside `buffered_bodies`, mark the request for a whole-body read in the transport."""
    if _BUFFERING.get():
        request.extensions.setdefault(BUFFER_BODY, True)


async def async_mark_buffered(request: httpx.Request) -> None:
    """`mark_buffered` as an async client's request hook."""
    mark_buffered(request)
