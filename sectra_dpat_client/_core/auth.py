"""The one bearer-token `httpx.Auth` every client family uses; the token never shows in ``repr()``."""

from __future__ import annotations

from collections.abc import Callable, Generator

import httpx

from ..errors import DPATQueryError

__all__ = ["BearerAuth"]


class BearerAuth(httpx.Auth):
    """Sends ``Authorization: Bearer <token>``; None sends no token.

    ``on_response`` (optional) is called once the server answered, for callers that need to know it.
    """

    def __init__(self, token: str | None, *, on_response: Callable[[], None] | None = None) -> None:
        if token is not None and not token:
            raise DPATQueryError("the bearer token is empty (pass None to send no token)")
        self._header = None if token is None else f"Bearer {token}"
        self._on_response = on_response

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        if self._header is not None:
            request.headers["Authorization"] = self._header
        yield request
        if self._on_response is not None:
            self._on_response()

    def __repr__(self) -> str:
        return "BearerAuth(token=<redacted>)"
