"""The simulator's ASGI app: every DPAT-side operation of the IA-API spec, served from a `SimulatorStore`.

Requests under ``/SectraPathologyServer/external/imageanalysis/v1`` are routed on the raw path (see
`routing`); everything else goes to a Starlette router that starts empty, so helpers can mount
more routes (a QIDO-RS endpoint, say) with `SimulatorApp.add_route`.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import logging
import re
import secrets
from collections.abc import Awaitable, Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl, quote

import orjson
from starlette.requests import Request
from starlette.routing import BaseRoute, Router
from starlette.types import Receive, Scope, Send

from ..validate import iter_faults
from . import synthetic
from .faults import Fault, FaultKind, FaultPlan, RequestLog, RequestRecord
from .nulls import explicit_nulls, response_pointer
from .routing import Operation, api_version_tuple, match_route, operations
from .store import SimulatorStore, Slide

__all__ = ["BASE_PATH", "SUPPORTED_API_VERSIONS", "SimulatorApp", "SimulatorConfig", "image_info"]

BASE_PATH = "/SectraPathologyServer/external/imageanalysis/v1"
SUPPORTED_API_VERSIONS = ("1.5", "1.6", "1.7", "1.8", "1.9", "1.10")
_SOFTWARE_VERSIONS = {"1.5": "3.0.0.0", "1.6": "3.2.0.0", "1.7": "3.3.0.0", "1.8": "3.4.0.0", "1.9": "4.1.0.0"}
_LOG = logging.getLogger(__name__)


@dataclass(slots=True)
class SimulatorConfig:
    """How the simulated server behaves."""

    api_version: str = "1.10"
    software_version: str | None = None
    username: str = "simuser"
    password: str = field(default_factory=lambda: secrets.token_urlsafe(12), repr=False)
    token_ttl: int = 3600
    nulls: bool = False  # write null for every optional property left out (as .NET servers do)

    def __post_init__(self) -> None:
        if self.api_version not in SUPPORTED_API_VERSIONS:
            raise ValueError(f"api_version must be one of {', '.join(SUPPORTED_API_VERSIONS)}")
        if self.software_version is None:
            self.software_version = _SOFTWARE_VERSIONS.get(self.api_version, "4.2.0.22617")


class _DroppedConnectionError(Exception):
    """Raised inside the ASGI app to make the server close a connection mid-body."""


class _QuietDrops(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        exc = record.exc_info[1] if record.exc_info else None
        return not isinstance(exc, _DroppedConnectionError)


logging.getLogger("uvicorn.error").addFilter(_QuietDrops())


@dataclass(slots=True)
class Reply:
    """An answer: status, headers and a body (bytes or an iterator of byte chunks)."""

    status: int
    body: bytes | Iterable[bytes] = b""
    headers: list[tuple[str, str]] = field(default_factory=list)
    content_type: str | None = None
    length: int | None = None


def _json(payload: Any, status: int = 200) -> Reply:
    return Reply(status, orjson.dumps(payload), content_type="application/json")


def _with_nulls(operation_id: str, reply: Reply) -> Reply:
    """The JSON answer with explicit nulls for its absent optional properties."""
    if reply.content_type != "application/json" or not isinstance(reply.body, bytes) or not reply.body:
        return reply
    pointer = response_pointer(operation_id, reply.status)
    if pointer is None:
        return reply
    reply.body = orjson.dumps(explicit_nulls(orjson.loads(reply.body), pointer))
    return reply


def _text(status: int, message: str, headers: Sequence[tuple[str, str]] = ()) -> Reply:
    return Reply(status, message.encode(), list(headers), content_type="text/plain; charset=utf-8")


class _FailError(Exception):
    def __init__(self, reply: Reply) -> None:
        super().__init__(reply.status)
        self.reply = reply


def _fail(status: int, message: str, headers: Sequence[tuple[str, str]] = ()) -> _FailError:
    return _FailError(_text(status, message, headers))


@dataclass(slots=True)
class _Ctx:
    request: Request
    op: Operation
    params: dict[str, str]
    truncate_multipart: Fault | None = None

    def query(self, name: str) -> str | None:
        return self.request.query_params.get(name)

    def flag(self, name: str) -> bool:
        value = self.query(name)
        if value is None:
            return False
        if value.lower() not in ("true", "false"):
            raise _fail(400, f"query parameter {name} must be true or false")
        return value.lower() == "true"


def image_info(slide: Slide, *, extended: bool, phi: bool, api_version: tuple[int, int]) -> dict[str, Any]:
    """The slide's ImageInfo: basic fields, plus LIS fields with ``extended`` and patient data with ``phi``."""
    info: dict[str, Any] = {
        "id": slide.id,
        "isStreamable": slide.is_streamable,
        "imageSize": {"width": slide.width, "height": slide.height},
        "tileSize": {"width": slide.tile_size, "height": slide.tile_size},
        "micronsPerPixel": slide.microns_per_pixel,
        "focalPlanes": [{"id": fid, "offsetUm": off} for fid, off in slide.focal_planes],
        "opticalPaths": [{"id": oid, "description": desc} for oid, desc in slide.optical_paths],
        "storedTileFormat": {"mimeType": "image/jp2", "extension": "jp2"},
        "availableTileFormats": [
            {"mimeType": "image/jpeg", "extension": "jpg"},
            {"mimeType": "image/png", "extension": "png"},
        ],
        "fileFormat": {"mimeType": slide.file_mime_type},
        "staining": {"displayName": slide.staining},
        "block": {"displayName": slide.block},
        "specimen": {"anatomy": slide.specimen_anatomy, "description": slide.specimen_description},
    }
    if api_version >= (1, 10):
        info["qualityControl"] = {"status": slide.qc_status, "versionId": slide.qc_version_id}
    if extended:
        info.update(
            bodyPart=slide.body_part,
            examCode=slide.exam_code,
            examDescription=slide.exam_description,
            stationName=slide.station_name,
            priority=slide.priority,
            seriesInstanceUid=slide.series_instance_uid,
            lisSlideId=slide.lis_slide_id,
        )
    if phi:
        info.update(
            accessionNumber=slide.accession_number,
            accessionNumberIssuer=slide.accession_number_issuer,
            studyInstanceUid=slide.study_instance_uid,
            examId=slide.exam_id,
            examDateTime=slide.exam_date_time,
            examFreeFields=[{key: value} for key, value in slide.exam_free_fields],
        )
    return info


def _case_image(slide: Slide) -> dict[str, Any]:
    return {
        "id": slide.id,
        "staining": {"displayName": slide.staining},
        "block": {"displayName": slide.block},
        "specimen": {"anatomy": slide.specimen_anatomy, "description": slide.specimen_description},
        "seriesInstanceUid": slide.series_instance_uid,
        "lisSlideId": slide.lis_slide_id,
    }


def _content_disposition(name: str) -> str:
    ascii_name = name.encode("ascii", "replace").decode().replace('"', "_").replace("\\", "_")
    value = f'attachment; filename="{ascii_name}"'
    if ascii_name != name:
        value += f"; filename*=UTF-8''{quote(name, safe='')}"
    return value


Handler = Callable[["SimulatorApp", _Ctx], Awaitable[Reply]]
_HANDLERS: dict[str, Handler] = {}


def _handles(*operation_ids: str) -> Callable[[Handler], Handler]:
    def register(handler: Handler) -> Handler:
        for operation_id in operation_ids:
            _HANDLERS[operation_id] = handler
        return handler

    return register


class SimulatorApp:
    """ASGI app of the simulated DPAT server (IA-API under `BASE_PATH`, extra routes elsewhere)."""

    def __init__(
        self,
        store: SimulatorStore,
        config: SimulatorConfig,
        *,
        faults: FaultPlan | None = None,
        log: RequestLog | None = None,
        extra_routes: Sequence[BaseRoute] = (),
    ) -> None:
        self.store = store
        self.config = config
        self.faults = faults or FaultPlan()
        self.log = log or RequestLog()
        self.extra_router = Router(routes=list(extra_routes))
        missing = {op.operation_id for op in operations()} - _HANDLERS.keys()
        if missing:
            raise RuntimeError(f"no simulator handler for {sorted(missing)}")

    @property
    def api_version(self) -> tuple[int, int]:
        """The server's IA-API version as a tuple."""
        return api_version_tuple(self.config.api_version)

    def add_route(self, route: BaseRoute) -> None:
        """Serve another Starlette route outside the IA-API base path (e.g. ``Mount("/dicom-web", app=...)``)."""
        self.extra_router.routes.append(route)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            await self._lifespan(receive, send)
            return
        if scope["type"] != "http":
            return
        raw = scope.get("raw_path") or quote(scope["path"], safe="/%").encode()
        raw_path = raw.decode("latin-1").split("?", 1)[0]
        if raw_path == BASE_PATH or raw_path.startswith(BASE_PATH + "/"):
            await self._ia_api(scope, receive, send, raw_path[len(BASE_PATH) :] or "/")
        else:
            await self.extra_router(scope, receive, send)

    @staticmethod
    async def _lifespan(receive: Receive, send: Send) -> None:
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                await send({"type": "lifespan.shutdown.complete"})
                return

    async def _ia_api(self, scope: Scope, receive: Receive, send: Send, path: str) -> None:
        request = Request(scope, receive)
        method = request.method.upper()
        match = match_route(path)
        op, params = match.by_method.get(method, (None, {})) if match else (None, {})
        record = RequestRecord(
            method=method,
            path=path,
            operation_id=op.operation_id if op else None,
            template=match.template if match else None,
            query=dict(request.query_params),
            sectra_headers={k: v for k, v in request.headers.items() if k.lower().startswith("x-sectra-")},
        )
        fired: list[Fault] = []
        if match is None:
            reply = _text(404, "no such resource")
        elif op is None:
            allow = ", ".join(sorted(match.by_method))
            reply = _text(405, "method not allowed", [("Allow", allow)])
        elif op.since > self.api_version:
            reply = _text(404, "no such resource on this IA-API version")
        else:
            try:
                reply, fired = await self._serve(request, op, params)
            except Exception:
                _LOG.exception("simulator handler failed for %s", op.operation_id)
                reply = _text(500, "simulator failure")
        self.log.append(_with_status(record, reply.status))  # before answering: a test may count right after
        await self._send(send, reply, fired)

    async def _serve(self, request: Request, op: Operation, params: dict[str, str]) -> tuple[Reply, list[Fault]]:
        fired = self.faults.take(request.method, op.operation_id, op.template)
        for fault in fired:
            if fault.kind is FaultKind.LATENCY:
                await asyncio.sleep(fault.seconds)
        other = next((f for f in fired if f.kind is not FaultKind.LATENCY), None)
        if other is not None and other.kind is FaultKind.STATUS:
            headers = [("Retry-After", other.retry_after)] if other.retry_after is not None else []
            return _text(other.status, "simulated failure", headers), []
        if other is not None and other.kind is FaultKind.MALFORMED_JSON:
            return Reply(200, b'{"simulated": "malformed', content_type="application/json"), []
        ctx = _Ctx(request, op, params, other if other and other.kind is FaultKind.TRUNCATE_MULTIPART else None)
        try:
            self._authenticate(ctx)
            _check_version_headers(request)
            reply = await _HANDLERS[op.operation_id](self, ctx)
        except _FailError as failure:
            reply = failure.reply
        if self.config.nulls:
            reply = _with_nulls(op.operation_id, reply)
        drop = [other] if other is not None and other.kind is FaultKind.DROP_CONNECTION else []
        return reply, drop

    def _authenticate(self, ctx: _Ctx) -> None:
        header = ctx.request.headers.get("authorization", "")
        scheme, _, value = header.partition(" ")
        if ctx.op.auth == "bearer":
            if scheme.lower() != "bearer" or not self.store.token_valid(value.strip()):
                raise _fail(401, "missing, invalid or expired bearer token", [("WWW-Authenticate", "Bearer")])
        elif ctx.op.auth == "basic":
            try:
                user, _, password = base64.b64decode(value.strip(), validate=True).decode().partition(":")
            except (binascii.Error, UnicodeDecodeError):
                user, password = "", ""
            valid = scheme.lower() == "basic" and secrets.compare_digest(
                f"{user}\0{password}".encode(), f"{self.config.username}\0{self.config.password}".encode()
            )
            if not valid:
                raise _fail(401, "missing or invalid credentials", [("WWW-Authenticate", 'Basic realm="DPAT"')])

    def _version_headers(self) -> list[tuple[str, str]]:
        return [
            ("X-Sectra-ApiVersion", self.config.api_version),
            ("X-Sectra-SoftwareVersion", self.config.software_version or ""),
        ]

    async def _send(self, send: Send, reply: Reply, fired: list[Fault]) -> None:
        headers = [*self._version_headers(), *reply.headers]
        if reply.content_type:
            headers.append(("Content-Type", reply.content_type))
        body = reply.body
        length = len(body) if isinstance(body, bytes) else reply.length
        if length is not None and reply.status != 204:  # RFC 9110: no Content-Length on a 204
            headers.append(("Content-Length", str(length)))
        await send(
            {
                "type": "http.response.start",
                "status": reply.status,
                "headers": [(k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in headers],
            }
        )
        budget = fired[0].after_bytes if fired else None
        if budget is not None and length is not None:
            budget = min(budget, max(0, length - 1))  # always short of the promised length
        chunks: Iterator[bytes] = iter([body]) if isinstance(body, bytes) else iter(body)
        try:
            for chunk in chunks:
                if budget is not None and len(chunk) >= budget:
                    await send({"type": "http.response.body", "body": chunk[:budget], "more_body": True})
                    raise _DroppedConnectionError
                if budget is not None:
                    budget -= len(chunk)
                await send({"type": "http.response.body", "body": chunk, "more_body": True})
        finally:
            close = getattr(chunks, "close", None)
            if close is not None:
                close()
        if budget is not None:
            raise _DroppedConnectionError
        await send({"type": "http.response.body", "body": b"", "more_body": False})

    # --- helpers for handlers ---------------------------------------------------------------

    def slide_or_404(self, slide_id: str) -> Slide:
        slide = self.store.slide(slide_id)
        if slide is None:
            raise _fail(404, "no such slide")
        return slide

    def app_or_404(self, app_id: str) -> None:
        if app_id not in self.store.applications:
            raise _fail(404, "no such application")

    def effective_version(self, request: Request) -> tuple[int, int]:
        """The dialect to answer in: the client's `X-Sectra-ApiVersion` if older than the server's."""
        asked = request.headers.get("x-sectra-apiversion")
        try:
            return min(self.api_version, api_version_tuple(asked)) if asked else self.api_version
        except ValueError:
            return self.api_version

    async def json_body(self, ctx: _Ctx, schema: str) -> dict[str, Any]:
        raw = await ctx.request.body()
        try:
            body = orjson.loads(raw)
        except orjson.JSONDecodeError:
            raise _fail(400, "the body is not JSON") from None
        faults = iter_faults(body, schema)
        if faults:
            payload = {
                "error": f"the body is not a valid {schema}",
                "faults": [{"path": f.path, "message": f.message} for f in faults],
            }
            raise _FailError(_json(payload, 400))
        if not isinstance(body, dict):
            raise _fail(400, f"the body is not a valid {schema}")
        return body


_API_VERSION_HEADER = re.compile(r"\d+\.\d+")
_SOFTWARE_VERSION_HEADER = re.compile(r"[\x21-\x7e]+")


def _check_version_headers(request: Request) -> None:
    """Malformed ``X-Sectra-ApiVersion`` / ``X-Sectra-SoftwareVersion`` request headers are a 400."""
    api = request.headers.get("x-sectra-apiversion")
    if api is not None and not _API_VERSION_HEADER.fullmatch(api):
        raise _fail(400, "X-Sectra-ApiVersion must be major.minor")
    software = request.headers.get("x-sectra-softwareversion")
    if software is not None and not _SOFTWARE_VERSION_HEADER.fullmatch(software):
        raise _fail(400, "X-Sectra-SoftwareVersion must be printable ASCII without spaces")


def _with_status(record: RequestRecord, status: int) -> RequestRecord:
    return RequestRecord(
        record.method, record.path, record.operation_id, record.template, record.query, record.sectra_headers, status
    )


# --- handlers -------------------------------------------------------------------------------------


@_handles("getServerInfo")
async def _server_info(app: SimulatorApp, ctx: _Ctx) -> Reply:
    return _json({"apiVersion": app.config.api_version, "softwareVersion": app.config.software_version})


@_handles("createToken")
async def _create_token(app: SimulatorApp, ctx: _Ctx) -> Reply:
    app_id = ctx.query("applicationId")
    if not app_id:
        raise _fail(400, "applicationId is required")
    if app_id not in app.store.applications:
        raise _fail(403, "the user may not request tokens for this application")
    if not ctx.request.headers.get("content-type", "").startswith("application/x-www-form-urlencoded"):
        raise _fail(400, "the body must be application/x-www-form-urlencoded")
    form = dict(parse_qsl((await ctx.request.body()).decode("latin-1"), keep_blank_values=True))
    if form.get("grant_type") != "client_credentials":
        raise _fail(400, "grant_type must be client_credentials")
    grant = app.store.issue_token(app.config.token_ttl)
    return _json({"access_token": grant.token, "token_type": "Bearer", "expires_in": app.config.token_ttl})


@_handles("getLaunchData")
async def _launch_data(app: SimulatorApp, ctx: _Ctx) -> Reply:
    request_id, session = ctx.query("requestId"), ctx.query("sessionToken")
    if not request_id or not session:
        raise _fail(400, "requestId and sessionToken are required")
    if session not in app.store.session_tokens:
        raise _fail(401, "invalid session token")
    app_id = ctx.query("appId")
    if app_id is not None:
        app.app_or_404(app_id)
    slides = app.store.case_slides(request_id)
    if not slides:
        raise _fail(404, "no such request")
    blocks: dict[str, list[dict[str, str]]] = {}
    for slide in slides:
        blocks.setdefault(slide.block, []).append({"id": slide.id, "description": f"{slide.block} {slide.staining}"})
    grant = app.store.issue_token(app.config.token_ttl)
    url = str(ctx.request.base_url).rstrip("/") + BASE_PATH
    return _json(
        {
            "callbackInfo": {"url": url, "token": grant.token},
            "blocks": [{"name": name, "slides": items} for name, items in blocks.items()],
        }
    )


@_handles("getApplication")
async def _application(app: SimulatorApp, ctx: _Ctx) -> Reply:
    registered = app.store.applications.get(ctx.params["appId"])
    if registered is None:
        raise _fail(404, "no such application")
    return _json(
        {
            "applicationId": registered.application_id,
            "displayName": registered.display_name,
            "manufacturer": registered.manufacturer,
            "context": dict(registered.context) if registered.context is not None else None,
        }
    )


@_handles("getImageInfo")
async def _image_info(app: SimulatorApp, ctx: _Ctx) -> Reply:
    scope = ctx.query("scope")
    if scope not in (None, "extended"):
        raise _fail(400, "scope must be extended")
    phi = ctx.flag("includePHI")
    slide = app.slide_or_404(ctx.params["slideId"])
    version = app.effective_version(ctx.request)
    return _json(image_info(slide, extended=scope == "extended", phi=phi, api_version=version))


def _case_reply(slides: Sequence[Slide], issuer: str | None) -> Reply:
    if issuer is not None and any(s.accession_number_issuer != issuer for s in slides):
        raise _fail(404, "no such request for this issuer")
    return _json([_case_image(s) for s in slides])


@_handles("getCaseImages")
async def _case_images(app: SimulatorApp, ctx: _Ctx) -> Reply:
    ctx.flag("includePHI")
    issuer = ctx.query("accessionNumberIssuer") or ctx.query("accessionNumberIssuerId")
    slides = app.store.case_slides(ctx.params["accessionNumber"])
    if not slides:
        raise _fail(404, "no such request")
    return _case_reply(slides, issuer)


@_handles("getCaseImagesBySlide")
async def _case_images_by_slide(app: SimulatorApp, ctx: _Ctx) -> Reply:
    ctx.flag("includePHI")
    slide = app.slide_or_404(ctx.params["slideId"])
    return _case_reply(app.store.case_slides(slide.accession_number), ctx.query("accessionNumberIssuerId"))


@_handles("getLabel")
async def _label(app: SimulatorApp, ctx: _Ctx) -> Reply:
    slide = app.slide_or_404(ctx.params["slideId"])
    if not slide.has_label:
        return Reply(204)
    return Reply(200, synthetic.label_jpeg(slide), content_type="image/jpeg")


@_handles("getSlideFiles")
async def _files(app: SimulatorApp, ctx: _Ctx) -> Reply:
    slide = app.slide_or_404(ctx.params["slideId"])
    if not slide.files:
        raise _fail(404, "the slide has no stored files")
    truncate = ctx.truncate_multipart
    if len(slide.files) == 1 and truncate is None:
        only = slide.files[0]
        headers = [("Content-Disposition", _content_disposition(only.name))]
        return Reply(
            200, synthetic.iter_file(slide.id, only), headers, content_type="application/octet-stream", length=only.size
        )
    boundary = "sim-" + secrets.token_hex(12)
    parts = [
        (
            (
                f"--{boundary}\r\nContent-Type: {f.mime_type}\r\n"
                f"Content-Disposition: {_content_disposition(f.name)}\r\nContent-Length: {f.size}\r\n\r\n"
            ).encode("latin-1"),
            f,
        )
        for f in slide.files
    ]
    closing = f"--{boundary}--\r\n".encode()
    total = sum(len(head) + f.size + 2 for head, f in parts) + len(closing)

    def body() -> Iterator[bytes]:
        budget = truncate.after_bytes if truncate is not None else None
        for head, f in parts:
            yield head
            for piece in synthetic.iter_file(slide.id, f):
                if budget is not None:
                    if budget <= len(piece):
                        yield piece[:budget]
                        return
                    budget -= len(piece)
                yield piece
            yield b"\r\n"
        yield closing

    content_type = f'multipart/related; type="{slide.file_mime_type}"; boundary={boundary}'
    return Reply(200, body(), content_type=content_type, length=None if truncate else total)


@_handles("getTile", "getTileInFocalPlane")
async def _tile(app: SimulatorApp, ctx: _Ctx) -> Reply:
    slide = app.slide_or_404(ctx.params["slideId"])
    if not slide.is_streamable:
        raise _fail(404, "the slide cannot be streamed")
    ext = ctx.params["ext"].lower()
    if ext not in synthetic.TILE_FORMATS:
        raise _fail(404, "unavailable tile format")
    plane_ids = [fid for fid, _ in slide.focal_planes]
    plane = ctx.params.get("focalPlane")
    if plane is None:
        plane_index = min(range(len(plane_ids)), key=lambda i: abs(slide.focal_planes[i][1]))
    elif plane in plane_ids:
        plane_index = plane_ids.index(plane)
    else:
        raise _fail(404, "no such focal plane")
    path_ids = [oid for oid, _ in slide.optical_paths]
    optical = ctx.query("opticalPath")
    if optical is not None and optical not in path_ids:
        raise _fail(404, "no such optical path")
    path_index = path_ids.index(optical) if optical is not None else 0
    try:
        level, col, row = int(ctx.params["level"]), int(ctx.params["col"]), int(ctx.params["row"])
    except ValueError:
        raise _fail(400, "level, column and row must be integers") from None
    geometry = synthetic.tile_geometry(slide, level, col, row)
    if geometry is None:
        raise _fail(404, "no such tile")
    data = await asyncio.to_thread(
        synthetic.render_tile, slide, geometry, focal_plane=plane_index, optical_path=path_index, ext=ext
    )
    return Reply(200, data, content_type=synthetic.TILE_FORMATS[ext][0])


@_handles("createResult", "legacyCreateResult")
async def _create_result(app: SimulatorApp, ctx: _Ctx) -> Reply:
    app_id = ctx.params["appId"]
    app.app_or_404(app_id)
    body = await app.json_body(ctx, "Result")
    app.slide_or_404(body["slideId"])
    return _json(app.store.create_result(app_id, body), 201)


def _result_id(ctx: _Ctx) -> int:
    raw = ctx.params["resultId"]
    if not raw.isdigit() or not raw.isascii() or int(raw) >= 2**63:
        raise _fail(404, "no such result")
    return int(raw)


@_handles("getResult")
async def _get_result(app: SimulatorApp, ctx: _Ctx) -> Reply:
    app.app_or_404(ctx.params["appId"])
    result = app.store.get_result(ctx.params["appId"], _result_id(ctx))
    if result is None:
        raise _fail(404, "no such result")
    return _json(result)


@_handles("updateResult", "legacyUpdateResult")
async def _update_result(app: SimulatorApp, ctx: _Ctx) -> Reply:
    app_id = ctx.params["appId"]
    app.app_or_404(app_id)
    result_id = _result_id(ctx)
    current = app.store.get_result(app_id, result_id)
    if current is None:
        raise _fail(404, "no such result")
    body = await app.json_body(ctx, "ResultUpdate")
    if "id" in body and body["id"] != result_id:
        raise _fail(400, "the body's id is not the result id of the path")
    if body["slideId"] != current["slideId"]:
        raise _fail(400, "a result cannot move to another slide")
    updated = app.store.update_result(app_id, result_id, body)
    if updated is None:
        raise _fail(409, "versionId is not the current version")
    return _json(updated)


@_handles("listResultsForSlide")
async def _list_results(app: SimulatorApp, ctx: _Ctx) -> Reply:
    app.app_or_404(ctx.params["appId"])
    slide = app.slide_or_404(ctx.params["slideId"])
    return _json(app.store.results_for_slide(ctx.params["appId"], slide.id))


def _byte_range(header: str, size: int) -> tuple[int, int] | None:
    """``bytes=a-b`` / ``a-`` / ``-n`` → inclusive (start, end); ``None`` if unsatisfiable; 400 if malformed."""
    unit, _, spec = header.partition("=")
    start_text, dash, end_text = spec.strip().partition("-")
    numbers_ok = (start_text.isdigit() or not start_text) and (end_text.isdigit() or not end_text)
    if unit.strip().lower() != "bytes" or not dash or not numbers_ok or not (start_text or end_text):
        raise _fail(400, "malformed Range header")
    if not start_text:
        suffix = int(end_text)
        return (max(0, size - suffix), size - 1) if suffix > 0 and size > 0 else None
    start = int(start_text)
    end = min(int(end_text), size - 1) if end_text else size - 1
    if end_text and int(end_text) < start:
        raise _fail(400, "malformed Range header")
    return (start, end) if start < size else None


@_handles("getAttachment")
async def _attachment(app: SimulatorApp, ctx: _Ctx) -> Reply:
    app.app_or_404(ctx.params["appId"])
    result_id = _result_id(ctx)
    if app.store.get_result(ctx.params["appId"], result_id) is None:
        raise _fail(404, "no such result")
    name = ctx.query("name")
    if not name:
        raise _fail(400, "name is required")
    data = app.store.attachments.get((result_id, name))
    if data is None:
        raise _fail(404, "no such attachment")
    range_header = ctx.request.headers.get("range")
    if range_header is None:
        return Reply(200, data, [("Accept-Ranges", "bytes")], content_type="application/octet-stream")
    span = _byte_range(range_header, len(data))
    if span is None:
        return _text(416, "range not satisfiable", [("Content-Range", f"bytes */{len(data)}")])
    start, end = span
    headers = [("Content-Range", f"bytes {start}-{end}/{len(data)}"), ("Accept-Ranges", "bytes")]
    return Reply(206, data[start : end + 1], headers, content_type="application/octet-stream")


@_handles("setQualityControl")
async def _quality_control(app: SimulatorApp, ctx: _Ctx) -> Reply:
    slide = app.slide_or_404(ctx.params["slideId"])
    body = await app.json_body(ctx, "QualityControl")
    qc: Mapping[str, Any] = body["qualityControl"]
    if app.store.set_quality_control(slide.id, qc["status"], qc["versionId"]) is None:
        raise _fail(409, "versionId is not the current quality-control version")
    return Reply(200)
