"""`make demo`: start the DPAT simulator and walk a scripted IA-API session over real HTTP.

The first steps call DPAT as a client would. Then the example app (``examples/tissue_area``) is
served on loopback and the simulator drives it as DPAT does: registration, a create, a modify, a
long run that is cancelled, an image notification; then QIDO-RS finds the case, and the final
stored results are listed.

Each step is one function taking the shared `Session`; add steps by appending to `STEPS`.
Nothing secret or patient-identifying is printed (the simulator's data is synthetic anyway).
"""

from __future__ import annotations

import importlib
import io
import sys
import time
from collections.abc import Callable
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, cast

from .ai import (
    DPATAIClient,
    Point,
    Polygon,
    PrimitiveItem,
    QualityControl,
    QualityControlData,
    QualityControlStatus,
    Result,
    ResultContent,
    ResultData,
    ResultResponse,
    ResultType,
    Style,
)
from .app import AnalysisApp, BackgroundServer, JobState
from .errors import DPATConflictError
from .qido import DPATQidoClient, link_image
from .simulator import DPATSimulator
from .simulator.qido import QIDO_PATH
from .wsi import DeepZoomGeometry

__all__ = ["STEPS", "Session", "main", "run"]


@dataclass
class Session:
    """What the steps share: the simulator, a client logged in through ``/token``, and notes."""

    simulator: DPATSimulator
    client: DPATAIClient
    say: Callable[[str], None]
    slide_id: str = ""
    result: ResultResponse | None = None
    notes: dict[str, Any] = field(default_factory=dict)
    resources: ExitStack = field(default_factory=ExitStack)
    app: AnalysisApp | None = None
    app_url: str = ""
    seen_requests: int = 0


def _stored(s: Session) -> ResultResponse:
    if s.result is None:
        raise RuntimeError("no result stored yet: run the 'Store a result' step first")
    return s.result


def server_info(s: Session) -> None:
    info = s.client.get_info()
    s.say(f"server speaks IA-API {info.api_version} (software {info.software_version})")


def slide_info(s: Session) -> None:
    s.slide_id = s.simulator.slide_ids[0]
    info = s.client.get_image_info(s.slide_id, extended=True)
    s.say(
        f"slide {info.id}: {info.image_size.width} x {info.image_size.height} px at {info.microns_per_pixel} µm/px, "
        f"tiles {info.tile_size.width} px, staining {info.staining.display_name}, block {info.block.display_name}"
    )


def case_images(s: Session) -> None:
    images = s.client.get_image_infos_in_case_by_slide_id(s.slide_id)
    listed = ", ".join(f"{image.id} ({image.staining.display_name})" for image in images)
    s.say(f"the slide's case holds {len(images)} image(s): {listed}")


def store_result(s: Session) -> None:
    square = Polygon(points=[Point(x=0.2, y=0.1), Point(x=0.4, y=0.1), Point(x=0.4, y=0.3), Point(x=0.2, y=0.3)])
    content = ResultContent(
        type=ResultType.PRIMITIVES,
        content=[PrimitiveItem(style=Style(strokeStyle="#FFA500"), polygons=[square])],
    )
    result = Result(
        slideId=s.slide_id,
        displayResult="Tumor area 12.5 %",
        applicationVersion="1.0.0",
        data=ResultData(result=content),
    )
    s.result = s.client.create_results(result)
    s.say(f"stored result {s.result.id} (versionId {s.result.version_id}): {s.result.display_result!r}")


def update_result(s: Session) -> None:
    first = _stored(s)
    first.display_result = "Tumor area 13.1 % (reviewed)"
    s.result = s.client.update_results(first.id, first)
    s.say(f"updated result {s.result.id}: versionId {first.version_id} -> {s.result.version_id}")
    try:
        s.client.update_results(first.id, first)  # first still carries the old versionId
    except DPATConflictError as exc:
        s.say(f"a second update with the stale versionId is refused: {exc}")
    listed = s.client.list_results_for_slide(s.slide_id)
    s.say(f"the app's results on the slide: {[r.id for r in listed]}")


def quality_control(s: Session) -> None:
    qc = s.client.get_image_info(s.slide_id).quality_control
    if not isinstance(qc, QualityControlData):
        raise RuntimeError("the server reports no quality control (IA-API < 1.10)")
    s.say(f"quality control is {qc.status.value} (versionId {qc.version_id})")
    body = QualityControl(
        applicationVersion="1.0.0",
        qualityControl=QualityControlData(status=QualityControlStatus.QUALITY_OK, versionId=qc.version_id),
    )
    s.client.set_quality_control(s.slide_id, body)
    after = s.client.get_image_info(s.slide_id).quality_control
    if isinstance(after, QualityControlData):
        s.say(f"set to {after.status.value}; versionId is now {after.version_id}")


def tiles_and_label(s: Session) -> None:
    from PIL import Image

    geometry = DeepZoomGeometry.from_image_info(s.client.get_image_info(s.slide_id))
    top = geometry.top_level
    cols, rows = geometry.tile_grid(top)
    corner = Image.open(io.BytesIO(s.client.get_tile(s.slide_id, top, 0, 0)))
    edge = Image.open(io.BytesIO(s.client.get_tile(s.slide_id, top, cols - 1, rows - 1)))
    s.say(f"{geometry.level_count} Deep Zoom levels; the full level has {cols} x {rows} tiles")
    corner_size, edge_size = "{} x {}".format(*corner.size), "{} x {}".format(*edge.size)
    s.say(f"tile (0, 0) is {corner_size}, the bottom-right edge tile ({cols - 1}, {rows - 1}) {edge_size}")
    thumbnail = s.client.get_thumbnail(s.slide_id, max_size=256)
    s.say(f"thumbnail built from low-level tiles: {thumbnail.size[0]} x {thumbnail.size[1]}")
    label = s.client.get_label(s.slide_id)
    s.say(f"label image: {len(label)} bytes" if label else "the slide has no label (204)")
    unlabelled = s.simulator.slide_ids[-1]
    s.say(f"slide {unlabelled} label: {'none (204)' if s.client.get_label(unlabelled) is None else 'present'}")


def request_summary(s: Session) -> None:
    counts: dict[str, int] = {}
    for record in s.simulator.requests:
        counts[record.operation_id or "?"] = counts.get(record.operation_id or "?", 0) + 1
    s.say("requests the simulator saw: " + ", ".join(f"{name} x{n}" for name, n in counts.items()))


# --- the receiving side: the example app, driven by the simulator as DPAT drives it -------------

_WAIT = 60.0  # upper bound for any background analysis of the demo (they take well under a second)
_LONG_RUN = "demo-long-run"


def _example_app_factory() -> Callable[..., AnalysisApp]:
    """``create_app`` of the example app: ``examples/tissue_area`` in a source checkout, else the copy
    the wheel ships as ``sectra_dpat_client._examples.tissue_area``."""
    root = Path(__file__).resolve().parent.parent
    if (root / "examples" / "tissue_area" / "app.py").is_file():
        if str(root) not in sys.path:
            sys.path.insert(0, str(root))
        name = "examples.tissue_area.app"
    else:
        name = f"{__package__}._examples.tissue_area.app"
    try:
        module = importlib.import_module(name)
    except ModuleNotFoundError as exc:
        if exc.name is not None and not name.startswith(exc.name):
            raise  # the example itself needs something missing
        raise RuntimeError(
            "the example app (examples/tissue_area) is neither in a source checkout nor in this installation"
        ) from exc
    return cast(Callable[..., AnalysisApp], module.create_app)


def _app(s: Session) -> AnalysisApp:
    if s.app is None:
        raise RuntimeError("the example app is not running: run the 'Start the example app' step first")
    return s.app


def _wait_idle(s: Session) -> None:
    if not _app(s).jobs.wait_idle(_WAIT):
        raise RuntimeError(f"the example app's analyses did not finish within {_WAIT:.0f} s")


def _app_calls(s: Session) -> str:
    """The IA-API calls the app made since the last look, e.g. ``getImageInfo x1, getTile x6``."""
    records = s.simulator.requests
    counts: dict[str, int] = {}
    for record in records[s.seen_requests :]:
        name = record.operation_id or record.template or "?"
        counts[name] = counts.get(name, 0) + 1
    s.seen_requests = len(records)
    return ", ".join(f"{name} x{n}" for name, n in counts.items()) or "none"


def _describe(result: dict[str, Any]) -> str:
    properties = result.get("displayProperties") or {}
    extra = "; ".join(f"{key}: {value}" for key, value in properties.items())
    return f"result {result['id']} v{result['versionId']} on {result['slideId']}: {result.get('displayResult')!r}" + (
        f" [{extra}]" if extra else ""
    )


def start_example_app(s: Session) -> None:
    create_app = _example_app_factory()
    s.app = create_app(application_id=s.simulator.app_id)
    server = s.resources.enter_context(BackgroundServer(s.app))
    s.app_url = server.url + "/"
    s.say(f"example app 'tissue area' serving on {s.app_url}")
    registration = s.simulator.fetch_registration(s.app_url)
    s.simulator.register_app(
        registration["applicationId"], display_name=registration["displayName"], context=registration["context"]
    )
    s.say(
        f"DPAT -> app  GET /  registration: {registration['displayName']!r} by {registration['manufacturer']!r}, "
        f"input {registration['inputTemplate']['type']}, context {registration['context']}"
    )
    s.seen_requests = len(s.simulator.requests)


def invoke_create(s: Session) -> None:
    slide = s.simulator.slide_ids[0]
    answer = s.simulator.invoke(s.app_url, action="create", slide_id=slide)
    body = answer.json()
    s.say(f"DPAT -> app  POST / create on {slide}: {answer.status_code}, answered with {_describe(body)}")
    _wait_idle(s)
    s.notes["created"] = body["id"]
    s.say(f"app -> DPAT  {_app_calls(s)}")
    s.say(f"in the background the placeholder became {_describe(s.simulator.result(body['id']))}")
    s.say(f"quality control of {slide}: {s.simulator.quality_control(slide)['status']}")


def invoke_modify(s: Session) -> None:
    result_id = int(s.notes["created"])
    answer = s.simulator.invoke(s.app_url, action="modify", result_id=result_id)
    s.say(f"DPAT -> app  POST / modify of result {result_id}: {answer.status_code}, {_describe(answer.json())}")
    s.say(f"app -> DPAT  {_app_calls(s)}")


def cancel_long_run(s: Session) -> None:
    app = _app(s)
    slide = s.simulator.slide_ids[1]
    context = {**app.context, "demoDelaySeconds": 1.0}  # the registration context, slowed down
    answer = s.simulator.invoke(
        s.app_url, action="create", slide_id=slide, context=context, cancellation_token=_LONG_RUN
    )
    placeholder = answer.json()
    s.say(f"DPAT -> app  POST / create on {slide} (slowed down): {answer.status_code}, {_describe(placeholder)}")
    deadline = time.monotonic() + _WAIT
    while not any(job.progress for job in app.jobs.running() if job.cancellation_token == _LONG_RUN):
        if time.monotonic() > deadline:
            raise RuntimeError("the long run reported no progress")
        time.sleep(0.05)
    s.say(f"while it runs, DPAT shows {_describe(s.simulator.result(placeholder['id']))}")
    cancel = s.simulator.invoke(s.app_url, action="cancel", slide_id=slide, cancellation_token=_LONG_RUN)
    s.say(f"DPAT -> app  POST / cancel: {cancel.status_code} {cancel.json()}")
    _wait_idle(s)
    job = next(job for job in reversed(app.jobs.snapshot()) if job.cancellation_token == _LONG_RUN)
    s.say(f"the job ended {job.state.value} at {round((job.progress or 0) * 100)} %; app -> DPAT  {_app_calls(s)}")
    s.say(f"DPAT now shows {_describe(s.simulator.result(placeholder['id']))}")
    if job.state is not JobState.CANCELLED:
        raise RuntimeError("the long run was not cancelled")


def image_notification(s: Session) -> None:
    slide = s.simulator.slide_ids[-1]
    answer = s.simulator.notify_new_image(s.app_url, slide)
    s.say(f"DPAT -> app  POST /imagenotification for {slide}: {answer.status_code} {answer.json()}")
    _wait_idle(s)
    s.say(f"app -> DPAT  {_app_calls(s)}")
    stored = [r for r in s.simulator.results if r["slideId"] == slide]
    s.say("pre-analysed on import: " + (_describe(stored[-1]) if stored else "nothing stored"))


def qido_case(s: Session) -> None:
    info = s.client.get_image_info(s.slide_id, extended=True, phi=True)
    with DPATQidoClient(s.simulator.root_url + QIDO_PATH, s.simulator.username, s.simulator.password) as qido:
        link = link_image(qido, info)
        study_uid = link.study.get_value_as_string("StudyInstanceUID", "")
        series = qido.search_series(study_uid)
        instances = qido.search_instances(study_uid)
    modalities = sorted({item.get_value_as_string("Modality", "?") for item in series})
    s.say(
        f"QIDO-RS finds the slide's study: {len(series)} series ({', '.join(modalities)}), "
        f"{len(instances)} instance(s); the slide's own series is "
        f"{'found' if link.series is not None else 'not named by the image info'}"
    )


def final_results(s: Session) -> None:
    for result in s.simulator.results:
        s.say(_describe(result))
    for slide in s.simulator.slide_ids:
        s.say(f"quality control of {slide}: {s.simulator.quality_control(slide)['status']}")


STEPS: list[tuple[str, Callable[[Session], None]]] = [
    ("Server info", server_info),
    ("Slide info (extended scope)", slide_info),
    ("Case images", case_images),
    ("Store a result", store_result),
    ("Update it (optimistic concurrency)", update_result),
    ("Set quality control", quality_control),
    ("Read tiles and the label", tiles_and_label),
    ("What went over the wire", request_summary),
    ("Start the example app and let DPAT read its registration", start_example_app),
    ("DPAT invokes the app: create", invoke_create),
    ("DPAT invokes the app: modify", invoke_modify),
    ("A long run, cancelled by DPAT", cancel_long_run),
    ("DPAT notifies the app of a new image", image_notification),
    ("QIDO-RS: the case in the archive", qido_case),
    ("Final stored results", final_results),
]


def run(say: Callable[[str], None] = print, *, slides: int = 3) -> Session:
    """Run every step against a fresh simulator; returns the session (for tests)."""
    with DPATSimulator(slides=slides) as simulator:
        say(f"DPAT simulator serving the IA-API at {simulator.url}")
        with (
            DPATAIClient.from_credentials(
                simulator.url, simulator.app_id, simulator.username, simulator.password
            ) as client,
            ExitStack() as resources,
        ):
            session = Session(simulator, client, say, resources=resources)
            for number, (title, step) in enumerate(STEPS, start=1):
                say(f"\n{number}. {title}")
                step(session)
    say("\ndone: the example app and the simulator have stopped")
    return session


def main() -> None:
    """Entry point of ``python -m sectra_dpat_client.demo``."""
    run()


if __name__ == "__main__":
    main()
