"""GeoJSON (QuPath's export) -> primitive content, and content -> GeoJSON that QuPath imports.

QuPath writes full-resolution pixel coordinates and one Feature per object with
``properties.classification = {"name": ..., "color": [r, g, b]}`` and optional
``properties.measurements``. Each classification becomes one styled class; unclassified objects share
one. ``measurements`` (names) become labels ``"<name>: <value>"`` at each object's representative point.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import shapely
from shapely.geometry import shape
from shapely.geometry.base import BaseGeometry

from ..ai.fastpath import PrimitiveBatch
from ..models import Label, Style
from ..models import Point as ApiPoint
from ..wsi.deepzoom import DeepZoomGeometry, ImageInfoLike
from .content import DEFAULT_POINT_BUDGET, class_style, from_shapely
from .coords import PixelFrame
from .errors import DPATGeometryError
from .read import count_items

__all__ = ["from_geojson", "to_geojson"]

UNCLASSIFIED = "Unclassified"


def _features(document: Any) -> list[Mapping[str, Any]]:
    if isinstance(document, Sequence) and not isinstance(document, str | bytes):
        return [f for item in document for f in _features(item)]
    if not isinstance(document, Mapping):
        raise DPATGeometryError(f"expected a GeoJSON object, got {type(document).__name__}")
    kind = document.get("type")
    if kind == "FeatureCollection":
        return _features(list(document.get("features") or []))
    if kind == "Feature":
        return [document]
    if kind in ("Polygon", "MultiPolygon", "LineString", "MultiLineString", "Point", "MultiPoint"):
        return [{"type": "Feature", "geometry": document, "properties": {}}]
    raise DPATGeometryError(f"unsupported GeoJSON type {kind!r}")


def _hex(color: Any) -> str | None:
    if isinstance(color, Sequence) and len(color) == 3 and all(isinstance(c, int) for c in color):
        return "#" + "".join(f"{max(0, min(255, c)):02X}" for c in color)
    return None


def from_geojson(
    info: ImageInfoLike | DeepZoomGeometry,
    document: Any,
    *,
    level: int | None = None,
    measurements: Sequence[str] = (),
    max_points: int = DEFAULT_POINT_BUDGET,
    simplify: float | bool = False,
    check: bool = True,
) -> list[PrimitiveBatch]:
    """Primitive content, one style per classification, for a GeoJSON document in pixels of ``level``."""
    frame = PixelFrame.of(info, level)
    classes: dict[str, list[BaseGeometry]] = {}
    colours: dict[str, str | None] = {}
    labels: dict[str, list[Label]] = {}
    for index, feature in enumerate(_features(document)):
        properties = feature.get("properties") or {}
        classification = properties.get("classification") or {}
        name = str(classification.get("name") or UNCLASSIFIED)
        try:
            geometry = shape(feature["geometry"])
        except (KeyError, TypeError, ValueError, AttributeError) as error:
            raise DPATGeometryError(f"feature {index}: not a GeoJSON geometry") from error
        classes.setdefault(name, []).append(geometry)
        colours.setdefault(name, _hex(classification.get("color")))
        values = properties.get("measurements") or {}
        for key in measurements:
            if key in values:
                anchor = shapely.point_on_surface(geometry)
                x, y = frame.to_normalized([[anchor.x, anchor.y]])[0].tolist()
                labels.setdefault(name, []).append(Label(location=ApiPoint(x=x, y=y), label=f"{key}: {values[key]}"))
    styles: dict[str, Style] = {name: class_style(i, colours[name]) for i, name in enumerate(classes)}
    batches = from_shapely(
        info, classes, level=level, styles=styles, max_points=max_points, simplify=simplify, check=check
    )
    if labels:
        batches = [
            PrimitiveBatch(
                polygons=b.polygons, polylines=b.polylines, style=b.style, labels=[*b.labels, *labels.get(n, [])]
            )
            for n, b in zip(classes, batches, strict=True)
        ]
    return batches


def to_geojson(
    info: ImageInfoLike | DeepZoomGeometry,
    source: Any,
    *,
    level: int | None = None,
    classification: str | Sequence[str] | None = None,
    color: tuple[int, int, int] | None = None,
    object_type: str = "annotation",
) -> dict[str, Any]:
    """A FeatureCollection (QuPath's import shape) of everything `to_shapely` reads from ``source``.

    Each ``PrimitiveItem`` (one per class from `from_shapely`) is one classification: named by
    ``classification`` (one name for all, or one per item in order; default ``"Class <n>"``) and coloured
    by ``color`` or the item's stroke colour. An input's area is classified only by a single name. A
    label's text becomes its point's ``properties.name``.
    """
    shapes, items = count_items(info, source, level=level)
    if not isinstance(classification, str | None):
        names = list(classification)
        if len(names) != items or not all(isinstance(n, str) for n in names):
            raise DPATGeometryError(
                f"classification names the {items} items of the content in order; got {len(names)} names"
            )
    features = []
    for item in shapes:
        properties: dict[str, Any] = {"objectType": object_type}
        name = classification if isinstance(classification, str) else None
        if item.item is not None and not isinstance(classification, str):
            name = names[item.item] if classification is not None else f"Class {item.item + 1}"
        rgb = color if color is not None else _rgb((item.style or {}).get("strokeStyle"))
        if name is not None:
            properties["classification"] = {"name": name, **({"color": list(rgb)} if rgb is not None else {})}
        if item.text is not None:
            properties["name"] = item.text
        features.append(
            {"type": "Feature", "geometry": shapely.geometry.mapping(item.geometry), "properties": properties}
        )
    return {"type": "FeatureCollection", "features": features}


def _rgb(style: Any) -> tuple[int, int, int] | None:
    """``#RRGGBB`` or ``#RRGGBBAA`` as ``(r, g, b)``; anything else None."""
    if not isinstance(style, str) or len(style) not in (7, 9) or style[0] != "#":
        return None
    try:
        return int(style[1:3], 16), int(style[3:5], 16), int(style[5:7], 16)
    except ValueError:
        return None
