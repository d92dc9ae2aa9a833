"""`DPATSimulator`: the simulated DPAT server under uvicorn on 127.0.0.1, in a background thread."""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Mapping, Sequence
from types import TracebackType
from typing import Any, Literal

import httpx
import uvicorn
from starlette.routing import BaseRoute

from .app import BASE_PATH, SimulatorApp, SimulatorConfig
from .driver import AppDriver
from .faults import FaultPlan, RequestLog, RequestRecord
from .pyramid import open_pyramid
from .qido import qido_mount
from .store import SimulatorStore, Slide, SlideFile, single_file
from .viewer import VIEWER_PATH, viewer_mount

__all__ = ["DEFAULT_APP_ID", "DPATSimulator"]

DEFAULT_APP_ID = "sim-app"
_START_TIMEOUT = 10.0


class DPATSimulator:
    """A fake Sectra DPAT server speaking the IA-API over real HTTP on loopback.

    Use it as a context manager::

        with DPATSimulator(slides=2) as dpat:
            client = DPATAIClient(dpat.url, token=dpat.token, app_id=dpat.app_id)

    ``url`` is the IA-API base (the shape of a real callback URL). ``token`` is a bearer token that
    stays valid until revoked; `issue_token` makes expiring ones, and ``/token`` accepts
    ``username``/``password``. Arm faults with ``faults``; count requests with `request_count`.
    ``nulls=True`` answers like a .NET server: every optional property left out is written as null.
    Extra Starlette routes (outside the IA-API base) go in ``extra_routes`` or `add_route`.
    """

    def __init__(
        self,
        *,
        slides: int = 3,
        api_version: str = "1.10",
        software_version: str | None = None,
        app_id: str = DEFAULT_APP_ID,
        port: int = 0,
        host: Literal["127.0.0.1", "::1"] = "127.0.0.1",
        token_ttl: int = 3600,
        nulls: bool = False,
        username: str = "simuser",
        password: str | None = None,
        extra_routes: Sequence[BaseRoute] = (),
    ) -> None:
        config = SimulatorConfig(
            api_version=api_version, software_version=software_version, token_ttl=token_ttl, nulls=nulls
        )
        config.username = username
        if password is not None:
            config.password = password
        self.config = config
        self.store = SimulatorStore()
        self.faults = FaultPlan()
        self.log = RequestLog()
        self.app = SimulatorApp(self.store, config, faults=self.faults, log=self.log, extra_routes=extra_routes)
        self.app.add_route(qido_mount(self.store, config))  # QIDO-RS at /dicom-web, same study/series UIDs
        self.app.add_route(viewer_mount(self.store, closing=lambda: self._server is None))  # result viewer
        self.app_id = app_id
        self.store.register_app(app_id, display_name="Simulated app", manufacturer="sectra_dpat_client")
        self.token = self.store.issue_token(None).token
        self.session_token = self.store.issue_token(None).token
        self.store.session_tokens.add(self.session_token)
        self._host = host
        self._port = port
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None
        self.driver = AppDriver(self)
        for index in range(slides):
            self._add_default_slide(index)

    # --- lifecycle --------------------------------------------------------------------------

    def __repr__(self) -> str:
        where = self.url if self._server is not None else "not running"
        return f"DPATSimulator({where}, api_version={self.api_version!r}, slides={len(self.store.slides)})"

    def start(self) -> DPATSimulator:
        """Start serving in a background thread; returns when the socket accepts connections."""
        if self._server is not None:
            raise RuntimeError("the simulator is already running")
        config = uvicorn.Config(
            self.app,
            host=self._host,
            port=self._port,
            log_level="warning",
            access_log=False,
            lifespan="off",
            timeout_graceful_shutdown=2,
        )
        server = uvicorn.Server(config)
        thread = threading.Thread(target=server.run, name="dpat-simulator", daemon=True)
        thread.start()
        deadline = time.monotonic() + _START_TIMEOUT
        while not server.started:
            if not thread.is_alive() or time.monotonic() > deadline:
                server.should_exit = True
                raise RuntimeError("the DPAT simulator did not start")
            time.sleep(0.01)
        self._server, self._thread = server, thread
        return self

    def stop(self) -> None:
        """Stop serving and wait for the thread to end."""
        server, thread = self._server, self._thread
        self._server = self._thread = None
        if server is None or thread is None:
            return
        server.should_exit = True
        thread.join(timeout=_START_TIMEOUT)

    def __enter__(self) -> DPATSimulator:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()

    # --- addresses and credentials ----------------------------------------------------------

    @property
    def port(self) -> int:
        """The TCP port served on."""
        if self._server is None:
            raise RuntimeError("the simulator is not running")
        port: int = self._server.servers[0].sockets[0].getsockname()[1]
        return port

    @property
    def root_url(self) -> str:
        """``http://127.0.0.1:PORT`` (no path)."""
        host = f"[{self._host}]" if ":" in self._host else self._host
        return f"http://{host}:{self.port}"

    @property
    def url(self) -> str:
        """The IA-API base URL (what DPAT sends as ``callbackInfo.url``)."""
        return self.root_url + BASE_PATH

    @property
    def viewer_url(self) -> str:
        """The result viewer's slide list; each slide is at ``{viewer_url}/{slide id}`` (percent-encoded)."""
        return self.root_url + VIEWER_PATH

    @property
    def username(self) -> str:
        """User name accepted by ``POST /token``."""
        return self.config.username

    @property
    def password(self) -> str:
        """Password accepted by ``POST /token``."""
        return self.config.password

    @property
    def api_version(self) -> str:
        """The IA-API version the server speaks."""
        return self.config.api_version

    def launch_url(self, accession_number: str, *, app_id: str | None = None) -> str:
        """The ``launchdata`` URL IDS7 would open an external launch app with."""
        request = httpx.Request(
            "GET",
            self.url + "/launchdata",
            params={"requestId": accession_number, "sessionToken": self.session_token, "appId": app_id or self.app_id},
        )
        return str(request.url)

    def issue_token(self, ttl: float | None = None) -> str:
        """A new bearer token valid for ``ttl`` seconds of the store's clock (``None``: until revoked)."""
        return self.store.issue_token(ttl).token

    def revoke_token(self, token: str) -> None:
        """Stop accepting a token (the next request with it gets 401)."""
        self.store.revoke_token(token)

    def advance_clock(self, seconds: float) -> None:
        """Move the server's clock forward, expiring tokens without sleeping."""
        self.store.advance_clock(seconds)

    # --- data -------------------------------------------------------------------------------

    def add_slide(
        self,
        slide_id: str | None = None,
        *,
        accession_number: str | None = None,
        files: Sequence[SlideFile] | None = None,
        path: str | os.PathLike[str] | None = None,
        **overrides: Any,
    ) -> str:
        """Add a slide and return its id; see `SimulatorStore.add_slide` for the fields.

        With ``path`` (a slide file, or a folder of DICOM WSI instances or native files) the slide
        serves that pyramid: its size and microns per pixel, Deep Zoom tiles from its pixels, and the
        files themselves as its stored files (see `pyramid`). Otherwise the slide is synthetic.
        """
        if path is not None:
            if files is not None:
                raise TypeError("give either files or path, not both")
            pyramid = open_pyramid(path)
            width, height = pyramid.size
            overrides = {"width": width, "height": height, "pixels": pyramid, **overrides}
            if pyramid.microns_per_pixel:
                overrides.setdefault("microns_per_pixel", pyramid.microns_per_pixel)
            files = pyramid.files
        return self.store.add_slide(slide_id, accession_number=accession_number, files=files, **overrides).id

    def slide(self, slide_id: str) -> Slide:
        """The stored slide (raises KeyError if unknown)."""
        slide = self.store.slide(slide_id)
        if slide is None:
            raise KeyError(slide_id)
        return slide

    @property
    def slide_ids(self) -> list[str]:
        """Every slide id, in insertion order."""
        return list(self.store.slides)

    def register_app(
        self, app_id: str, *, display_name: str | None = None, context: Mapping[str, Any] | None = None
    ) -> None:
        """Register another application."""
        self.store.register_app(app_id, display_name=display_name, context=context)

    @property
    def results(self) -> list[dict[str, Any]]:
        """Every stored result (ResultResponse dicts), oldest first."""
        return [dict(r.body) for _, r in sorted(self.store.results.items())]

    def result(self, result_id: int) -> dict[str, Any]:
        """One stored result (raises KeyError if unknown)."""
        return dict(self.store.results[result_id].body)

    def add_attachment(self, result_id: int, name: str, data: bytes) -> None:
        """Store an attachment on a result (the IA-API has no public upload protocol)."""
        self.store.add_attachment(result_id, name, data)

    def quality_control(self, slide_id: str) -> dict[str, str]:
        """The slide's current QC as ``{"status": ..., "versionId": ...}``."""
        slide = self.slide(slide_id)
        return {"status": slide.qc_status, "versionId": slide.qc_version_id}

    # --- requests and faults ----------------------------------------------------------------

    @property
    def requests(self) -> list[RequestRecord]:
        """Every IA-API request seen, in order (no Authorization header, no bodies)."""
        return self.log.records

    def request_count(self, route: str = "*", method: str = "*") -> int:
        """How many requests matched ``route`` (operationId or path template) and ``method``."""
        return self.log.count(route, method)

    def add_route(self, route: BaseRoute) -> None:
        """Serve an extra Starlette route outside the IA-API base (e.g. ``Mount("/dicom-web", app=qido)``)."""
        self.app.add_route(route)

    # --- driving an app ---------------------------------------------------------------------

    def invoke(self, app_url: str, *, action: str = "create", **kwargs: Any) -> httpx.Response:
        """POST an invocation to an app as DPAT would; see `AppDriver.invoke`."""
        return self.driver.invoke(app_url, action=action, **kwargs)

    def notify_new_image(self, app_url: str, slide_id: str, **kwargs: Any) -> httpx.Response:
        """POST an image notification to ``<app_url>/imagenotification``; see `AppDriver.notify_new_image`."""
        return self.driver.notify_new_image(app_url, slide_id, **kwargs)

    async def ainvoke(self, app_url: str, *, action: str = "create", **kwargs: Any) -> httpx.Response:
        """`invoke` without blocking the event loop."""
        return await self.driver.ainvoke(app_url, action=action, **kwargs)

    async def anotify_new_image(self, app_url: str, slide_id: str, **kwargs: Any) -> httpx.Response:
        """`notify_new_image` without blocking the event loop."""
        return await self.driver.anotify_new_image(app_url, slide_id, **kwargs)

    def fetch_registration(self, app_url: str) -> dict[str, Any]:
        """GET the app's registration info, validated against ``Registration``."""
        return self.driver.fetch_registration(app_url)

    # --- defaults ---------------------------------------------------------------------------

    def _add_default_slide(self, index: int) -> None:
        """Varied defaults: multi-file DICOM, single SVS, fluorescence with focal planes, no label."""
        case = f"SIM{index // 2 + 1:06d}"
        kind = index % 3
        if kind == 0:
            self.store.add_slide(accession_number=case)
        elif kind == 1:
            self.store.add_slide(
                accession_number=case,
                files=single_file(f"slide{index + 1}.svs", 1024 * 1024 + 123),
                staining="Ki67",
                width=9_999,
                height=7_777,
                tile_size=240,
            )
        else:
            self.store.add_slide(
                accession_number=case,
                staining="DAPI/FITC",
                has_label=False,
                width=4_096,
                height=3_000,
                focal_planes=(("0", 0.0), ("1", 1.5), ("m1", -1.5)),
                optical_paths=(("0", "DAPI"), ("1", "FITC")),
            )
