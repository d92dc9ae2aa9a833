"""`AsyncDPATAIClient`: the asyncio IA-API client (the app → DPAT direction).

This module exists twice: the async one is hand-written, the sync one (`DPATAIClient`) is generated from
it by ``codegen/unasync.py``. Every request goes through `AsyncDPATAIClient._request`. The whole-slide
methods are the functions of ``regions`` (``read_region``, ``get_thumbnail``) and ``downloads``
(``download_slide_files``, ``download_case``) in this folder, taken as methods.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from types import ModuleType, TracebackType
from typing import Any, Self, TypeVar

import httpx
from httpx._client import UseClientDefault

from sectra_dpat_client._generated.dpat_api.api.cases import get_case_images, get_case_images_by_slide
from sectra_dpat_client._generated.dpat_api.api.launch import get_launch_data
from sectra_dpat_client._generated.dpat_api.api.results import (
    create_result,
    get_attachment,
    get_result,
    list_results_for_slide,
    update_result,
)
from sectra_dpat_client._generated.dpat_api.api.server import create_token, get_application, get_server_info
from sectra_dpat_client._generated.dpat_api.api.slides import get_image_info, get_label, set_quality_control
from sectra_dpat_client._generated.dpat_api.api.tiles import get_tile, get_tile_in_focal_plane
from sectra_dpat_client._generated.dpat_api.models import (
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

from ..._core import http as _http
from ..._core.aio_pool import LendingTransport  # unasync: drop
from ..._core.errors import OPERATION, error_for_failure, error_for_response
from ..._core.limits import DEFAULT_ANSWER_LIMITS, AnswerLimits
from ..._core.primitives import AsyncLock
from ..._core.transports import BUFFER_BODY
from ...errors import DPATConflictError
from .._base import VERSION_HEADER, BaseAIClient, deprecated_close
from ..arguments import apply_range, content_or_none, flag, info_scope, optional, path_segment, range_header
from ..auth import AsyncTokenAuth, BearerAuth
from ..calls import Call, Preencoded, parse, prepare
from ..fastpath import FastResult
from ..results import (
    expect_list,
    expect_one,
    fast_update_body,
    newest_result,
    parse_result_response,
    result_update,
)
from ..tiles import tile_extension
from . import downloads, regions

__all__ = ["AsyncDPATAIClient"]

T = TypeVar("T")


class AsyncDPATAIClient(BaseAIClient):
    """Asyncio client of the DPAT Image Analysis API.

    >>> async with AsyncDPATAIClient(url=callback_url, token=callback_token) as client:  # doctest: +SKIP
    ...     info = await client.get_image_info(slide_id, extended=True)

    ``token`` is the invocation's callback token; `from_credentials` logs in with a Sectra user
    instead. ``app_id`` is needed for the result calls. Nothing is sent before the first call: the
    server's ``/info`` is read once, then, and a call newer than the server raises
    `DPATVersionError` without being sent. ``X-Sectra-ApiVersion`` (a default header of the client)
    carries ``api_version`` if given, else the spec's version (the newest this client speaks), lowered
    to the server's once known. The one injection seam is ``transport`` (an httpx transport; the client
    wraps it in its retries and never changes it); ``retry`` and ``timeout`` always apply.
    ``http_client`` is deprecated: it is used as is (never changed, not closed by the client), so
    ``transport``, ``retry``, ``timeout`` and ``limits`` cannot be given with it (`DPATQueryError`).
    Close with ``await client.aclose()`` or ``async with``.
    ``limits`` (`AnswerLimits`) caps the decoded size of an answer (JSON and images apart) and the time one
    whole call may take (`DPATResponseError` / `DPATTimeoutError` beyond them).
    """

    _lending: LendingTransport | None  # unasync: drop
    _deadline: float | None  # unasync: drop

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
        transport: httpx.AsyncBaseTransport | None = None,
        http_client: httpx.AsyncClient | None = None,
        limits: AnswerLimits = DEFAULT_ANSWER_LIMITS,
    ) -> None:
        super().__init__(url, token, app_id, username=username, password=password, api_version=api_version)
        auth = (
            BearerAuth(token)
            if self._credentials is None
            else AsyncTokenAuth(self._url, *self._credentials, self._token)
        )
        if http_client is None:
            if transport is None:  # unasync: drop
                transport = _http.default_async_transport()  # unasync: drop
            http_client = _http.build_async_client(
                self._url,
                auth=auth,
                headers=self._default_headers(),
                timeout=timeout,
                retry=retry,
                transport=transport,
                limits=limits,
            )
        else:
            self._adopt(http_client, transport=transport, timeout=timeout, retry=retry, limits=limits)
        self._attach(http_client, auth)
        if isinstance(transport, LendingTransport):  # unasync: drop
            self._lending = transport  # unasync: drop
        self._deadline = limits.deadline  # unasync: drop

    def _attach(self, http: httpx.AsyncClient, auth: httpx.Auth | UseClientDefault) -> None:
        """Set what goes with the httpx client: the one place both `__init__` and `_over` end in (after
        `_init_state`), so both kinds of client have the same attributes."""
        self._http: httpx.AsyncClient = http
        self._auth: httpx.Auth | UseClientDefault = auth
        self._info_lock = AsyncLock()
        self._lending = None  # unasync: drop
        self._deadline = None  # unasync: drop

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
        transport: httpx.AsyncBaseTransport | None = None,
        http_client: httpx.AsyncClient | None = None,
        limits: AnswerLimits = DEFAULT_ANSWER_LIMITS,
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
            limits=limits,
        )

    @classmethod
    def _over(cls, http: httpx.AsyncClient, headers: Mapping[str, str] | None = None) -> Self:
        """A client over a caller's httpx client used as is, for the deprecated raw-httpx download.

        Requests go to ``http``'s base URL with its auth and default headers, plus ``headers``; no ``/info``
        is read and no version is refused (the caller chose the version header); ``http`` is not closed.
        """
        client = cls.__new__(cls)
        client._init_state(str(http.base_url), None, None, None)
        client._attach(http, httpx.USE_CLIENT_DEFAULT)
        client._as_caller_client(headers)
        return client

    # -- the request path -------------------------------------------------------------------------

    async def _request(self, call: Call, *, stream: bool = False) -> httpx.Response:
        """Send one prepared IA-API request: the single way every call of this client reaches the server.

        Generated calls, the fast path, tiles and the streamed slide download all come here. It applies
        the version gate (reads ``/info`` first when needed; refuses an operation newer than the server),
        sends with the client's auth and default headers (``X-Sectra-ApiVersion``), puts the operation on
        the request (`OPERATION` extension) and turns a non-2xx answer or an httpx failure into the
        library's error (built once, by `sectra_dpat_client._core.errors`). Returns the 2xx response;
        with ``stream`` its body is not read yet and the caller closes it. Per-request policy (answer
        limits, deadlines) wraps this method.
        """
        operation = call.operation
        if operation.gated and self._gated:
            if self._server_version is None:
                async with self._info_lock:
                    if self._server_version is None:
                        await self.get_info()
            self._check_version(operation)
        # unasync: drop
        # While every connection of the client's own pool is lent, wait before building: a burst of calls then
        # unasync: drop
        # spends each call's request work as a connection frees up, not all of it while answers wait unread. The
        # unasync: drop
        # bootstrap calls (/info, /token, /launchdata) never wait: callers holding their turns may wait for them.
        lending = self._lending  # unasync: drop
        if lending is not None and operation.gated:  # unasync: drop
            turn = await lending.wait_turn(self._http.timeout.pool, None if stream else self._deadline)  # unasync: drop
            try:  # unasync: drop
                return await self._exchange(call, stream, turn)  # unasync: drop
            finally:  # unasync: drop
                lending.end_turn(turn)  # unasync: drop
        return await self._exchange(call, stream, None)

    async def _exchange(self, call: Call, stream: bool, turn: dict[str, Any] | None) -> httpx.Response:
        """`_request` past its version gate: build, send, map failures; ``turn`` from the pool's `wait_turn`."""
        operation = call.operation
        kwargs = call.kwargs
        headers = kwargs.get("headers")
        if self._request_headers is not None:
            headers = {**self._request_headers, **(headers or {})}
        request = self._http.build_request(
            kwargs["method"],
            self._base + kwargs["url"],
            params=kwargs.get("params"),
            headers=headers,
            content=kwargs.get("content"),
            data=kwargs.get("data"),
            json=kwargs.get("json"),
            extensions={OPERATION: operation, BUFFER_BODY: not stream},
        )
        if not operation.sends_version_header:
            request.headers.pop(VERSION_HEADER, None)
        if turn:
            request.extensions.update(turn)
        try:
            response = await self._http.send(request, auth=self._auth, stream=stream)
        except httpx.HTTPError as exc:
            raise error_for_failure(exc, operation) from exc
        if not 200 <= response.status_code < 300:
            if stream:
                try:
                    await response.aread()
                except httpx.HTTPError as exc:
                    raise error_for_failure(exc, operation) from exc
                finally:
                    await response.aclose()
            raise error_for_response(response)
        return response

    async def _send(self, module: ModuleType, /, *args: Any, **kwargs: Any) -> httpx.Response:
        """The 2xx answer of a generated operation called with these arguments."""
        return await self._request(prepare(module, *args, **kwargs))

    async def _call(self, kind: type[T], module: ModuleType, /, *args: Any, **kwargs: Any) -> T:
        """The ``kind`` model a generated operation answers; `DPATResponseError` if it answers anything else."""
        call = prepare(module, *args, **kwargs)
        return expect_one(kind, parse(call, await self._request(call)), call.operation)

    async def _call_list(self, kind: type[T], module: ModuleType, /, *args: Any, **kwargs: Any) -> list[T]:
        """The list of ``kind`` models a generated operation answers."""
        call = prepare(module, *args, **kwargs)
        return expect_list(kind, parse(call, await self._request(call)), call.operation)

    async def _send_fast(self, module: ModuleType, body: bytes, *args: Any) -> ResultResponse:
        """Send pre-encoded JSON (a `FastResult`) to a result operation; the answer is parsed by orjson."""
        call = prepare(module, *args, body=Preencoded(body))
        response = await self._request(call)
        return parse_result_response(response.content, call.operation)

    @asynccontextmanager
    async def _stream(self, module: ModuleType, /, *args: Any, **kwargs: Any) -> AsyncIterator[httpx.Response]:
        """The streamed 2xx answer of a generated operation, closed when the block ends."""
        response = await self._request(prepare(module, *args, **kwargs), stream=True)
        try:
            yield response
        finally:
            await response.aclose()

    async def _token(self) -> Token:
        body = TokenRequest(grant_type="client_credentials")
        return await self._call(Token, create_token, body=body, application_id=self._app())

    async def _tile_extension(self, slide_id: str) -> str:
        known = self._tile_formats.get(slide_id)
        return known or self._tile_formats.put(slide_id, tile_extension(await self.get_image_info(slide_id)))

    # -- server and application -----------------------------------------------------------------

    async def get_info(self) -> ApplicationInfo:
        """The server's IA-API and software versions (``GET /info``); also remembered for version checks."""
        return self._remember(await self._call(ApplicationInfo, get_server_info))

    async def get_application(self, app_id: str | None = None) -> Application:
        """The registered application (this client's ``app_id`` unless another is given)."""
        chosen = self._app() if app_id is None else path_segment("app_id", app_id)
        return await self._call(Application, get_application, chosen)

    async def get_launch_data(self, request_id: str, session_token: str, app_id: str | None = None) -> LaunchResponse:
        """The callback info and slides of an external launch (``GET /launchdata``); needs no bearer token."""
        chosen = optional(app_id if app_id is not None else self._app_id)
        return await self._call(
            LaunchResponse, get_launch_data, request_id=request_id, session_token=session_token, app_id=chosen
        )

    # -- slides and cases -------------------------------------------------------------------------

    async def get_image_info(self, slide_id: str, extended: bool = False, phi: bool = False) -> ImageInfo:
        """Metadata of one slide; ``extended`` adds LIS/exam fields, ``phi`` patient-identifying ones."""
        return await self._call(
            ImageInfo,
            get_image_info,
            path_segment("slide_id", slide_id),
            scope=info_scope(extended),
            include_phi=flag(phi),
        )

    async def get_image_infos_in_case(
        self, accession_number: str, issuer: str | None = None, phi: bool = False
    ) -> list[CaseImageInfo]:
        """All images of a case (IA-API 1.9); the issuer is sent under both names servers are known to read."""
        return await self._call_list(
            CaseImageInfo,
            get_case_images,
            path_segment("accession_number", accession_number),
            include_phi=flag(phi),
            accession_number_issuer=optional(issuer),
            accession_number_issuer_id=optional(issuer),
        )

    async def get_image_infos_in_case_by_slide_id(
        self, slide_id: str, issuer: str | None = None, phi: bool = False
    ) -> list[CaseImageInfo]:
        """All images of the case that contains ``slide_id`` (IA-API 1.9)."""
        return await self._call_list(
            CaseImageInfo,
            get_case_images_by_slide,
            path_segment("slide_id", slide_id),
            include_phi=flag(phi),
            accession_number_issuer_id=optional(issuer),
        )

    async def get_label(self, slide_id: str) -> bytes | None:
        """The slide label image, or None when the slide has none (204). The label may show patient data."""
        return content_or_none(await self._send(get_label, path_segment("slide_id", slide_id)))

    async def get_tile(
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
        ext = fmt if fmt is not None else await self._tile_extension(slide_id)
        if focal_plane is None:
            tile = await self._send(get_tile, slide_id, level, col, row, ext, optical_path=optional(optical_path))
        else:
            tile = await self._send(
                get_tile_in_focal_plane,
                slide_id,
                level,
                col,
                row,
                str(focal_plane),
                ext,
                optical_path=optional(optical_path),
            )
        return tile.content

    async def set_quality_control(self, slide_id: str, quality_control: QualityControl) -> None:
        """Set a slide's quality-control status (IA-API 1.10); send the ``versionId`` read from its image info."""
        await self._send(set_quality_control, path_segment("slide_id", slide_id), body=quality_control)

    # -- whole-slide data: the functions of ``regions`` and ``downloads``, taken as methods -------------

    read_region = regions.read_region_async
    get_thumbnail = regions.get_thumbnail_async
    download_slide_files = downloads.download_slide_files_async
    download_case = downloads.download_case_async

    # -- results ----------------------------------------------------------------------------------

    async def create_results(self, result: Result | FastResult) -> ResultResponse:
        """Store a new result on a slide."""
        if isinstance(result, FastResult):
            return await self._send_fast(create_result, result.to_bytes(), self._app())
        return await self._call(ResultResponse, create_result, self._app(), body=result)

    async def get_results(self, result_id: int) -> ResultResponse:
        """One result of this application."""
        return await self._call(ResultResponse, get_result, self._app(), result_id)

    async def update_results(
        self,
        result_id: int,
        result: Result | ResultResponse | ResultUpdate | FastResult,
        version_id: str | None = None,
    ) -> ResultResponse:
        """Replace a result; the ``versionId`` comes from ``version_id`` or from the `ResultResponse` given.

        A stale ``versionId`` raises `DPATConflictError` (409).
        """
        if isinstance(result, FastResult):
            return await self._send_fast(update_result, fast_update_body(result, version_id), self._app(), result_id)
        body = result_update(result, version_id)
        return await self._call(ResultResponse, update_result, self._app(), result_id, body=body)

    async def list_results_for_slide(self, slide_id: str) -> list[ResultResponse]:
        """This application's results on a slide (possibly none)."""
        return await self._call_list(
            ResultResponse, list_results_for_slide, self._app(), path_segment("slide_id", slide_id)
        )

    async def upsert_results(self, result: Result | FastResult) -> ResultResponse:
        """Create this application's result on the slide, or update its newest one (re-read and retried once on 409)."""
        existing = newest_result(await self.list_results_for_slide(result.slide_id))
        if existing is None:
            return await self.create_results(result)
        try:
            return await self.update_results(existing.id, result, version_id=existing.version_id)
        except DPATConflictError:
            latest = await self.get_results(existing.id)
            return await self.update_results(latest.id, result, version_id=latest.version_id)

    async def download_attachment(
        self, result_id: int, name: str, byte_range: tuple[int, int | None] | None = None
    ) -> bytes:
        """A result attachment, or the inclusive ``byte_range`` ``(start, end)`` of it (``end`` None = to the end)."""
        response = await self._send(get_attachment, self._app(), result_id, name=name, range_=range_header(byte_range))
        return apply_range(response.status_code, response.content, byte_range)

    # -- lifecycle --------------------------------------------------------------------------------

    async def aclose(self) -> None:
        """Close the connections, unless the httpx client was supplied by the caller."""
        if self._owns_http:
            await self._http.aclose()

    close = deprecated_close()  # unasync: drop

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, traceback: TracebackType | None
    ) -> None:
        await self.aclose()
