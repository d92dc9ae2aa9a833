"""From model output to DPAT results and back: masks, shapely, GeoJSON (QuPath), patch galleries.

Needs the ``[geo]`` extra.

Coordinates follow `coords`: pixel ``(col, row)`` of a level covers ``[col, col+1) x [row, row+1)``;
IA-API coordinates are full-resolution pixels divided by the image width.
"""

from __future__ import annotations

from . import _extra  # noqa: F401  # first: names the [geo] extra when shapely or OpenCV is missing
from .content import DEFAULT_POINT_BUDGET, PALETTE, class_style, from_shapely
from .coords import PixelFrame, normalized_to_pixels, pixels_to_normalized
from .encode import to_result
from .errors import DPATGeometryError, PointBudgetExceededError
from .gallery import from_patches, to_patches
from .geojson import from_geojson, to_geojson
from .keyhole import keyhole_ring
from .masks import from_mask, mask_polygons, to_mask
from .raster import rasterize_rings
from .read import to_shapely

__all__ = [
    "DEFAULT_POINT_BUDGET",
    "PALETTE",
    "DPATGeometryError",
    "PixelFrame",
    "PointBudgetExceededError",
    "class_style",
    "from_geojson",
    "from_mask",
    "from_patches",
    "from_shapely",
    "keyhole_ring",
    "mask_polygons",
    "normalized_to_pixels",
    "pixels_to_normalized",
    "rasterize_rings",
    "to_geojson",
    "to_mask",
    "to_patches",
    "to_result",
    "to_shapely",
]
