"""The one bearer-token `httpx.Auth` every client family uses; the token never shows in ``repr()``."""

from __future__ import annotations

from collections.abc import Generator

import httpx

from ..errors import DPATQueryError

__all__ = ["BearerAuth"]


class BearerAuth(httpx.Auth):
    """Sends ``Authorization: Bearer <token>``; None sends no token."""

    def __init__(self, token: str | None) -> None:
        if token is not None and not token:
            raise DPATQueryError("the bearer token is empty (pass None to send no token)")
        self._header = None if token is None else f"Bearer {token}"

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        if self._header is not None:
            request.headers["Authorization"] = self._header
        yield request

    def __repr__(self) -> str:
        return "BearerAuth(token=<redacted>)"
