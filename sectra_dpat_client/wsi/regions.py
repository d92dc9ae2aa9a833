"""Regions, thumbnails and labels from the IA-API's Deep Zoom tiles: the public names in one place.

`read_region` fetches only the tiles a region overlaps (concurrently in `read_region_async`), decodes
them with Pillow and stitches them into an RGB ``numpy`` array. `get_thumbnail` reads the smallest
level large enough and scales it down; `decode_label` turns label bytes into an image. The logic is
I/O-free in `sectra_dpat_client.wsi.stitching`; the fetching loops are written once in
``wsi/_async/regions.py`` and generated into ``wsi/_sync/regions.py`` by codegen/unasync.py.
"""

from __future__ import annotations

from ._async.regions import AsyncTileClient, get_thumbnail_async, read_region_async
from ._sync.regions import TileClient, get_thumbnail, read_region
from .stitching import (
    DEFAULT_TILE_CONCURRENCY,
    RegionPlan,
    TileInfoLike,
    decode_label,
    plan_region,
    stitch,
    tile_format,
)

__all__ = [
    "DEFAULT_TILE_CONCURRENCY",
    "AsyncTileClient",
    "RegionPlan",
    "TileClient",
    "TileInfoLike",
    "decode_label",
    "get_thumbnail",
    "get_thumbnail_async",
    "plan_region",
    "read_region",
    "read_region_async",
    "stitch",
    "tile_format",
]
