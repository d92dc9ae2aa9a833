"""Authentication for the IA-API clients: the callback bearer token, or username/password via ``/token``.

Both are `httpx.Auth` flows on the client's own httpx client, so every request (generated calls, the
large-result fast path, downloads) is authenticated the same way.

Credentials mode asks ``POST /token`` (HTTP Basic) for a bearer token, renews it
``min(60, expires_in // 2)`` seconds before it expires, and once more after a 401. A lock and a
generation counter make concurrent callers (threads, or tasks) share one renewal; a rejected (401) answer
is read and closed before waiting for the renewal, so it never holds the connection the renewal needs.
"""

from __future__ import annotations

import asyncio
import base64
import threading
import time
from collections.abc import AsyncGenerator, Awaitable, Callable, Generator
from dataclasses import dataclass

import httpx

from sectra_dpat_client._generated.dpat_api.models import Token

from .._core.auth import BearerAuth

__all__ = ["AsyncTokenAuth", "BearerAuth", "TokenAuth", "TokenState"]

Clock = Callable[[], float]


@dataclass(frozen=True, slots=True)
class TokenState:
    """A bearer token and when to renew it (monotonic seconds); ``generation`` counts renewals."""

    token: str = ""
    renew_at: float = float("-inf")
    generation: int = 0

    def fresh(self, now: float) -> bool:
        """Whether the token can still be used without renewing it."""
        return bool(self.token) and now < self.renew_at

    def renewed(self, token: Token, now: float) -> TokenState:
        """The state after ``/token`` answered ``token`` at time ``now``."""
        lifetime = max(0, int(token.expires_in))
        margin = min(60, lifetime // 2)
        return TokenState(token=token.access_token, renew_at=now + lifetime - margin, generation=self.generation + 1)

    def __repr__(self) -> str:
        return f"TokenState(token=<redacted>, renew_at={self.renew_at!r}, generation={self.generation})"


class _TokenAuthBase(httpx.Auth):
    def __init__(self, base_url: str, username: str, password: str, clock: Clock) -> None:
        credentials = base64.b64encode(f"{username}:{password}".encode()).decode("ascii")
        self._basic = f"Basic {credentials}"
        self._token_path = httpx.URL(base_url).path.rstrip("/") + "/token"
        self._state = TokenState()
        self._clock = clock

    def _is_token_request(self, request: httpx.Request) -> bool:
        return request.method == "POST" and request.url.path == self._token_path

    def __repr__(self) -> str:
        return f"{type(self).__name__}(credentials=<redacted>, generation={self._state.generation})"


class TokenAuth(_TokenAuthBase):
    """Credentials mode for the sync client; ``fetch`` calls ``POST /token`` and returns its answer."""

    def __init__(
        self, base_url: str, username: str, password: str, fetch: Callable[[], Token], *, clock: Clock = time.monotonic
    ) -> None:
        super().__init__(base_url, username, password, clock)
        self._fetch = fetch
        self._lock = threading.Lock()

    def current(self, stale_generation: int | None = None) -> TokenState:
        """A usable token; renewed if it is about to expire or is the (rejected) ``stale_generation``."""
        with self._lock:
            state = self._state
            if state.generation == stale_generation or not state.fresh(self._clock()):
                state = self._state = state.renewed(self._fetch(), self._clock())
            return state

    def sync_auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        if self._is_token_request(request):
            request.headers["Authorization"] = self._basic
            yield request
            return
        state = self.current()
        request.headers["Authorization"] = f"Bearer {state.token}"
        response = yield request
        if response.status_code == 401:
            # Give the rejected answer's connection back first: the renewal may need it for POST /token.
            try:
                response.read()
            finally:
                response.close()
            state = self.current(stale_generation=state.generation)
            request.headers["Authorization"] = f"Bearer {state.token}"
            yield request


class AsyncTokenAuth(_TokenAuthBase):
    """Credentials mode for the async client; ``fetch`` awaits ``POST /token`` and returns its answer."""

    def __init__(
        self,
        base_url: str,
        username: str,
        password: str,
        fetch: Callable[[], Awaitable[Token]],
        *,
        clock: Clock = time.monotonic,
    ) -> None:
        super().__init__(base_url, username, password, clock)
        self._fetch = fetch
        self._lock = asyncio.Lock()

    async def current(self, stale_generation: int | None = None) -> TokenState:
        """A usable token; renewed if it is about to expire or is the (rejected) ``stale_generation``."""
        async with self._lock:
            state = self._state
            if state.generation == stale_generation or not state.fresh(self._clock()):
                state = self._state = state.renewed(await self._fetch(), self._clock())
            return state

    async def async_auth_flow(self, request: httpx.Request) -> AsyncGenerator[httpx.Request, httpx.Response]:
        if self._is_token_request(request):
            request.headers["Authorization"] = self._basic
            yield request
            return
        state = await self.current()
        request.headers["Authorization"] = f"Bearer {state.token}"
        response = yield request
        if response.status_code == 401:
            # Give the rejected answer's connection slot back first: the renewal may need it for POST /token.
            try:
                await response.aread()
            finally:
                await response.aclose()
            state = await self.current(stale_generation=state.generation)
            request.headers["Authorization"] = f"Bearer {state.token}"
            yield request
