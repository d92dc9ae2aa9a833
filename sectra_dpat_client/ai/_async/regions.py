"""Regions and thumbnails stitched from a slide's Deep Zoom tiles, fetched through the client's own calls.

This module exists twice: the async one is hand-written, the sync one is generated from it by
``codegen/unasync.py``. The functions are the client's ``read_region`` and ``get_thumbnail`` (the
client class takes them as its methods, so their signatures exist once), fetching `ImageInfo` and tiles
with ``client.get_image_info`` and ``client.get_tile`` (both through the client's one request path).
Everything but the fetching (the plan, decoding, stitching) is in `sectra_dpat_client.wsi.stitching`.
The asyncio client fetches up to ``max_concurrency`` tiles at a time, the sync one fetches them in turn.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..._core.primitives import agather_bounded
from ...wsi.deepzoom import DeepZoomGeometry
from ...wsi.stitching import (
    DEFAULT_TILE_CONCURRENCY,
    RGBArray,
    TileInfoLike,
    plan_region,
    positive_int,
    shrink,
    stitch,
    thumbnail_plan,
    tile_format,
)

if TYPE_CHECKING:
    from PIL import Image

    from .client import AsyncDPATAIClient

__all__ = ["get_thumbnail_async", "read_region_async"]


async def read_region_async(
    client: AsyncDPATAIClient,
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
    info: TileInfoLike | None = None,
    max_concurrency: int = DEFAULT_TILE_CONCURRENCY,
) -> RGBArray:
    """A region stitched from the tiles it needs, as an RGB ``(height, width, 3)`` uint8 array.

    ``x``, ``y`` are full-resolution pixels, ``width``, ``height`` the output size at the Deep Zoom
    ``level`` (or the smallest level at least as fine as ``mpp``); see `sectra_dpat_client.wsi.stitching`.
    Pass the slide's ``info`` when reading many regions, to save fetching it each time.
    ``max_concurrency`` bounds the tiles fetched at once by the asyncio client; the sync client
    fetches them in turn (both refuse a value that is not a positive integer).
    """
    positive_int("max_concurrency", max_concurrency)
    info = info if info is not None else await client.get_image_info(slide_id)
    plan = plan_region(DeepZoomGeometry.from_image_info(info), x, y, width, height, level=level, mpp=mpp)
    ext = tile_format(info, fmt)

    async def fetch(tile: tuple[int, int]) -> tuple[tuple[int, int], bytes]:
        data = await client.get_tile(
            slide_id, plan.level, *tile, focal_plane=focal_plane, optical_path=optical_path, fmt=ext
        )
        return tile, data

    # unasync: fetched = (fetch(tile) for tile in plan.tiles)
    fetched = await agather_bounded([fetch(tile) for tile in plan.tiles], max_concurrency)
    return stitch(plan, fetched, focal_plane=focal_plane)


async def get_thumbnail_async(
    client: AsyncDPATAIClient,
    slide_id: str,
    max_size: int = 512,
    *,
    fmt: str | None = None,
    info: TileInfoLike | None = None,
) -> Image.Image:
    """The whole slide as an RGB image at most ``max_size`` pixels on its longer side, built from tiles."""
    max_size = positive_int("max_size", max_size)
    info = info if info is not None else await client.get_image_info(slide_id)
    level, width, height = thumbnail_plan(info, max_size)
    pixels = await read_region_async(client, slide_id, 0, 0, width, height, level=level, fmt=fmt, info=info)
    return shrink(pixels, max_size)
