"""State and argument checks shared by `DPATAIClient` and `AsyncDPATAIClient` (no I/O here)."""

from __future__ import annotations

from typing import Any, NoReturn

import httpx

from sectra_dpat_client._generated.dpat_api.models import ApplicationInfo

from .._core import http as _http
from ..errors import DPATQueryError, DPATResponseError
from . import _core
from ._core import Operation

__all__ = ["HTTP_CLIENT_DEPRECATED", "UNGATED_OPERATIONS", "BaseAIClient"]

# Operations sent without reading /info first: /info itself, /token (needed to read /info at all) and
# /launchdata (the bootstrap call of a launched app, made before it has any token).
UNGATED_OPERATIONS = frozenset({"getServerInfo", "createToken", "getLaunchData"})
HTTP_CLIENT_DEPRECATED = (
    "http_client= is deprecated: it ignores retry= and timeout= and has its auth replaced; pass transport= instead"
)


class BaseAIClient:
    """What both IA-API clients keep: the base URL, the app id, versions, and the per-slide tile format."""

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
        if not isinstance(url, str) or not url.startswith(("http://", "https://")):
            raise DPATQueryError("url must be the IA-API base URL, starting with http:// or https://")
        if token is not None and (username is not None or password is not None):
            raise DPATQueryError("pass either token= or username=/password=, not both")
        if (username is None) != (password is None):
            raise DPATQueryError("username= and password= go together")
        if username is not None and app_id is None:
            raise DPATQueryError("credentials mode needs app_id= (POST /token asks for the application id)")
        if api_version is not None:
            try:
                _core.parse_version(api_version)
            except ValueError:
                raise DPATQueryError("api_version must be a version number such as '1.10'") from None
        self._url = url.rstrip("/")
        self._app_id = None if app_id is None else _core.path_segment("app_id", app_id)
        self._credentials = None if username is None or password is None else (username, password)
        self._api_version = api_version
        self._server_version: str | None = None
        self._tile_formats = _core.TileFormatCache()

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
        return _core.require_app_id(self._app_id)

    def _version_header(self) -> str:
        return _core.header_version(self._api_version, self._server_version)

    def _headers_for(self, operation: Operation, kwargs: dict[str, Any]) -> dict[str, Any]:
        if operation.sends_version_header:
            kwargs["x_sectra_api_version"] = self._version_header()
        return kwargs

    def _remember(self, info: ApplicationInfo) -> ApplicationInfo:
        self._server_version = _core.parse_server_version(info.api_version)
        return info

    def _needs_server_version(self, operation: Operation) -> bool:
        return operation.operation_id not in UNGATED_OPERATIONS and self._server_version is None

    def _check_version(self, operation: Operation) -> None:
        if operation.operation_id not in UNGATED_OPERATIONS and self._server_version is not None:
            _core.check_version(operation, self._server_version)

    @staticmethod
    def _reraise(exc: Exception, operation: Operation) -> NoReturn:
        mapped = _core.translate_failure(exc, operation)
        if mapped is None:
            raise exc
        if isinstance(mapped, DPATResponseError):
            raise mapped from None
        raise mapped from exc

    @staticmethod
    def _adopt(client: httpx.Client | httpx.AsyncClient, url: str, auth: httpx.Auth) -> None:
        """Make a caller-supplied httpx client usable: our base URL if it has none, our auth, the status guard."""
        if not str(client.base_url):
            client.base_url = httpx.URL(url)
        client.auth = auth
        _http.add_status_guard(client)

    def __repr__(self) -> str:
        mode = "credentials" if self._credentials else "token"
        return f"{type(self).__name__}(url={self._url!r}, app_id={self._app_id!r}, auth={mode})"
