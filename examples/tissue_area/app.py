"""The tissue-area app: measures stained tissue on a slide thumbnail, outlines it, and sets QC.

Run it next to DPAT (or the simulator)::

    DPAT_HOSTS=pacs.example uvicorn examples.tissue_area.app:app --host 0.0.0.0 --port 5001

Environment: ``APP_ID`` (default ``tissue-area``), ``DPAT_HOSTS`` (comma-separated hosts allowed in
callback URLs, besides the host an invocation comes from), ``APP_SHARED_SECRET`` (require this value
in the ``X-DPAT-App-Secret`` header), ``APP_PUBLIC_URL`` (the URL DPAT should call, behind a proxy).
"""

from __future__ import annotations

import asyncio
import io
import logging
import os
from typing import Any

import anyio.to_thread
import numpy as np
from PIL import Image

from sectra_dpat_client.ai import AsyncDPATAIClient
from sectra_dpat_client.app import AnalysisApp, CallbackPolicy, InvocationContext, InvocationError
from sectra_dpat_client.errors import ValidationFault
from sectra_dpat_client.models import (
    DisplayProperties,
    ImageInfo,
    InputTemplate,
    InputType,
    Label,
    Point,
    Polygon,
    PrimitiveItem,
    QualityControl,
    QualityControlData,
    QualityControlStatus,
    Result,
    ResultContent,
    ResultData,
    ResultType,
    Style,
)
from sectra_dpat_client.wsi import DeepZoomGeometry

from .analysis import RGB, TissueMeasurement, measure_tissue

__all__ = ["VERSION", "app", "create_app", "read_thumbnail", "thumbnail_from_tiles"]

VERSION = "1.0.0"
THUMBNAIL_SIZE = 512
# Below this share of tissue the slide is rejected in QC (empty or nearly empty glass).
MIN_TISSUE_FRACTION = 0.02
# What the (echoed) registration context may ask for: name -> (default, lowest, highest).
CONTEXT_LIMITS = {"demoDelaySeconds": (0.0, 0.0, 30.0), "minTissueFraction": (MIN_TISSUE_FRACTION, 0.0, 1.0)}
OUTLINE = Style(strokeStyle="#00A651", fillStyle="#00A65133", size=2)

_log = logging.getLogger("examples.tissue_area")


def create_app(
    *,
    application_id: str = "tissue-area",
    dpat_hosts: tuple[str, ...] = (),
    shared_secret: str | None = None,
    public_url: str | None = None,
) -> AnalysisApp:
    """The tissue-area app, ready to serve."""
    app = AnalysisApp(
        application_id=application_id,
        display_name="Tissue area",
        manufacturer="sectra_dpat_client examples",
        input_template=InputTemplate(type=InputType.WHOLE_SLIDE),
        context={"minTissueFraction": MIN_TISSUE_FRACTION},
        software_version=VERSION,
        public_url=public_url,
        callback_policy=CallbackPolicy(hosts=dpat_hosts),
        shared_secret=shared_secret,
    )

    @app.on_create
    async def analyse(ctx: InvocationContext) -> Result:
        """Answer with a placeholder at once; measure, outline and set QC in the background."""
        settings(ctx)  # a context asking for too much is refused (422) before any work starts
        await ctx.respond_pending("Tissue detection running")
        return await _analyse(ctx)

    @app.on_image_notification
    async def pre_analyse(ctx: InvocationContext) -> Result:
        """A new image arrived: measure it right away so the result is there when a user opens it."""
        return await _analyse(ctx)

    @app.on_modify
    async def keep_edits(ctx: InvocationContext) -> Result | None:
        """The user edited the outlines: keep the edits and say so in the popup."""
        edited = ctx.result_input
        if edited is None:
            return None
        properties = edited.display_properties.to_dict() if edited.display_properties else {}
        properties["Edited by user"] = "yes"
        body = edited.to_dict()
        body["displayProperties"] = properties
        return Result.from_dict(body)

    @app.on_delete
    async def forget(ctx: InvocationContext) -> None:
        _log.info("a tissue-area result was deleted")

    return app


def settings(ctx: InvocationContext) -> dict[str, float]:
    """The context's knobs, each a finite number within `CONTEXT_LIMITS`; else `InvocationError` (422)."""
    chosen: dict[str, float] = {}
    for name, (default, lowest, highest) in CONTEXT_LIMITS.items():
        value = ctx.app_context.get(name, default)
        if isinstance(value, bool) or not isinstance(value, int | float) or not lowest <= value <= highest:
            raise InvocationError(
                f"context {name} must be a number from {lowest:g} to {highest:g}",
                status_code=422,
                faults=[ValidationFault(f"$.context.{name}", f"must be a number from {lowest:g} to {highest:g}")],
            )
        chosen[name] = float(value)
    return chosen


async def _analyse(ctx: InvocationContext) -> Result:
    knobs = settings(ctx)
    delay = knobs["demoDelaySeconds"]  # the demo's knob to make a run long
    threshold = knobs["minTissueFraction"]
    info = await ctx.client.get_image_info(ctx.slide_id, extended=True)
    await _step(ctx, 0.1, "reading thumbnail", delay)
    thumbnail = await read_thumbnail(ctx.client, ctx.slide_id, info)
    await _step(ctx, 0.5, "measuring tissue", delay)
    measurement = await anyio.to_thread.run_sync(
        lambda: measure_tissue(
            thumbnail,
            image_size=(info.image_size.width, info.image_size.height),
            microns_per_pixel=info.microns_per_pixel,
        )
    )
    await _step(ctx, 0.8, "setting quality control", delay)
    status = await _set_quality_control(ctx, info, measurement, threshold)
    await _step(ctx, 0.95, "storing the result", delay)
    return tissue_result(ctx.slide_id, info, measurement, status)


async def _step(ctx: InvocationContext, fraction: float, message: str, delay: float) -> None:
    if delay > 0:
        await asyncio.sleep(delay)
    await ctx.progress(fraction, message)


async def read_thumbnail(client: AsyncDPATAIClient, slide_id: str, info: ImageInfo) -> RGB:
    """The slide as an RGB array: through the region reader when installed, else straight from tiles."""
    try:
        from sectra_dpat_client.wsi.regions import get_thumbnail_async
    except ImportError:
        return await thumbnail_from_tiles(client, slide_id, info)
    image = await get_thumbnail_async(client, slide_id, THUMBNAIL_SIZE, info=info)
    return np.asarray(image.convert("RGB"), dtype=np.uint8)


async def thumbnail_from_tiles(client: AsyncDPATAIClient, slide_id: str, info: ImageInfo) -> RGB:
    """The thumbnail assembled from the Deep Zoom tiles of the smallest level big enough."""
    geometry = DeepZoomGeometry.from_image_info(info)
    level = geometry.level_for_size(THUMBNAIL_SIZE)
    width, height = geometry.level_size(level)
    cols, rows = geometry.tile_grid(level)
    canvas = Image.new("RGB", (width, height))
    for row in range(rows):
        for col in range(cols):
            box = geometry.tile_box(level, col, row)
            tile = Image.open(io.BytesIO(await client.get_tile(slide_id, level, col, row))).convert("RGB")
            canvas.paste(tile, (box.x, box.y))
    canvas.thumbnail((THUMBNAIL_SIZE, THUMBNAIL_SIZE), Image.Resampling.LANCZOS)
    return np.asarray(canvas, dtype=np.uint8)


async def _set_quality_control(
    ctx: InvocationContext, info: ImageInfo, measurement: TissueMeasurement, threshold: float
) -> QualityControlStatus | None:
    """Reject slides with (almost) no tissue, pass the others; None when DPAT has no QC (IA-API < 1.10)."""
    if not info.quality_control:
        return None
    status = QualityControlStatus.QUALITY_OK if measurement.fraction >= threshold else QualityControlStatus.REJECTED
    qc = QualityControl(
        applicationVersion=VERSION,
        qualityControl=QualityControlData(status=status, versionId=info.quality_control.version_id),
    )
    await ctx.client.set_quality_control(ctx.slide_id, qc)
    return status


def tissue_result(
    slide_id: str, info: ImageInfo, measurement: TissueMeasurement, qc: QualityControlStatus | None
) -> Result:
    """The result DPAT shows: outlines, a label on the largest region, and the numbers in the popup."""
    regions = measurement.normalized_regions(info.image_size.width, info.image_size.height)
    polygons = [Polygon(points=[Point(x=x, y=y) for x, y in region]) for region in regions]
    summary = f"Tissue {measurement.fraction * 100:.1f} % ({measurement.area_mm2:.1f} mm²)"
    labels = []
    if regions:
        largest = max(regions, key=len)
        x, y = min(largest, key=lambda point: (point[1], point[0]))  # its top-most point
        labels.append(Label(location=Point(x=x, y=y), label=summary))
    properties: dict[str, Any] = {
        "Tissue share": f"{measurement.fraction * 100:.1f} %",
        "Tissue area": f"{measurement.area_mm2:.2f} mm²",
        "Regions": len(polygons),
    }
    if qc is not None:
        properties["Quality control"] = str(qc)
    item = PrimitiveItem(style=OUTLINE, polygons=polygons, labels=labels)
    return Result(
        slideId=slide_id,
        displayResult=summary,
        displayProperties=DisplayProperties.from_dict(properties),
        applicationVersion=VERSION,
        data=ResultData(result=ResultContent(type=ResultType.PRIMITIVES, content=[item])),
    )


def _hosts(value: str | None) -> tuple[str, ...]:
    return tuple(host.strip() for host in (value or "").split(",") if host.strip())


app = create_app(
    application_id=os.environ.get("APP_ID", "tissue-area"),
    dpat_hosts=_hosts(os.environ.get("DPAT_HOSTS")),
    shared_secret=os.environ.get("APP_SHARED_SECRET") or None,
    public_url=os.environ.get("APP_PUBLIC_URL") or None,
)
