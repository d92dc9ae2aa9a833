"""Credentials for a QIDO-RS server: Basic (the seed's username and password), a bearer token, or any httpx.Auth."""

from __future__ import annotations

import httpx

from .._core.auth import BearerAuth
from ..errors import DPATQueryError

__all__ = ["BearerAuth", "resolve_auth"]


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
