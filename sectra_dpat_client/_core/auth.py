"""The one bearer-token `httpx.Auth` every client family uses; the token never shows in ``repr()``."""

from __future__ import annotations

from collections.abc import Generator

import httpx

from ..errors import DPATQueryError

__all__ = ["BearerAuth", "check_secret"]


def check_secret(what: str, value: object) -> None:
    """Refuse a token or credential that cannot go into a header as given; the message never shows it.

    Catches the usual accidents (a trailing newline from ``open(...).read()``, spaces, control
    characters, non-ASCII text) at construction, before httpx would put the value into an exception.
    """
    if not isinstance(value, str):
        raise DPATQueryError(f"{what} must be a string, not {type(value).__name__}")
    if value != value.strip():
        raise DPATQueryError(f"{what} has leading or trailing whitespace (a newline from reading a file?)")
    if not all("\x21" <= char <= "\x7e" for char in value):
        raise DPATQueryError(f"{what} holds a space, a control character or non-ASCII text")


class BearerAuth(httpx.Auth):
    """Sends ``Authorization: Bearer <token>``; None sends no token."""

    def __init__(self, token: str | None) -> None:
        if token is not None and not token:
            raise DPATQueryError("the bearer token is empty (pass None to send no token)")
        if token is not None:
            check_secret("the bearer token", token)
        self._header = None if token is None else f"Bearer {token}"

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        if self._header is not None:
            request.headers["Authorization"] = self._header
        yield request

    def __repr__(self) -> str:
        return "BearerAuth(token=<redacted>)"
