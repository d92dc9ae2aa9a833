"""Label masks and probability maps -> primitive content, and content -> masks (OpenCV contours).

`from_mask` traces each class with ``cv2.findContours(RETR_CCOMP)`` (outer contours and their holes).
OpenCV's contours run through the centres of the boundary pixels; each polygon is grown by half a
pixel (mitre joins) so its edge lies on the pixel edges of the `coords` convention, and a mask drawn
back from it (`to_mask`, pixel centres inside, `rasterize_rings`) gives the same pixels.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from functools import partial
from typing import Any

import cv2
import numpy as np
import numpy.typing as npt
import shapely
import shapely.affinity
from shapely.geometry import Polygon
from shapely.geometry.base import BaseGeometry

from ..ai.fastpath import PrimitiveBatch
from ..models import Style
from ..wsi.deepzoom import DeepZoomGeometry, ImageInfoLike, PixelBox
from .content import DEFAULT_POINT_BUDGET, from_shapely
from .coords import PixelFrame
from .errors import DPATGeometryError
from .raster import rasterize_rings
from .read import to_shapely

__all__ = ["from_mask", "mask_polygons", "to_mask"]


def mask_polygons(mask: npt.NDArray[np.bool_], *, min_area: float = 0.0) -> list[Polygon]:
    """The polygons (with holes) covering the true pixels of a 2-D boolean mask, in its pixel coordinates."""
    if mask.dtype == np.bool_ and mask.flags.c_contiguous:
        binary = mask.view(np.uint8)  # the same bytes: no copy of a slide-sized mask
    else:
        binary = np.ascontiguousarray(mask, dtype=np.uint8)
    contours, hierarchy = cv2.findContours(binary, cv2.RETR_CCOMP, cv2.CHAIN_APPROX_SIMPLE)
    if hierarchy is None:
        return []
    links = hierarchy[0]
    polygons: list[Polygon] = []
    for index, contour in enumerate(contours):
        if links[index][3] != -1:
            continue  # a hole: taken with its outer contour
        holes = []
        child = links[index][2]
        while child != -1:
            holes.append(contours[child].reshape(-1, 2) + 0.5)
            child = links[child][0]
        shell = contour.reshape(-1, 2) + 0.5
        grown = _grow(shell, holes)
        for polygon in getattr(grown, "geoms", [grown]):
            if isinstance(polygon, Polygon) and not polygon.is_empty and polygon.area >= min_area:
                polygons.append(polygon)
    return polygons


def _grow(shell: npt.NDArray[Any], holes: list[npt.NDArray[Any]]) -> BaseGeometry:
    """The area of the pixels: the centre-line shell grown by half a pixel minus each hole shrunk by half.

    A hole contour runs through the centres of the foreground pixels around the hole, so shrinking it by
    half a pixel gives the edges of the background pixels inside; 1-pixel-wide parts (lines in the
    centre-line shell) grow to their pixels too.
    """
    outline = _centre_shape(shell).buffer(0.5, cap_style="square", join_style="mitre", mitre_limit=2.0)
    gaps = [_centre_shape(hole).buffer(-0.5, join_style="mitre", mitre_limit=2.0) for hole in holes if len(hole) >= 3]
    gaps = [gap for gap in gaps if not gap.is_empty]
    return outline.difference(shapely.union_all(gaps)) if gaps else outline


def _centre_shape(points: npt.NDArray[Any]) -> BaseGeometry:
    if len(points) == 1:
        return shapely.Point(points[0])
    if len(points) == 2:
        return shapely.LineString(points)
    return shapely.make_valid(Polygon(points))


_COUNT_ROWS_BYTES = 16 * 1024 * 1024
"""Rows of a label mask counted at once (bincount widens them to 8-byte integers)."""


def _label_counts(labels: npt.NDArray[Any]) -> npt.NDArray[np.intp]:
    """How often each value occurs in a 2-D ``bool``/``uint8``/``uint16`` mask, counted a band of rows at a time."""
    size = 2 if labels.dtype == np.bool_ else 1 << (8 * labels.dtype.itemsize)
    counts = np.zeros(size, dtype=np.intp)
    rows = max(1, _COUNT_ROWS_BYTES // max(1, labels.shape[1]))
    for start in range(0, labels.shape[0], rows):
        counts += np.bincount(labels[start : start + rows].ravel(), minlength=size)
    return counts


def from_mask(
    info: ImageInfoLike | DeepZoomGeometry,
    mask: npt.NDArray[Any],
    *,
    level: int | None = None,
    origin: tuple[float, float] = (0.0, 0.0),
    classes: Mapping[int, str] | None = None,
    threshold: float | None = None,
    min_area: float = 0.0,
    styles: Mapping[str, Style] | None = None,
    max_points: int = DEFAULT_POINT_BUDGET,
    simplify: float | bool = False,
    check: bool = True,
) -> list[PrimitiveBatch]:
    """Primitive content for a label mask (or a probability map with ``threshold``) at ``level``.

    ``mask`` is 2-D; its pixel ``(0, 0)`` sits at ``origin`` (pixels of ``level``). Integer labels other
    than 0 are classes, named by ``classes`` (default ``"class <n>"``; labels not in ``classes`` are
    skipped when it is given); a float map with ``threshold`` is one class ``"foreground"`` (values >=
    threshold). ``min_area`` (pixels of ``level``) drops small pieces; the budget, simplification and
    validation are those of `from_shapely`.
    """
    array = np.asarray(mask)
    if array.ndim != 2:
        raise DPATGeometryError(f"a mask must be 2-D, got shape {array.shape}")
    PixelFrame.of(info, level)
    # one class's layer at a time (made when traced, freed after): a slide-sized mask has few to spare
    layers: list[tuple[str, Callable[[], npt.NDArray[np.bool_]]]]
    if threshold is not None:
        layers = [((classes or {}).get(1, "foreground"), lambda: array >= threshold)]
    elif np.issubdtype(array.dtype, np.integer) or array.dtype == np.bool_:
        if array.dtype == np.bool_ or (array.dtype.itemsize <= 2 and np.issubdtype(array.dtype, np.unsignedinteger)):
            values = [int(v) for v in np.flatnonzero(_label_counts(array)) if v != 0]  # no sort of the mask
        else:
            values = [int(v) for v in np.unique(array) if v != 0]
        if classes is not None:
            values = [v for v in values if v in classes]
        layers = [((classes or {}).get(v, f"class {v}"), partial(np.equal, array, v)) for v in values]
    else:
        raise DPATGeometryError(f"a {array.dtype} mask needs a threshold (a probability map) or integer labels")
    shapes: dict[str, list[BaseGeometry]] = {}
    for name, layer in layers:
        polygons = mask_polygons(layer(), min_area=min_area)
        if origin != (0.0, 0.0):
            polygons = [shapely.affinity.translate(p, *origin) for p in polygons]
        shapes.setdefault(name, []).extend(polygons)  # labels given one class name share it
    return from_shapely(info, shapes, level=level, styles=styles, max_points=max_points, simplify=simplify, check=check)


def to_mask(
    info: ImageInfoLike | DeepZoomGeometry,
    source: Any,
    *,
    level: int | None = None,
    region: PixelBox | None = None,
) -> npt.NDArray[np.uint8]:
    """A ``uint8`` mask (1 inside) of the polygons of ``source`` over ``region`` (default: the whole level).

    ``source`` is anything `to_shapely` reads (an invocation's input: the user's ROI, a result, content)
    or shapely geometries in pixels of ``level``. A pixel is inside when its centre is (even-odd over
    all rings). ``region`` is in pixels of ``level``.
    """
    frame = PixelFrame.of(info, level)
    if region is None:
        width, height = frame.size
        region = PixelBox(0, 0, width, height)
    if isinstance(source, BaseGeometry):
        geometries: list[BaseGeometry] = [source]
    elif isinstance(source, list) and all(isinstance(s, BaseGeometry) for s in source) and source:
        geometries = list(source)
    else:
        geometries = to_shapely(info, source, level=level)
    shapes = [
        [np.asarray(ring.coords) for ring in (polygon.exterior, *polygon.interiors)]
        for geometry in geometries
        for polygon in getattr(geometry, "geoms", [geometry])
        if isinstance(polygon, Polygon)
    ]
    return rasterize_rings(shapes, (region.width, region.height), (region.x, region.y))
