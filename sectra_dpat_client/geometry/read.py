"""Results, their content and invocation inputs -> shapes (shapely, in pixels of a level), nothing dropped.

`read_shapes` walks the IA-API JSON once and gives every polygon, polyline, arc and label as a `Shape`
with the index and style of the ``PrimitiveItem`` it came from and a label's text; every malformed part
is a `DPATGeometryError` naming its JSON path. An arc spanning a full turn is a disc (a polygon), a
shorter one a line along the circle; angles are radians from +x towards +y (image rows grow downwards,
as on a canvas), the radius is in normalised (image-width) units.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from typing import Any, NamedTuple

import numpy as np
import numpy.typing as npt
import orjson
import shapely
from shapely.geometry import LineString, Point, Polygon
from shapely.geometry.base import BaseGeometry

from ..ai.fastpath import PrimitiveBatch
from ..wsi.deepzoom import DeepZoomGeometry, ImageInfoLike
from .coords import PixelFrame
from .errors import DPATGeometryError

__all__ = ["ARC_TOLERANCE", "Shape", "as_data", "count_items", "read_shapes", "to_shapely"]

ARC_TOLERANCE = 0.25
"""Largest distance in pixels (of the chosen level) between an arc and the chord that stands for it."""

_MAX_ARC_SEGMENTS = 4096


class Shape(NamedTuple):
    """One geometry read back, with the ``PrimitiveItem`` (its index; None for an input's area) it came from."""

    geometry: BaseGeometry
    item: int | None
    style: dict[str, Any] | None
    text: str | None


def to_shapely(info: ImageInfoLike | DeepZoomGeometry, source: Any, *, level: int | None = None) -> list[BaseGeometry]:
    """Shapely geometries in pixels of ``level`` from a result, its content, or an invocation's input.

    ``source`` is a generated `Result`/`ResultResponse`/`CreateInput`/content model, its ``to_dict()``
    form, a `FastResult`, or a list of `PrimitiveBatch`. Keyhole rings come back as polygons with holes
    (`shapely.make_valid`), polylines as line strings, arcs as discs or lines, labels as points; a
    whole-slide input is the image.
    """
    return [shape.geometry for shape in read_shapes(info, source, level=level)]


def read_shapes(info: ImageInfoLike | DeepZoomGeometry, source: Any, *, level: int | None = None) -> list[Shape]:
    """Every shape of ``source`` (see `to_shapely`) with its item, style and label text."""
    return count_items(info, source, level=level)[0]


def count_items(
    info: ImageInfoLike | DeepZoomGeometry, source: Any, *, level: int | None = None
) -> tuple[list[Shape], int]:
    """`read_shapes` and the number of ``PrimitiveItem`` objects read (empty ones included)."""
    reader = _Reader(PixelFrame.of(info, level))
    shapes = list(reader.walk(as_data(source), "$"))
    return shapes, reader.items


def as_data(source: Any) -> Any:
    """The JSON form (dicts and lists) of a model, a `FastResult`, `PrimitiveBatch` content, or JSON itself."""
    if isinstance(source, PrimitiveBatch):
        return orjson.loads(source.to_json())
    if isinstance(source, list | tuple) and source and all(isinstance(s, PrimitiveBatch) for s in source):
        return [orjson.loads(s.to_json()) for s in source]
    if hasattr(source, "to_bytes") and hasattr(source, "data"):
        return orjson.loads(source.to_bytes())
    if hasattr(source, "to_dict"):
        return source.to_dict()
    return source


class _Reader:
    def __init__(self, frame: PixelFrame):
        self.frame = frame
        self.items = 0

    def walk(self, data: Any, path: str) -> Iterator[Shape]:
        if isinstance(data, list):
            for number, entry in enumerate(data):
                yield from self.walk(entry, f"{path}[{number}]")
            return
        if not isinstance(data, dict):
            raise DPATGeometryError(
                f"{path}: expected a result, its content or an invocation input, got {type(data).__name__}"
            )
        if "data" in data and isinstance(data["data"], dict):
            yield from self.walk(data["data"].get("result"), f"{path}.data.result")
            return
        if "input" in data and isinstance(data["input"], dict):
            yield from self.walk(data["input"], f"{path}.input")
            return
        kind = data.get("type")
        content = data.get("content")
        where = f"{path}.content"
        if kind == "wholeSlide":
            width, height = self.frame.size
            yield Shape(shapely.box(0, 0, width, height), None, None, None)
        elif kind == "taggedPolygon":
            polygon = _member(_object(content, where, kind), "polygon", where, kind)
            yield self._polygon(polygon, f"{where}.polygon", kind, None, None)
        elif kind in ("multiArea", "patchCollection"):
            polygons = _object(content, where, kind).get("polygons") or []
            for number, polygon in enumerate(_list(polygons, f"{where}.polygons", kind)):
                yield self._polygon(polygon, f"{where}.polygons[{number}]", kind, None, None)
        elif kind == "primitive":
            yield from self.walk(content if content is not None else [], where)
        elif kind is None:  # a PrimitiveItem
            yield from self._item(data, path)
        else:
            raise DPATGeometryError(f"{path}: unknown content type {kind!r}")

    def _item(self, data: dict[str, Any], path: str) -> Iterator[Shape]:
        item = self.items
        self.items += 1
        style = data.get("style") if isinstance(data.get("style"), dict) else None
        for number, polygon in enumerate(_list(data.get("polygons") or [], f"{path}.polygons", "primitive")):
            yield self._polygon(polygon, f"{path}.polygons[{number}]", "primitive", item, style)
        for number, line in enumerate(_list(data.get("polylines") or [], f"{path}.polylines", "primitive")):
            where = f"{path}.polylines[{number}]"
            points = self.frame.to_pixels(_xy(_member(line, "points", where, "polyline"), where))
            if len(points) < 2:
                raise DPATGeometryError(f"{where}: a polyline needs at least 2 points, got {len(points)}")
            yield Shape(LineString(points), item, style, None)
        for number, arc in enumerate(_list(data.get("arcs") or [], f"{path}.arcs", "primitive")):
            yield Shape(self._arc(arc, f"{path}.arcs[{number}]"), item, style, None)
        for number, label in enumerate(_list(data.get("labels") or [], f"{path}.labels", "primitive")):
            where = f"{path}.labels[{number}]"
            location = _member(label, "location", where, "label")
            text = label.get("label")
            (x, y), *_ = self.frame.to_pixels(_xy([location], f"{where}.location")).tolist()
            yield Shape(Point(x, y), item, style, text if isinstance(text, str) else None)

    def _polygon(self, polygon: Any, where: str, kind: str, item: int | None, style: dict[str, Any] | None) -> Shape:
        points = self.frame.to_pixels(_xy(_member(polygon, "points", where, kind), f"{where}.points"))
        if len(points) < 3:
            raise DPATGeometryError(f"{where}: a polygon needs at least 3 points, got {len(points)}")
        shape: BaseGeometry = Polygon(points)
        if not shape.is_valid:
            shape = shapely.make_valid(shape, method="structure", keep_collapsed=False)
        return Shape(shape, item, style, None)

    def _arc(self, arc: Any, where: str) -> BaseGeometry:
        centre = _member(arc, "center", where, "arc")
        values = [arc.get("radius"), arc.get("startAngle"), arc.get("endAngle")]
        if not all(isinstance(v, int | float) and not isinstance(v, bool) and math.isfinite(v) for v in values):
            raise DPATGeometryError(f"{where}: radius, startAngle and endAngle must be finite numbers")
        radius, start, end = (float(v) for v in values)
        if radius < 0:
            raise DPATGeometryError(f"{where}: radius must be >= 0, got {radius!r}")
        (cx, cy), *_ = self.frame.to_pixels(_xy([centre], f"{where}.center")).tolist()
        r = radius * self.frame.pyramid.width / self.frame.pyramid.downsample(self.frame.level)
        span = end - start
        full = abs(span) >= 2 * math.pi - 1e-12
        if full:
            span = 2 * math.pi
        step = 2 * math.acos(max(-1.0, 1 - ARC_TOLERANCE / r)) if r > ARC_TOLERANCE else math.pi / 2
        segments = min(_MAX_ARC_SEGMENTS, max(8 if full else 2, math.ceil(abs(span) / step)))
        angles = start + np.linspace(0.0, span, segments + 1)
        points = np.column_stack([cx + r * np.cos(angles), cy + r * np.sin(angles)])
        if full:
            return Polygon(points[:-1]) if r > 0 else Point(cx, cy)
        return LineString(points) if r > 0 and span else Point(cx, cy)


def _object(value: Any, where: str, kind: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise DPATGeometryError(f"{where}: a {kind} content is an object, got {type(value).__name__}")
    return value


def _list(value: Any, where: str, kind: str) -> list[Any]:
    if not isinstance(value, list):
        raise DPATGeometryError(f"{where}: a {kind} list is expected, got {type(value).__name__}")
    return value


def _member(value: Any, key: str, where: str, kind: str) -> Any:
    if not isinstance(value, dict) or value.get(key) is None:
        raise DPATGeometryError(f"{where}: a {kind} needs {key!r}")
    return value[key]


def _xy(points: Any, where: str) -> npt.NDArray[np.float64]:
    try:
        return np.asarray([(p["x"], p["y"]) for p in points], dtype=np.float64).reshape(-1, 2)
    except (TypeError, KeyError, ValueError) as error:
        raise DPATGeometryError(f"{where}: points must be a list of {{x, y}} numbers") from error
