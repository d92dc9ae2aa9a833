"""Fetch the tiles of a region or thumbnail through a client.

This module exists twice: the async one is hand-written, the sync one is generated from it by
``codegen/unasync.py``. Everything but the fetching (the plan, decoding, stitching) is in
`sectra_dpat_client.wsi.stitching`; the asyncio functions fetch up to ``max_concurrency`` tiles at a
time, the sync ones fetch them in turn.
"""

from __future__ import annotations

from typing import Protocol

from PIL import Image

from ..._core.primitives import agather_bounded
from ..deepzoom import DeepZoomGeometry
from ..stitching import (
    DEFAULT_TILE_CONCURRENCY,  # unasync: drop
    RGBArray,
    TileInfoLike,
    plan_region,
    positive_int,
    shrink,
    stitch,
    thumbnail_plan,
    tile_format,
)

__all__ = ["AsyncTileClient", "get_thumbnail_async", "read_region_async"]


class AsyncTileClient(Protocol):
    """What region reading needs of a client: image info and tiles (`AsyncDPATAIClient` has both methods)."""

    async def get_image_info(self, slide_id: str) -> TileInfoLike: ...

    async def get_tile(
        self,
        slide_id: str,
        level: int,
        col: int,
        row: int,
        *,
        focal_plane: str | None = None,
        optical_path: str | None = None,
        fmt: str | None = None,
    ) -> bytes: ...


async def read_region_async(
    client: AsyncTileClient,
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
    max_concurrency: int = DEFAULT_TILE_CONCURRENCY,  # unasync: drop
) -> RGBArray:
    # unasync: """A region as an RGB ``(height, width, 3)`` uint8 array; pass ``info`` to skip fetching `ImageInfo`."""
    """A region as an RGB ``(height, width, 3)`` uint8 array, up to ``max_concurrency`` tiles fetched at a time."""
    positive_int("max_concurrency", max_concurrency)  # unasync: drop
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
    client: AsyncTileClient,
    slide_id: str,
    max_size: int = 512,
    *,
    fmt: str | None = None,
    info: TileInfoLike | None = None,
) -> Image.Image:
    """The whole slide as an RGB image no larger than ``max_size`` on its longer side."""
    max_size = positive_int("max_size", max_size)
    info = info if info is not None else await client.get_image_info(slide_id)
    level, width, height = thumbnail_plan(info, max_size)
    pixels = await read_region_async(client, slide_id, 0, 0, width, height, level=level, fmt=fmt, info=info)
    return shrink(pixels, max_size)
