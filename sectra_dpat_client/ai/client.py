"""`DPATAIClient`: the synchronous IA-API client (the app → DPAT direction)."""

from __future__ import annotations

import threading
import warnings
from collections.abc import Callable
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Any, Self, TypeVar

import httpx

from dpat_api import AuthenticatedClient
from dpat_api.api.cases import get_case_images, get_case_images_by_slide
from dpat_api.api.launch import get_launch_data
from dpat_api.api.results import create_result, get_attachment, get_result, list_results_for_slide, update_result
from dpat_api.api.server import create_token, get_application, get_server_info
from dpat_api.api.slides import get_image_info, get_label, get_slide_files, set_quality_control
from dpat_api.api.tiles import get_tile, get_tile_in_focal_plane
from dpat_api.models import (
    Application,
    ApplicationInfo,
    CaseImageInfo,
    ImageInfo,
    LaunchResponse,
    QualityControl,
    Result,
    ResultResponse,
    ResultUpdate,
    Token,
    TokenRequest,
)
from dpat_api.types import Response

from .. import wsi
from .._core import http as _http
from ..errors import DPATConflictError, DPATQueryError
from . import _core
from ._base import HTTP_CLIENT_DEPRECATED as _HTTP_CLIENT_DEPRECATED
from ._base import BaseAIClient
from ._core import optional, path_segment
from .auth import BearerAuth, TokenAuth
from .fastpath import FastResult

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt
    from PIL import Image

    from ..wsi import ProgressCallback

__all__ = ["DPATAIClient"]

T = TypeVar("T")


class DPATAIClient(BaseAIClient):
    """Synchronous client of the DPAT Image Analysis API.

    >>> client = DPATAIClient(url=callback_url, token=callback_token)          # doctest: +SKIP
    >>> client.get_image_info(slide_id, extended=True)                         # doctest: +SKIP

    ``token`` is the invocation's callback token; `from_credentials` logs in with a Sectra user
    instead. ``app_id`` is needed for the result calls. Nothing is sent before the first call: the
    server's ``/info`` is read once, then, and a call newer than the server raises
    `DPATVersionError` without being sent. ``X-Sectra-ApiVersion`` carries ``api_version`` if given,
    else the spec's version (the newest this client speaks), lowered to the server's once known.
    The one injection seam is ``transport`` (an httpx transport; the client wraps it in its retries and
    never changes it); ``retry`` and ``timeout`` always apply. ``http_client`` is deprecated: it is
    adopted as is (its auth is replaced, it is not closed by the client) and ignores ``retry``/``timeout``.
    """

    def __init__(
        self,
        url: str,
        token: str | None = None,
        app_id: str | None = None,
        *,
        username: str | None = None,
        password: str | None = None,
        api_version: str | None = None,
        timeout: httpx.Timeout = _http.DEFAULT_TIMEOUT,
        retry: _http.RetryPolicy = _http.DEFAULT_RETRY,
        transport: httpx.BaseTransport | None = None,
        http_client: httpx.Client | None = None,
    ) -> None:
        super().__init__(url, token, app_id, username=username, password=password, api_version=api_version)
        auth: httpx.Auth = (
            BearerAuth(token, on_response=_core.mark_response_seen)
            if self._credentials is None
            else TokenAuth(self._url, *self._credentials, self._token)
        )
        self._owns_http = http_client is None
        if http_client is None:
            http_client = _http.build_client(self._url, auth=auth, timeout=timeout, retry=retry, transport=transport)
        else:
            if transport is not None:
                raise DPATQueryError("pass transport= or http_client=, not both")
            warnings.warn(_HTTP_CLIENT_DEPRECATED, DeprecationWarning, stacklevel=2)
            self._adopt(http_client, self._url, auth)
        self._http = http_client
        # The Authorization header is set by ``auth`` on the httpx client, not by the generated client.
        self._api = AuthenticatedClient(base_url=self._url, token="").set_httpx_client(http_client)
        self._info_lock = threading.Lock()

    @classmethod
    def from_credentials(
        cls,
        url: str,
        app_id: str,
        username: str,
        password: str,
        *,
        api_version: str | None = None,
        timeout: httpx.Timeout = _http.DEFAULT_TIMEOUT,
        retry: _http.RetryPolicy = _http.DEFAULT_RETRY,
        transport: httpx.BaseTransport | None = None,
        http_client: httpx.Client | None = None,
    ) -> Self:
        """A client that gets (and renews) its bearer token from ``POST /token`` with a Sectra user's credentials."""
        return cls(
            url,
            app_id=app_id,
            username=username,
            password=password,
            api_version=api_version,
            timeout=timeout,
            retry=retry,
            transport=transport,
            http_client=http_client,
        )

    # -- plumbing ---------------------------------------------------------------------------------

    def _send(self, function: Callable[..., Response[Any]], /, *args: Any, **kwargs: Any) -> Response[Any]:
        """Call one generated ``sync_detailed`` function; raise the library's error for anything but 2xx."""
        operation = _core.operation_for(function)
        self._gate(operation)
        _core.reset_response_seen()
        try:
            with _http.buffered_bodies():
                response = function(*args, client=self._api, **self._headers_for(operation, kwargs))
        except Exception as exc:
            self._reraise(exc, operation)
        _core.unwrap(response, operation)
        return response

    def _call(self, kind: type[T], function: Callable[..., Response[Any]], /, *args: Any, **kwargs: Any) -> T:
        operation = _core.operation_for(function)
        return _core.expect_one(kind, self._send(function, *args, **kwargs).parsed, operation)

    def _call_list(
        self, kind: type[T], function: Callable[..., Response[Any]], /, *args: Any, **kwargs: Any
    ) -> list[T]:
        operation = _core.operation_for(function)
        return _core.expect_list(kind, self._send(function, *args, **kwargs).parsed, operation)

    def _send_fast(self, function: Callable[..., Response[Any]], body: bytes, **path: str | int) -> ResultResponse:
        """Send pre-encoded JSON to the operation of ``function`` through the same client and error mapping."""
        operation = _core.operation_for(function)
        self._gate(operation)
        headers = {"Content-Type": "application/json", "X-Sectra-ApiVersion": self._version_header()}
        _core.reset_response_seen()
        try:
            response = self._http.request(
                operation.method, _core.fill_path(operation, **path), content=body, headers=headers
            )
        except Exception as exc:
            self._reraise(exc, operation)
        _http.raise_for_response(response, operation.path)
        return _core.parse_result_response(response.content, operation)

    def _gate(self, operation: _core.Operation) -> None:
        if self._needs_server_version(operation):
            with self._info_lock:
                if self._needs_server_version(operation):
                    self.get_info()
        self._check_version(operation)

    def _token(self) -> Token:
        body = TokenRequest(grant_type="client_credentials")
        return self._call(Token, create_token.sync_detailed, body=body, application_id=self._app())

    def _tile_extension(self, slide_id: str) -> str:
        known = self._tile_formats.get(slide_id)
        return known or self._tile_formats.put(slide_id, _core.tile_extension(self.get_image_info(slide_id)))

    # -- server and application -----------------------------------------------------------------

    def get_info(self) -> ApplicationInfo:
        """The server's IA-API and software versions (``GET /info``); also remembered for version checks."""
        return self._remember(self._call(ApplicationInfo, get_server_info.sync_detailed))

    def get_application(self, app_id: str | None = None) -> Application:
        """The registered application (this client's ``app_id`` unless another is given)."""
        chosen = self._app() if app_id is None else path_segment("app_id", app_id)
        return self._call(Application, get_application.sync_detailed, chosen)

    def get_launch_data(self, request_id: str, session_token: str, app_id: str | None = None) -> LaunchResponse:
        """The callback info and slides of an external launch (``GET /launchdata``); needs no bearer token."""
        chosen = optional(app_id if app_id is not None else self._app_id)
        return self._call(
            LaunchResponse,
            get_launch_data.sync_detailed,
            request_id=request_id,
            session_token=session_token,
            app_id=chosen,
        )

    # -- slides and cases -------------------------------------------------------------------------

    def get_image_info(self, slide_id: str, extended: bool = False, phi: bool = False) -> ImageInfo:
        """Metadata of one slide; ``extended`` adds LIS/exam fields, ``phi`` patient-identifying ones."""
        return self._call(
            ImageInfo,
            get_image_info.sync_detailed,
            path_segment("slide_id", slide_id),
            scope=_core.info_scope(extended),
            include_phi=_core.flag(phi),
        )

    def get_image_infos_in_case(
        self, accession_number: str, issuer: str | None = None, phi: bool = False
    ) -> list[CaseImageInfo]:
        """All images of a case (IA-API 1.9); the issuer is sent under both names servers are known to read."""
        return self._call_list(
            CaseImageInfo,
            get_case_images.sync_detailed,
            path_segment("accession_number", accession_number),
            include_phi=_core.flag(phi),
            accession_number_issuer=optional(issuer),
            accession_number_issuer_id=optional(issuer),
        )

    def get_image_infos_in_case_by_slide_id(
        self, slide_id: str, issuer: str | None = None, phi: bool = False
    ) -> list[CaseImageInfo]:
        """All images of the case that contains ``slide_id`` (IA-API 1.9)."""
        return self._call_list(
            CaseImageInfo,
            get_case_images_by_slide.sync_detailed,
            path_segment("slide_id", slide_id),
            include_phi=_core.flag(phi),
            accession_number_issuer_id=optional(issuer),
        )

    def get_label(self, slide_id: str) -> bytes | None:
        """The slide label image, or None when the slide has none (204). The label may show patient data."""
        return _core.content_or_none(self._send(get_label.sync_detailed, path_segment("slide_id", slide_id)))

    def get_tile(
        self,
        slide_id: str,
        level: int,
        col: int,
        row: int,
        focal_plane: str | int | None = None,
        optical_path: str | None = None,
        fmt: str | None = None,
    ) -> bytes:
        """One Deep Zoom tile; ``fmt`` defaults to the slide's first available tile format (else ``jpg``)."""
        slide_id = path_segment("slide_id", slide_id)
        ext = fmt if fmt is not None else self._tile_extension(slide_id)
        if focal_plane is None:
            tile = self._send(
                get_tile.sync_detailed, slide_id, level, col, row, ext, optical_path=optional(optical_path)
            )
        else:
            tile = self._send(
                get_tile_in_focal_plane.sync_detailed,
                slide_id,
                level,
                col,
                row,
                str(focal_plane),
                ext,
                optical_path=optional(optical_path),
            )
        return tile.content

    def set_quality_control(self, slide_id: str, quality_control: QualityControl) -> None:
        """Set a slide's quality-control status (IA-API 1.10); send the ``versionId`` read from its image info."""
        self._send(set_quality_control.sync_detailed, path_segment("slide_id", slide_id), body=quality_control)

    # -- whole-slide data (implemented in sectra_dpat_client.wsi) ----------------------------------

    def download_slide_files(
        self,
        slide_id: str,
        dest_dir: str | Path,
        *,
        progress: ProgressCallback | None = None,
        resume: bool = True,
    ) -> list[Path]:
        """Stream the slide's original file(s) into ``dest_dir`` (constant memory, resumable); returns the paths."""
        self._gate(_core.operation_for(get_slide_files.sync_detailed))
        return wsi.download_slide_files(
            self._http,
            path_segment("slide_id", slide_id),
            dest_dir,
            progress=progress,
            resume=resume,
            headers={"X-Sectra-ApiVersion": self._version_header()},
        )

    def download_case(
        self,
        accession_number: str,
        dest_dir: str | Path,
        *,
        max_concurrency: int = 4,
        progress: ProgressCallback | None = None,
        resume: bool = True,
    ) -> dict[str, list[Path]]:
        """Download every slide of a case into ``dest_dir/<slide id>``, ``max_concurrency`` slides at a time."""
        return wsi.download_case(
            self, accession_number, dest_dir, max_concurrency=max_concurrency, progress=progress, resume=resume
        )

    def read_region(
        self,
        slide_id: str,
        x: float,
        y: float,
        width: int,
        height: int,
        *,
        level: int | None = None,
        mpp: float | None = None,
        focal_plane: str | None = None,
        optical_path: str | None = None,
        fmt: str | None = None,
        info: ImageInfo | None = None,
    ) -> npt.NDArray[np.uint8]:
        """A region stitched from the tiles it needs, as an RGB array (see `sectra_dpat_client.wsi.regions`).

        Pass the slide's ``info`` when reading many regions, to save fetching it each time.
        """
        return wsi.read_region(
            self,
            slide_id,
            x,
            y,
            width,
            height,
            level=level,
            mpp=mpp,
            focal_plane=focal_plane,
            optical_path=optical_path,
            fmt=fmt,
            info=info,
        )

    def get_thumbnail(self, slide_id: str, max_size: int = 512, *, fmt: str | None = None) -> Image.Image:
        """The whole slide as an image at most ``max_size`` pixels on its longer side, built from tiles."""
        return wsi.get_thumbnail(self, slide_id, max_size, fmt=fmt)

    # -- results ----------------------------------------------------------------------------------

    def create_results(self, result: Result | FastResult) -> ResultResponse:
        """Store a new result on a slide; a bare `ResultContent` as ``data`` is wrapped as the wire format wants."""
        if isinstance(result, FastResult):
            return self._send_fast(create_result.sync_detailed, result.to_bytes(), appId=self._app())
        return self._call(ResultResponse, create_result.sync_detailed, self._app(), body=_core.normalise_result(result))

    def get_results(self, result_id: int) -> ResultResponse:
        """One result of this application."""
        return self._call(ResultResponse, get_result.sync_detailed, self._app(), result_id)

    def update_results(
        self,
        result_id: int,
        result: Result | ResultResponse | ResultUpdate | FastResult,
        version_id: str | None = None,
    ) -> ResultResponse:
        """Replace a result; the ``versionId`` comes from ``version_id`` or from the `ResultResponse` given.

        A stale ``versionId`` raises `DPATConflictError` (409).
        """
        if isinstance(result, FastResult):
            body = _core.fast_update_body(result, version_id)
            return self._send_fast(update_result.sync_detailed, body, appId=self._app(), resultId=result_id)
        body_model = _core.result_update(result, version_id)
        return self._call(ResultResponse, update_result.sync_detailed, self._app(), result_id, body=body_model)

    def list_results_for_slide(self, slide_id: str) -> list[ResultResponse]:
        """This application's results on a slide (possibly none)."""
        return self._call_list(
            ResultResponse, list_results_for_slide.sync_detailed, self._app(), path_segment("slide_id", slide_id)
        )

    def upsert_results(self, result: Result | FastResult) -> ResultResponse:
        """Create this application's result on the slide, or update its newest one (re-read and retried once on 409)."""
        existing = _core.newest_result(self.list_results_for_slide(result.slide_id))
        if existing is None:
            return self.create_results(result)
        try:
            return self.update_results(existing.id, result, version_id=existing.version_id)
        except DPATConflictError:
            latest = self.get_results(existing.id)
            return self.update_results(latest.id, result, version_id=latest.version_id)

    def download_attachment(self, result_id: int, name: str, byte_range: tuple[int, int | None] | None = None) -> bytes:
        """A result attachment, or the inclusive ``byte_range`` ``(start, end)`` of it (``end`` None = to the end)."""
        response = self._send(
            get_attachment.sync_detailed,
            self._app(),
            result_id,
            name=name,
            range_=_core.range_header(byte_range),
        )
        return _core.apply_range(response.status_code, response.content, byte_range)

    # -- lifecycle --------------------------------------------------------------------------------

    def close(self) -> None:
        """Close the connections, unless the httpx client was supplied by the caller."""
        if self._owns_http:
            self._http.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, traceback: TracebackType | None
    ) -> None:
        self.close()
