"""`AsyncTokenAuth`: credentials mode (username/password via ``POST /token``) as an `httpx.Auth` flow.

The async module is the hand-written one; the sync `TokenAuth` in ``../_sync`` is generated from it by
``codegen/unasync.py``. The renewal rules are in `sectra_dpat_client.ai.auth`.
"""

from __future__ import annotations

import base64
import time
from collections.abc import AsyncGenerator, Awaitable, Callable

import httpx

from sectra_dpat_client._generated.dpat_api.models import Token

from ..._core.primitives import AsyncLock
from ..operations import operation_for
from ..token_state import TokenState

__all__ = ["AsyncTokenAuth"]

Clock = Callable[[], float]

TOKEN_PATH = operation_for("create_token").path
"""``/token``, from the spec's operation table."""


class AsyncTokenAuth(httpx.Auth):
    """Credentials mode; ``fetch`` sends ``POST /token`` (through the same client) and returns its answer."""

    def __init__(
        self,
        base_url: str,
        username: str,
        password: str,
        fetch: Callable[[], Awaitable[Token]],  # unasync: fetch: Callable[[], Token],
        *,
        clock: Clock = time.monotonic,
    ) -> None:
        credentials = base64.b64encode(f"{username}:{password}".encode()).decode("ascii")
        self._basic = f"Basic {credentials}"
        self._token_path = httpx.URL(base_url).path.rstrip("/") + TOKEN_PATH
        self._state = TokenState()
        self._clock = clock
        self._fetch = fetch
        self._lock = AsyncLock()

    def _is_token_request(self, request: httpx.Request) -> bool:
        return request.method == "POST" and request.url.path == self._token_path

    def __repr__(self) -> str:
        return f"{type(self).__name__}(credentials=<redacted>, generation={self._state.generation})"

    async def current(self, stale_generation: int | None = None) -> TokenState:
        """A usable token; renewed if it is about to expire or is the (rejected) ``stale_generation``."""
        async with self._lock:
            state = self._state
            if state.generation == stale_generation or not state.fresh(self._clock()):
                state = self._state = state.renewed(await self._fetch(), self._clock())
            return state

    # unasync: def sync_auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
    async def async_auth_flow(self, request: httpx.Request) -> AsyncGenerator[httpx.Request, httpx.Response]:
        if self._is_token_request(request):
            request.headers["Authorization"] = self._basic
            yield request
            return
        state = await self.current()
        request.headers["Authorization"] = f"Bearer {state.token}"
        response = yield request
        if response.status_code == 401:
            # Give the rejected answer's connection back first: the renewal may need it for POST /token.
            try:
                await response.aread()
            finally:
                await response.aclose()
            state = await self.current(stale_generation=state.generation)
            request.headers["Authorization"] = f"Bearer {state.token}"
            yield request
