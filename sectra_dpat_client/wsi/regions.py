"""Regions, thumbnails and labels from the IA-API's Deep Zoom tiles: the public names in one place.

`read_region` fetches only the tiles a region overlaps (concurrently in `read_region_async`), decodes
them with Pillow and stitches them into an RGB ``numpy`` array. `get_thumbnail` reads the smallest
level large enough and scales it down; `decode_label` turns label bytes into an image. The logic is
I/O-free in `sectra_dpat_client.wsi.stitching`. The fetching lives with the IA-API clients: these
functions are the clients' ``read_region`` and ``get_thumbnail`` (``ai/_async/regions.py``, generated
into ``ai/_sync/regions.py``), re-exported here on first use (``wsi.read_region(client, ...)`` is
``client.read_region(...)``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ._from_clients import lazy_dir, lazy_getattr
from .stitching import (
    DEFAULT_TILE_CONCURRENCY,
    RegionPlan,
    TileInfoLike,
    decode_label,
    plan_region,
    stitch,
    tile_format,
)

if TYPE_CHECKING:
    from ..ai._async.regions import get_thumbnail_async, read_region_async
    from ..ai._sync.regions import get_thumbnail, read_region

__all__ = [
    "DEFAULT_TILE_CONCURRENCY",
    "RegionPlan",
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

_FROM_CLIENTS = ["get_thumbnail", "get_thumbnail_async", "read_region", "read_region_async"]
__getattr__ = lazy_getattr(__name__, globals(), _FROM_CLIENTS)
__dir__ = lazy_dir(globals(), _FROM_CLIENTS)
