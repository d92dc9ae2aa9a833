"""State and argument checks shared by `DPATAIClient` and `AsyncDPATAIClient` (no I/O here)."""

from __future__ import annotations

import warnings
from collections.abc import Callable, Coroutine, Mapping
from typing import Any

import httpx

from sectra_dpat_client._generated.dpat_api.models import ApplicationInfo

from .._core.base_url import check_base_url
from .._core.http import DEFAULT_RETRY, DEFAULT_TIMEOUT, RetryPolicy
from .._core.limits import DEFAULT_ANSWER_LIMITS, AnswerLimits
from .._core.redact import redact_url
from ..errors import DPATQueryError
from .arguments import path_segment, require_app_id
from .operations import check_version, header_version, parse_server_version, parse_version
from .tiles import TileFormatCache

__all__ = ["HTTP_CLIENT_DEPRECATED", "VERSION_HEADER", "BaseAIClient", "deprecated_close"]

HTTP_CLIENT_DEPRECATED = (
    "http_client= is deprecated: retry=, timeout= and limits= cannot apply to it; pass transport= instead"
)
VERSION_HEADER = "X-Sectra-ApiVersion"


class BaseAIClient:
    """What both IA-API clients keep: the base URL, the app id, versions, and the per-slide tile format."""

    _http: httpx.Client | httpx.AsyncClient
    _owns_http: bool

    def __init__(
        self,
        url: str,
        token: str | None,
        app_id: str | None,
        *,
        username: str | None,
        password: str | None,
        api_version: str | None,
    ) -> None:
        url = check_base_url(url, "the IA-API base URL")
        for what, secret in (("the password", password), ("the username", username)):
            if secret is not None and (not isinstance(secret, str) or any(not c.isprintable() for c in secret)):
                raise DPATQueryError(f"{what} holds a control character (a newline from reading a file?)")
        if token is not None and (username is not None or password is not None):
            raise DPATQueryError("pass either token= or username=/password=, not both")
        if (username is None) != (password is None):
            raise DPATQueryError("username= and password= go together")
        if username is not None and app_id is None:
            raise DPATQueryError("credentials mode needs app_id= (POST /token asks for the application id)")
        if api_version is not None:
            try:
                parse_version(api_version)
            except ValueError:
                raise DPATQueryError("api_version must be a version number such as '1.10'") from None
        self._init_state(
            url,
            None if app_id is None else path_segment("app_id", app_id),
            None if username is None or password is None else (username, password),
            api_version,
        )

    def _init_state(
        self, url: str, app_id: str | None, credentials: tuple[str, str] | None, api_version: str | None
    ) -> None:
        """Set the state of a client from checked arguments (also for the clients' ``_over``); the client
        classes' ``_attach`` then sets what goes with the httpx client."""
        self._owns_http = True
        self._url = url
        self._app_id = app_id
        self._credentials = credentials
        self._api_version = api_version
        self._server_version: str | None = None
        self._tile_formats = TileFormatCache()
        # Where requests go and what they add per request: nothing for the client's own httpx client
        # (base URL and version header are its defaults); a caller's client (deprecated) is never changed.
        self._base = ""
        self._request_headers: dict[str, str] | None = None
        # Whether operations wait for the server's version and are refused when newer (off only in `_over`).
        self._gated = True

    @property
    def url(self) -> str:
        """The IA-API base URL (the callback URL)."""
        return self._url

    @property
    def app_id(self) -> str | None:
        """The application id used in result paths, or None."""
        return self._app_id

    @property
    def server_api_version(self) -> str | None:
        """The server's IA-API version once ``/info`` was read, else None."""
        return self._server_version

    def _app(self) -> str:
        return require_app_id(self._app_id)

    def _version_header(self) -> str:
        return header_version(self._api_version, self._server_version)

    def _default_headers(self) -> dict[str, str]:
        """The headers every request of the client's own httpx client carries."""
        return {VERSION_HEADER: self._version_header()}

    def _adopt(
        self,
        deprecated_client: object,
        *,
        transport: object,
        timeout: httpx.Timeout,
        retry: RetryPolicy,
        limits: AnswerLimits,
    ) -> None:
        """Use a caller's httpx client as is: absolute URLs and per-request headers, nothing set on it.

        A transport, timeout, retry policy or answer limits given with it could not apply: `DPATQueryError`.
        """
        given = {
            "transport": transport is not None,
            "timeout": timeout != DEFAULT_TIMEOUT,
            "retry": retry != DEFAULT_RETRY,
            "limits": limits != DEFAULT_ANSWER_LIMITS,
        }
        for name, set_by_caller in given.items():
            if set_by_caller:
                raise DPATQueryError(f"pass {name}= or http_client=, not both (http_client= is used as is)")
        warnings.warn(HTTP_CLIENT_DEPRECATED, DeprecationWarning, stacklevel=3)
        self._owns_http = False
        self._base = self._url
        self._request_headers = self._default_headers()

    def _as_caller_client(self, headers: Mapping[str, str] | None) -> None:
        """Use a caller's httpx client as the deprecated raw-httpx functions did: its base URL, auth and
        headers as they are, ``headers`` added per request, and no version gate (the caller picks the version)."""
        self._owns_http = False
        self._request_headers = dict(headers or {})
        self._gated = False

    def _remember(self, info: ApplicationInfo) -> ApplicationInfo:
        """Keep the server's version; the version header follows it (lowered to the server's)."""
        self._server_version = parse_server_version(info.api_version)
        headers = self._http.headers if self._request_headers is None else self._request_headers
        headers[VERSION_HEADER] = self._version_header()
        return info

    def _check_version(self, operation: Any) -> None:
        if self._server_version is not None:
            check_version(operation, self._server_version)

    def __repr__(self) -> str:
        mode = "credentials" if self._credentials else "token"
        return f"{type(self).__name__}(url={redact_url(self._url)!r}, app_id={self._app_id!r}, auth={mode})"


def deprecated_close() -> Callable[[Any], Coroutine[Any, Any, None]]:
    """The async clients' old ``close`` spelling: warns, then awaits ``aclose``."""

    async def close(self: Any) -> None:
        """Deprecated: use ``await client.aclose()`` (or ``async with``)."""
        warnings.warn("close() of an async client is deprecated: use aclose()", DeprecationWarning, stacklevel=2)
        await self.aclose()

    return close
