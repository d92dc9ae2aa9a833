"""The simulator's result viewer: a slide list and each slide in OpenSeadragon with its stored results drawn over it.

Mounted at ``/viewer`` (`DPATSimulator.viewer_url`); a slide is at ``/viewer/{slide id}``. Everything the page
loads comes from the simulator itself (a strict Content-Security-Policy says so); OpenSeadragon is fetched
from npm by ``make install`` into ``viewer_static/vendor``. Results are served as the store holds them, with
the last `MAX_VERSIONS` versions of each result; ``/viewer/-/api/events`` pushes a server-sent event when a
slide's results or quality control change. Its first event (``hello``, on every (re)connect) and
``/viewer/-/api/slide`` both carry the slide's ``state`` stamp, so a page refreshes on reconnecting only when
something changed meanwhile.
"""

from __future__ import annotations

import asyncio
import hashlib
import html
import io
import threading
from collections import deque
from collections.abc import AsyncIterator, Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlencode

import orjson
from PIL import Image
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response, StreamingResponse
from starlette.routing import Mount, Route, Router
from starlette.staticfiles import StaticFiles
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from . import synthetic
from .store import SimulatorStore, Slide, StoredResult

__all__ = ["CONTENT_SECURITY_POLICY", "MAX_VERSIONS", "VIEWER_PATH", "ResultHistory", "slide_region", "viewer_mount"]

VIEWER_PATH = "/viewer"
MAX_VERSIONS = 10
STATIC_DIR = Path(__file__).with_name("viewer_static")
CONTENT_SECURITY_POLICY = (
    # the one hash allows only an empty <style>: OpenSeadragon adds its own inline one unless the page has one
    "default-src 'none'; script-src 'self'; style-src 'self' 'sha256-47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU='; "
    "img-src 'self' data: blob:; connect-src 'self'; "
    "font-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
)
_SECURITY_HEADERS = [
    (b"content-security-policy", CONTENT_SECURITY_POLICY.encode()),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"no-referrer"),
    (b"cross-origin-resource-policy", b"same-origin"),
]
_MAX_PATCH_PIXELS = 512
_EVENT_POLL = 0.1
_HEARTBEAT = 15.0


@dataclass(frozen=True, slots=True)
class _Version:
    version_id: str
    body: dict[str, Any]


class ResultHistory:
    """The last `MAX_VERSIONS` versions of every result, recorded as the store creates and updates them."""

    def __init__(self, store: SimulatorStore, max_versions: int = MAX_VERSIONS) -> None:
        self._store = store
        self._lock = threading.Lock()
        self._versions: dict[int, deque[_Version]] = {}
        self._max = max_versions
        store.result_observers.append(self._observe)

    def _observe(self, stored: StoredResult) -> None:
        # the store replaces a result's body on update and never edits an old one, so keeping references is safe
        with self._lock:
            versions = self._versions.setdefault(stored.id, deque(maxlen=self._max))
            versions.append(_Version(stored.version_id, stored.body))

    def versions(self, stored: StoredResult) -> list[_Version]:
        """Oldest first; the current body last (also for results stored before the history was attached)."""
        with self._lock:
            known = list(self._versions.get(stored.id, ()))
        if not known or known[-1].version_id != stored.version_id:
            known.append(_Version(stored.version_id, stored.body))
        return known


def _base_magnification(slide: Slide) -> float:
    """Objective magnification of full resolution (10 µm per pixel at 1x: 0.25 µm/px is 40x)."""
    return 10.0 / slide.microns_per_pixel if slide.microns_per_pixel > 0 else 40.0


def slide_region(slide: Slide, x: int, y: int, width: int, height: int, out_width: int, out_height: int) -> Image.Image:
    """A full-resolution region of a synthetic slide, resampled to ``out_width`` x ``out_height``, from its tiles."""
    top = synthetic.top_level(slide.width, slide.height)
    factor = max(width / max(out_width, 1), height / max(out_height, 1), 1.0)
    level = top
    while level > 0 and 2 ** (top - level + 1) <= factor:
        level -= 1
    lw, lh = synthetic.level_size(slide.width, slide.height, level)
    sx, sy = lw / slide.width, lh / slide.height
    x0, y0 = max(0, int(x * sx)), max(0, int(y * sy))
    x1, y1 = min(lw, max(x0 + 1, round((x + width) * sx))), min(lh, max(y0 + 1, round((y + height) * sy)))
    canvas = Image.new("RGB", (max(1, x1 - x0), max(1, y1 - y0)), (0, 0, 0))
    ts = slide.tile_size
    for row in range(y0 // ts, (y1 - 1) // ts + 1):
        for col in range(x0 // ts, (x1 - 1) // ts + 1):
            geometry = synthetic.tile_geometry(slide, level, col, row)
            if geometry is None:
                continue
            tile = Image.open(io.BytesIO(synthetic.render_tile(slide, geometry, ext="png")))
            canvas.paste(tile, (geometry.x - x0, geometry.y - y0))
    return canvas.resize((max(1, out_width), max(1, out_height)), Image.Resampling.LANCZOS)


class _SecurityHeaders:
    """Adds the Content-Security-Policy and friends to every viewer response."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [*message.get("headers", []), *_SECURITY_HEADERS]
            await send(message)

        await self.app(scope, receive, send_with_headers)


def _page(title: str, body: str, *, script: str | None = None, preload: Sequence[str] = ()) -> HTMLResponse:
    # the page's first JSON requests start while OpenSeadragon loads (viewer.js asks for the same URLs)
    links = "".join(f'<link rel="preload" as="fetch" crossorigin="anonymous" href="{html.escape(u)}">' for u in preload)
    scripts = ""
    if script is not None:
        scripts = (
            f'<script src="{VIEWER_PATH}/-/static/vendor/openseadragon/openseadragon.min.js"></script>'
            f'<script src="{VIEWER_PATH}/-/static/{script}"></script>'
        )
    text = (
        '<!doctype html><html lang="en"><head><meta charset="utf-8">'
        f"<title>{html.escape(title)}</title>"
        f'<link rel="stylesheet" href="{VIEWER_PATH}/-/static/viewer.css">'
        f'<link rel="icon" href="{VIEWER_PATH}/-/static/favicon.svg">'
        "<style data-openseadragon-mobile-css></style>"
        f"{links}"
        f"</head><body>{body}{scripts}</body></html>"
    )
    return HTMLResponse(text, headers={"Cache-Control": "no-store"})


def _json(payload: Any, status: int = 200) -> Response:
    body = orjson.dumps(payload, option=orjson.OPT_SERIALIZE_NUMPY)  # store.create_result may get numpy
    return Response(body, status, media_type="application/json", headers={"Cache-Control": "no-store"})


def _slide_summary(slide: Slide) -> dict[str, Any]:
    return {
        "id": slide.id,
        "url": f"{VIEWER_PATH}/{quote(slide.id, safe='')}",
        "width": slide.width,
        "height": slide.height,
        "tileSize": slide.tile_size,
        "levels": synthetic.level_count(slide.width, slide.height),
        "micronsPerPixel": slide.microns_per_pixel,
        "baseMagnification": _base_magnification(slide),
        "staining": slide.staining,
        "block": slide.block,
        "streamable": slide.is_streamable,
        "qualityControl": {"status": slide.qc_status, "versionId": slide.qc_version_id},
    }


def viewer_mount(
    store: SimulatorStore, *, closing: Callable[[], bool] = lambda: False, path: str = VIEWER_PATH
) -> Mount:
    """The viewer's routes under ``path``; ``closing`` tells the event streams to end (the server is stopping)."""
    history = ResultHistory(store)

    def slide_or_none(slide_id: str | None) -> Slide | None:
        return store.slide(slide_id) if slide_id else None

    def results_of(slide: Slide) -> list[tuple[StoredResult, list[_Version]]]:
        with store._lock:
            stored = [r for _, r in sorted(store.results.items()) if r.slide_id == slide.id]
        return [(r, history.versions(r)) for r in stored]

    def signature(slide: Slide) -> tuple[Any, ...]:
        with store._lock:
            versions = tuple((r.id, r.version_id) for r in store.results.values() if r.slide_id == slide.id)
            names = tuple(sorted((a.application_id, a.display_name) for a in store.applications.values()))
        return (slide.qc_status, slide.qc_version_id, versions, names)

    def stamp(state: tuple[Any, ...]) -> str:
        """A short fingerprint of a `signature`: equal stamps, same results and quality control."""
        return hashlib.sha256(repr(state).encode()).hexdigest()[:16]

    async def slide_list(request: Request) -> Response:
        rows = []
        for slide in list(store.slides.values()):
            count = len(results_of(slide))
            rows.append(
                f'<tr><td><a href="{html.escape(_slide_summary(slide)["url"])}">{html.escape(slide.id)}</a></td>'
                f"<td>{html.escape(slide.staining)}</td><td>{html.escape(slide.block)}</td>"
                f"<td>{slide.width} x {slide.height}</td><td>{html.escape(slide.qc_status)}</td><td>{count}</td></tr>"
            )
        body = (
            '<main class="list"><h1>DPAT simulator: slides</h1><table id="slides"><thead><tr><th>Slide</th>'
            "<th>Staining</th><th>Block</th><th>Size (px)</th><th>Quality control</th><th>Results</th></tr>"
            f"</thead><tbody>{''.join(rows)}</tbody></table></main>"
        )
        return _page("DPAT simulator: slides", body)

    async def slide_page(request: Request) -> Response:
        slide = slide_or_none(request.path_params["slide_id"])
        if slide is None:
            missing = f'<main class="list"><h1>No such slide</h1><a href="{path}">slides</a></main>'
            return _page("No such slide", missing)
        body = (
            f'<div id="app" data-slide="{html.escape(slide.id)}" data-base="{path}">'
            '<header><a href="' + path + '">slides</a> <span id="title"></span> '
            '<span id="qc"></span><span id="live"></span></header>'
            '<div id="main"><div id="osd"></div><aside id="panel"><section id="results"></section>'
            '<section id="gallery"></section></aside></div></div>'
        )
        if not (STATIC_DIR / "vendor" / "openseadragon" / "openseadragon.min.js").is_file():
            missing = (
                '<main class="list"><h1>OpenSeadragon is not installed</h1><p>The viewer needs it: run '
                "<code>make install</code> (or <code>bash scripts/viewer-assets.sh</code>), which fetches it from "
                "npm into the package.</p></main>"
            )
            return _page("OpenSeadragon is not installed", missing)
        preload = [f"{path}/-/api/slide?{urlencode({'slide': slide.id})}"]
        for stored, _ in results_of(slide):
            query = urlencode({"result": stored.id, "version": stored.version_id})
            preload.append(f"{path}/-/api/version?{query}")
        return _page(f"DPAT simulator: {slide.id}", body, script="viewer.js", preload=preload[:20])

    async def api_slides(request: Request) -> Response:
        return _json([_slide_summary(s) for s in list(store.slides.values())])

    async def api_slide(request: Request) -> Response:
        slide = slide_or_none(request.query_params.get("slide"))
        if slide is None:
            return _json({"error": "no such slide"}, 404)
        state = stamp(signature(slide))  # taken first: a change while reading makes it stale, never too new
        results = []
        for stored, versions in results_of(slide):
            current = stored.body
            app = store.applications.get(stored.app_id)
            results.append(
                {
                    "id": stored.id,
                    "appId": stored.app_id,
                    "appName": app.display_name if app else stored.app_id,
                    "versionId": stored.version_id,
                    "displayResult": current.get("displayResult"),
                    "displayProperties": current.get("displayProperties"),
                    "applicationVersion": current.get("applicationVersion"),
                    "attachments": current.get("attachments"),
                    "versions": [v.version_id for v in versions],
                }
            )
        return _json({"slide": _slide_summary(slide), "results": results, "state": state})

    async def api_version(request: Request) -> Response:
        raw_id, version_id = request.query_params.get("result", ""), request.query_params.get("version", "")
        stored = store.results.get(int(raw_id)) if raw_id.isdigit() and len(raw_id) < 19 else None
        if stored is None:
            return _json({"error": "no such result"}, 404)
        for version in history.versions(stored):
            if version.version_id == version_id:
                return _json({"id": stored.id, "versionId": version.version_id, "data": version.body.get("data")})
        return _json({"error": "no such version (only the last versions are kept)"}, 404)

    async def api_events(request: Request) -> Response:
        slide = slide_or_none(request.query_params.get("slide"))
        if slide is None:
            return _json({"error": "no such slide"}, 404)

        async def stream() -> AsyncIterator[bytes]:
            last = signature(slide)
            yield b"retry: 1000\nevent: hello\ndata: " + orjson.dumps({"state": stamp(last)}) + b"\n\n"
            loop = asyncio.get_running_loop()
            beat = loop.time()
            while not closing():
                await asyncio.sleep(_EVENT_POLL)
                now = signature(slide)
                if now != last:
                    last = now
                    yield b"event: change\ndata: {}\n\n"
                elif loop.time() - beat > _HEARTBEAT:
                    beat = loop.time()
                    yield b": heartbeat\n\n"

        headers = {"Cache-Control": "no-store", "X-Accel-Buffering": "no"}
        return StreamingResponse(stream(), media_type="text/event-stream", headers=headers)

    async def tile(request: Request) -> Response:
        slide = slide_or_none(request.query_params.get("slide"))
        try:
            level, col, row = (int(request.path_params[k]) for k in ("level", "col", "row"))
        except ValueError:
            return Response(b"bad tile address", 400)
        geometry = synthetic.tile_geometry(slide, level, col, row) if slide is not None else None
        if slide is None or geometry is None or not slide.is_streamable:
            return Response(b"no such tile", 404)
        data = await asyncio.to_thread(synthetic.render_tile, slide, geometry, ext="jpg")
        return Response(data, media_type="image/jpeg", headers={"Cache-Control": "max-age=3600"})

    async def patch(request: Request) -> Response:
        slide = slide_or_none(request.query_params.get("slide"))
        try:
            cx, cy = float(request.query_params["x"]), float(request.query_params["y"])
            size, magnification = int(request.query_params["size"]), float(request.query_params["mag"])
        except (KeyError, ValueError):
            return Response(b"x, y, size and mag are required numbers", 400)
        if slide is None:
            return Response(b"no such slide", 404)
        if not (0 < size <= 4096 and magnification > 0 and abs(cx) < 1e6 and abs(cy) < 1e6):
            return Response(b"size must be 1..4096 and mag positive", 400)
        side = max(1, round(size * _base_magnification(slide) / magnification))  # full-resolution pixels
        out = min(size, _MAX_PATCH_PIXELS)
        x, y = round(cx * slide.width - side / 2), round(cy * slide.width - side / 2)
        image = await asyncio.to_thread(slide_region, slide, x, y, side, side, out, out)
        buffer = io.BytesIO()
        image.save(buffer, "JPEG", quality=85)
        return Response(buffer.getvalue(), media_type="image/jpeg", headers={"Cache-Control": "max-age=3600"})

    routes = [
        Route("/", slide_list),
        Route("/-/api/slides", api_slides),
        Route("/-/api/slide", api_slide),
        Route("/-/api/version", api_version),
        Route("/-/api/events", api_events),
        Route("/-/tile/{level}/{col}_{row}.jpg", tile),
        Route("/-/patch", patch),
        Mount("/-/static", app=StaticFiles(directory=STATIC_DIR, check_dir=False)),
        Route("/{slide_id:path}", slide_page),
    ]
    return Mount(path, app=_SecurityHeaders(Router(routes=routes)))
