"""Authentication for the IA-API clients: the callback bearer token, or username/password via ``/token``.

Both are `httpx.Auth` flows on the client's own httpx client, so every request (generated calls, the
large-result fast path, downloads) is authenticated the same way.

Credentials mode asks ``POST /token`` (HTTP Basic) for a bearer token, renews it
``min(60, expires_in // 2)`` seconds before it expires, and once more after a 401. A lock and a
generation counter make concurrent callers (threads, or tasks) share one renewal; a rejected (401) answer
is read and closed before waiting for the renewal, so it never holds the connection the renewal needs.
`AsyncTokenAuth` is written once (``_async/auth.py``); `TokenAuth` is generated from it (``_sync/auth.py``).
"""

from __future__ import annotations

from .._core.auth import BearerAuth
from ._async.auth import AsyncTokenAuth
from ._sync.auth import TokenAuth
from .token_state import TokenState

__all__ = ["AsyncTokenAuth", "BearerAuth", "TokenAuth", "TokenState"]
