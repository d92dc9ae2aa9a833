"""Shapely geometries (pixel coordinates of a level) -> IA-API primitive content (back: `read`)."""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from typing import TypeAlias

import numpy as np
import numpy.typing as npt
import orjson
import shapely
from shapely.geometry import GeometryCollection, LineString, MultiLineString, MultiPoint, MultiPolygon, Point, Polygon
from shapely.geometry.base import BaseGeometry

from ..ai.fastpath import PrimitiveBatch
from ..models import Label, Style
from ..models import Point as ApiPoint
from ..validate import validate
from ..wsi.deepzoom import DeepZoomGeometry, ImageInfoLike
from .coords import PixelFrame
from .encode import PackedRings
from .errors import DPATGeometryError, PointBudgetExceededError
from .keyhole import keyhole_ring

__all__ = ["DEFAULT_POINT_BUDGET", "FULL_CHECK_POINTS", "PALETTE", "class_style", "from_shapely"]

FULL_CHECK_POINTS = 100_000
"""Content up to this many points is validated whole against the spec (see `_check` for larger)."""

DEFAULT_POINT_BUDGET = 5_000_000
"""Default maximum of points in one produced content (the IA-API's own limit is not public)."""

PALETTE = ("#E6194B", "#3CB44B", "#4363D8", "#F58231", "#911EB4", "#42D4F4", "#F032E6", "#BFEF45")
"""Stroke colours given to classes without a colour of their own, in order."""

Geometries: TypeAlias = BaseGeometry | Iterable[BaseGeometry]


def class_style(index: int, color: str | None = None) -> Style:
    """The style of the ``index``-th class: ``color`` (or a palette colour) stroked, filled at 20 % alpha."""
    stroke = (color or PALETTE[index % len(PALETTE)]).upper()
    return Style(strokeStyle=stroke, fillStyle=stroke[:7] + "33")


def from_shapely(
    info: ImageInfoLike | DeepZoomGeometry,
    geometries: Geometries | Mapping[str, Geometries],
    *,
    level: int | None = None,
    styles: Mapping[str, Style] | Style | None = None,
    max_points: int = DEFAULT_POINT_BUDGET,
    simplify: float | bool = False,
    check: bool = True,
) -> list[PrimitiveBatch]:
    """Primitive content (one `PrimitiveBatch` per class) for shapely geometries in pixels of ``level``.

    ``geometries`` is one geometry, an iterable of them, or a mapping class name -> geometries (one style
    per class: ``styles[name]`` or `class_style`). Polygons with holes become keyhole rings
    (`keyhole_ring`), lines polylines, points labels carrying the class name (``"•"`` without one).
    More than ``max_points`` points raises `PointBudgetExceededError` unless ``simplify`` is true (or a
    tolerance in pixels > 0): then the polygons are simplified, doubling the tolerance from 0.5 px (or the
    given one), until they fit; ``simplify=0`` means no simplification, a negative or non-finite tolerance
    raises `DPATGeometryError`. ``check`` validates every item against the spec's ``PrimitiveItem``.
    """
    frame = PixelFrame.of(info, level)
    classes: list[tuple[str | None, npt.NDArray[np.object_]]]
    if isinstance(geometries, Mapping):
        classes = [(str(name), _flatten(value)) for name, value in geometries.items()]
    else:
        classes = [(None, _flatten(geometries))]
    tolerance = _tolerance(simplify)
    while True:
        shapes = [(name, _primitives(items, tolerance, frame)) for name, items in classes]
        total = sum(_point_count(polys) + _point_count(lines) + len(points) for _, (polys, lines, points) in shapes)
        if total <= max_points:
            break
        if not tolerance or tolerance > 1e6:
            raise PointBudgetExceededError(total, max_points)
        tolerance *= 2
    batches = []
    for index, (name, (polys, lines, points)) in enumerate(shapes):
        if isinstance(styles, Style):
            style = styles
        elif styles is not None and name is not None and name in styles:
            style = styles[name]
        else:
            style = class_style(index)
        labels = (
            [Label(location=ApiPoint(x=x, y=y), label=name or "•") for x, y in points.tolist()] if len(points) else []
        )
        batch = PrimitiveBatch(
            polygons=polys,
            polylines=lines,
            style=style,
            labels=labels,
        )
        if check:
            _check(batch, total)
        batches.append(batch)
    return batches


def _tolerance(simplify: float | bool) -> float:
    """The first simplification tolerance in pixels: ``True`` 0.5, ``False`` or ``0`` none (0.0)."""
    if simplify is True or simplify is False:
        return 0.5 if simplify else 0.0
    tolerance = float(simplify)
    if not math.isfinite(tolerance) or tolerance < 0:
        raise DPATGeometryError(f"simplify must be a bool or a finite tolerance >= 0 in pixels, got {simplify!r}")
    return tolerance


def _point_count(rings: Sequence[npt.NDArray[np.float64]]) -> int:
    return rings.total_points if isinstance(rings, PackedRings) else sum(len(ring) for ring in rings)


_MULTI_TYPE_IDS = (4, 5, 6, 7)  # shapely type ids of MultiPoint, MultiLineString, MultiPolygon, GeometryCollection


def _flatten(value: Geometries) -> npt.NDArray[np.object_]:
    """The non-empty geometries of ``value`` with multi-part ones split into their parts, as an object array."""
    items = [value] if isinstance(value, BaseGeometry) else list(value)
    array = np.fromiter(items, dtype=object, count=len(items))  # no per-item sequence probing (np.asarray's)
    # the common case, checked vectorised: only geometries, none of them multi-part
    if (
        len(items)
        and shapely.is_geometry(array).all()
        and not np.isin(shapely.get_type_id(array), _MULTI_TYPE_IDS).any()
    ):
        empty = shapely.is_empty(array)
        return array[~empty] if empty.any() else array
    flat: list[BaseGeometry] = []
    for item in items:
        if not isinstance(item, BaseGeometry):
            raise DPATGeometryError(f"expected a shapely geometry, got {type(item).__name__}")
        if isinstance(item, MultiPolygon | MultiLineString | MultiPoint | GeometryCollection):
            flat.extend(_flatten(list(item.geoms)).tolist())
        elif not item.is_empty:
            flat.append(item)
    return np.fromiter(flat, dtype=object, count=len(flat))


def _check(batch: PrimitiveBatch, total: int) -> None:
    """Validate ``batch`` against the spec's ``PrimitiveItem``: whole up to `FULL_CHECK_POINTS` points.

    Larger content is built by construction from finite ``(n, 2)`` arrays of >= 3 (polygon) or >= 2
    (polyline) points, which the fast path checks again (vectorised) while encoding; there the style,
    the labels and the first shape of each kind are validated by the schema.
    """
    if total <= FULL_CHECK_POINTS:
        validate(orjson.loads(batch.to_json()), "PrimitiveItem")
        return
    sample = PrimitiveBatch(
        polygons=list(batch.polygons[:1]), polylines=list(batch.polylines[:1]), style=batch.style, labels=batch.labels
    )
    validate(orjson.loads(sample.to_json()), "PrimitiveItem")


def _primitives(
    items: npt.NDArray[np.object_], tolerance: float, frame: PixelFrame
) -> tuple[Sequence[npt.NDArray[np.float64]], list[npt.NDArray[np.float64]], npt.NDArray[np.float64]]:
    """Polygon rings, polylines and points of ``items`` in order; simple polygons in one vectorised pass."""
    array = items
    if tolerance and len(array):
        array = shapely.simplify(array, tolerance, preserve_topology=True)
    kinds = shapely.get_type_id(array) if len(array) else np.zeros(0, dtype=np.int64)
    is_polygon = kinds == 3
    simple = is_polygon & (shapely.get_num_interior_rings(array) == 0) if len(array) else is_polygon
    if len(array) and simple.all():  # only simple polygons (cells): packed rings, no per-ring work
        coords = shapely.get_coordinates(array)  # no holes: a polygon's coordinates are its exterior's
        counts = shapely.get_num_coordinates(array)
        if (counts >= 4).all():  # >= 3 points once the repeated first point is dropped
            keep = np.ones(len(coords), dtype=bool)
            keep[np.cumsum(counts) - 1] = False  # GeoJSON/shapely repeat the first point; the IA-API does not
            # points as complex numbers: one 16-byte element per point to compact (~4x faster than (n, 2) rows)
            kept = np.ascontiguousarray(coords).view(np.complex128).reshape(-1)[keep].view(np.float64)
            packed = PackedRings(frame.scaled(kept.reshape(-1, 2), in_place=True), (counts - 1).astype(np.int64))
            return packed, [], np.zeros((0, 2))
    rings: dict[int, npt.NDArray[np.float64]] = {}
    if simple.any():
        exteriors = shapely.get_exterior_ring(array[simple])
        coords = frame.scaled(shapely.get_coordinates(exteriors))
        counts = shapely.get_num_coordinates(exteriors)
        ends = np.cumsum(counts)
        for position, start, stop in zip(
            np.flatnonzero(simple).tolist(), (ends - counts).tolist(), ends.tolist(), strict=True
        ):
            rings[position] = coords[start : stop - 1]  # GeoJSON/shapely repeat the first point; the IA-API does not
    polygons: list[npt.NDArray[np.float64]] = []
    lines: list[npt.NDArray[np.float64]] = []
    points: list[tuple[float, float]] = []
    for position, item in enumerate(array.tolist()):
        ring = rings.get(position)
        if ring is None and isinstance(item, Polygon):
            ring = frame.scaled(keyhole_ring(item))
        if ring is not None:
            if len(ring) >= 3:
                polygons.append(ring)
        elif isinstance(item, LineString):
            coords_ = np.asarray(item.coords, dtype=np.float64)
            if len(coords_) >= 2:
                lines.append(frame.scaled(coords_))
        elif isinstance(item, Point):
            points.append((item.x, item.y))
        else:
            raise DPATGeometryError(f"{item.geom_type} cannot become an IA-API primitive")
    return polygons, lines, frame.scaled(np.asarray(points, dtype=np.float64).reshape(-1, 2))
