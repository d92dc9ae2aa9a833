"""`make demo`: start the DPAT simulator and walk a scripted IA-API session over real HTTP.

Each step is one function taking the shared `Session`; add steps by appending to `STEPS`.
Nothing secret or patient-identifying is printed (the simulator's data is synthetic anyway).
"""

from __future__ import annotations

import io
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

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
from .errors import DPATConflictError
from .simulator import DPATSimulator
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


STEPS: list[tuple[str, Callable[[Session], None]]] = [
    ("Server info", server_info),
    ("Slide info (extended scope)", slide_info),
    ("Case images", case_images),
    ("Store a result", store_result),
    ("Update it (optimistic concurrency)", update_result),
    ("Set quality control", quality_control),
    ("Read tiles and the label", tiles_and_label),
    ("What went over the wire", request_summary),
]


def run(say: Callable[[str], None] = print, *, slides: int = 3) -> Session:
    """Run every step against a fresh simulator; returns the session (for tests)."""
    with DPATSimulator(slides=slides) as simulator:
        say(f"DPAT simulator serving the IA-API at {simulator.url}")
        with DPATAIClient.from_credentials(
            simulator.url, simulator.app_id, simulator.username, simulator.password
        ) as client:
            session = Session(simulator, client, say)
            for number, (title, step) in enumerate(STEPS, start=1):
                say(f"\n{number}. {title}")
                step(session)
    say("\ndone: the simulator has stopped")
    return session


def main() -> None:
    """Entry point of ``python -m sectra_dpat_client.demo``."""
    run()


if __name__ == "__main__":
    main()
