"""Credentials for a QIDO-RS server: Basic (the seed's username and password), a bearer token, or any httpx.Auth."""

from __future__ import annotations

from collections.abc import Generator

import httpx

from ..errors import DPATQueryError

__all__ = ["BearerAuth", "resolve_auth"]


class BearerAuth(httpx.Auth):
    """Sends ``Authorization: Bearer <token>``; the token never shows in ``repr()``."""

    def __init__(self, token: str) -> None:
        if not token:
            raise DPATQueryError("the bearer token is empty")
        self._header = f"Bearer {token}"

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        request.headers["Authorization"] = self._header
        yield request

    def __repr__(self) -> str:
        return "BearerAuth(<redacted>)"


def resolve_auth(
    username: str | None, password: str | None, token: str | None, auth: httpx.Auth | None
) -> httpx.Auth | None:
    """The one `httpx.Auth` the given credentials describe; more than one kind is an error."""
    kinds = [name for name, given in (("username", username), ("token", token), ("auth", auth)) if given is not None]
    if len(kinds) > 1:
        raise DPATQueryError(f"give one kind of credentials, not {' and '.join(kinds)}")
    if password is not None and username is None:
        raise DPATQueryError("a password needs a username")
    if username is not None:
        return httpx.BasicAuth(username, password or "")
    if token is not None:
        return BearerAuth(token)
    return auth
