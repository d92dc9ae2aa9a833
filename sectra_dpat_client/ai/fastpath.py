"""Large primitive results (millions of points) built straight from numpy arrays into JSON bytes.

The generated models hold one attrs object per point and serialize through ``to_dict`` and stdlib
``json``: about 3 s for a million points. Here the points of each polygon are encoded by orjson as
one ``[[x, y], ...]`` array and rewritten to the wire form ``[{"x": .., "y": ..}, ...]`` with byte
replacements, so no per-point Python object exists at all. The bytes decode to exactly what the
generated ``Result(...).to_dict()`` would give for the same data.

>>> batch = PrimitiveBatch(polygons=[np.array([[0, 0], [10, 0], [10, 10]])], style=Style(strokeStyle="#ff0000"))
>>> payload = fast_primitive_result("slide-1", [batch], display_result="3 nuclei", application_version="1.0")
>>> client.create_results(payload)  # doctest: +SKIP
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt
import orjson

from sectra_dpat_client._generated.dpat_api.models import (
    AppContext,
    DisplayProperties,
    Label,
    Point,
    Polygon,
    ResultType,
    Style,
)

from ..errors import DPATValidationError, ValidationFault

__all__ = [
    "POLYGON_MIN_POINTS",
    "POLYLINE_MIN_POINTS",
    "FastResult",
    "PrimitiveBatch",
    "fast_primitive_result",
    "polygon_from_array",
    "polyline_points_json",
]

POLYGON_MIN_POINTS = 3
POLYLINE_MIN_POINTS = 2
"""The spec's ``minItems`` of ``Polygon.points`` and ``Polyline.points``."""

PointArray = npt.NDArray[np.floating[Any]] | npt.NDArray[np.integer[Any]]


def _as_points(array: Any, where: str, min_points: int) -> npt.NDArray[np.float64]:
    """``array`` as contiguous float64 ``(n, 2)`` points, n >= ``min_points``, all finite (checked vectorised)."""
    schema = "Polygon" if min_points >= 3 else "Polyline"
    points = np.asarray(array)
    if points.ndim != 2 or points.shape[1] != 2:
        raise DPATValidationError(schema, [ValidationFault(where, f"expected an (n, 2) array, got {points.shape}")])
    if not np.issubdtype(points.dtype, np.number) or np.issubdtype(points.dtype, np.complexfloating):
        raise DPATValidationError(schema, [ValidationFault(where, f"expected real numbers, got {points.dtype}")])
    if len(points) < min_points:
        fault = ValidationFault(where, f"a {schema.lower()} needs at least {min_points} points, got {len(points)}")
        raise DPATValidationError(schema, [fault])
    points = np.ascontiguousarray(points, dtype=np.float64)
    if not np.isfinite(points).all():
        bad = int(np.flatnonzero(~np.isfinite(points).all(axis=1))[0])
        raise DPATValidationError(schema, [ValidationFault(f"{where}[{bad}]", "coordinates must be finite")])
    return points


def polygon_from_array(points: PointArray) -> Polygon:
    """A generated `Polygon` from an ``(n, 2)`` array of ``x, y`` pixel coordinates (n >= 3)."""
    array = _as_points(points, "$.points", POLYGON_MIN_POINTS)
    return Polygon(points=[Point(x=x, y=y) for x, y in array.tolist()])


def polyline_points_json(
    points: PointArray, where: str = "$.points", *, min_points: int = POLYLINE_MIN_POINTS
) -> bytes:
    """``[{"x":..,"y":..},...]`` for an ``(n, 2)`` array, without building a Python object per point.

    Raises `DPATValidationError` naming ``where`` for fewer than ``min_points`` points (the spec's minimum:
    2 for a polyline, `POLYGON_MIN_POINTS` for a polygon), a wrong shape or a non-finite coordinate.
    """
    array = _as_points(points, where, min_points)
    if len(array) == 0:
        return b"[]"
    raw = orjson.dumps(array, option=orjson.OPT_SERIALIZE_NUMPY)  # b'[[x,y],[x,y]]': only digits . - + e , [ ]
    # every comma gets a "y" key; where it stood between two points ("],[") a new point starts instead
    inner = raw[2:-2].replace(b",", b',"y":').replace(b'],"y":[', b'},{"x":')
    return b'[{"x":' + inner + b"}]"


def _object_chunks(base: dict[str, Any], raw: dict[str, list[bytes]]) -> list[bytes]:
    """The chunks of ``orjson.dumps(base)`` with already-encoded JSON values (as chunks) under the keys of ``raw``."""
    encoded = orjson.dumps(base)
    if not raw:
        return [encoded]
    chunks = [encoded[:-1]]
    separator = b"," if len(encoded) > 2 else b""
    for key, value in raw.items():
        chunks.append(separator + orjson.dumps(key) + b":")
        chunks.extend(value)
        separator = b","
    chunks.append(b"}")
    return chunks


def _array_chunks(parts: list[list[bytes]]) -> list[bytes]:
    """``[part,part,...]`` as chunks."""
    chunks = [b"["]
    for index, part in enumerate(parts):
        if index:
            chunks.append(b",")
        chunks.extend(part)
    chunks.append(b"]")
    return chunks


@dataclass(frozen=True)
class PrimitiveBatch:
    """Many shapes drawn in one style: the bulk form of a `PrimitiveItem`.

    ``polygons`` and ``polylines`` are ``(n, 2)`` arrays of pixel coordinates (or one ``(m, n, 2)``
    array), at least 3 points per polygon and 2 per polyline, all finite (else `DPATValidationError`
    naming the shape's JSON path); ``labels`` are few and stay generated `Label` objects.
    """

    polygons: Sequence[PointArray] | PointArray = ()
    polylines: Sequence[PointArray] | PointArray = ()
    style: Style | None = None
    labels: Sequence[Label] = ()

    def to_json(self, where: str = "$.data.result.content[0]") -> bytes:
        """This item as JSON bytes (the wire form of a `PrimitiveItem`)."""
        return b"".join(self._chunks(where))

    def _chunks(self, where: str) -> list[bytes]:
        base: dict[str, Any] = {}
        if self.style is not None:
            base["style"] = self.style.to_dict()
        if self.labels:
            base["labels"] = [label.to_dict() for label in self.labels]
        raw: dict[str, list[bytes]] = {}
        for key, shapes, least in (
            ("polygons", self.polygons, POLYGON_MIN_POINTS),
            ("polylines", self.polylines, POLYLINE_MIN_POINTS),
        ):
            if len(shapes):
                raw[key] = _array_chunks(
                    [
                        [
                            b'{"points":',
                            polyline_points_json(shape, f"{where}.{key}[{i}].points", min_points=least),
                            b"}",
                        ]
                        for i, shape in enumerate(shapes)
                    ]
                )
        return _object_chunks(base, raw)


@dataclass(frozen=True)
class FastResult:
    """A result already encoded as JSON, for `create_results`, `update_results` and `upsert_results`.

    Build it with `fast_primitive_result`. ``fields`` are the small top-level fields; ``data`` the
    encoded ``data`` object.
    """

    slide_id: str
    fields: dict[str, Any] = field(repr=False)
    data: bytes = field(repr=False)

    def to_bytes(self, version_id: str | None = None) -> bytes:
        """The request body; ``version_id`` is added for an update."""
        fields = dict(self.fields)
        if version_id is not None:
            fields["versionId"] = version_id
        return b"".join(_object_chunks(fields, {"data": [self.data]}))

    def __repr__(self) -> str:
        return f"FastResult(slide_id=<{len(self.slide_id)} chars>, data=<{len(self.data)} bytes>)"


def fast_primitive_result(
    slide_id: str,
    batches: Sequence[PrimitiveBatch] | PrimitiveBatch,
    *,
    display_result: str | None = None,
    application_version: str | None = None,
    display_properties: DisplayProperties | None = None,
    context: AppContext | None = None,
    version_id: str | None = None,
) -> FastResult:
    """A primitive result (``data.result.type == "primitive"``) from numpy point arrays, encoded once."""
    items = [batches] if isinstance(batches, PrimitiveBatch) else list(batches)
    content = _array_chunks([item._chunks(f"$.data.result.content[{i}]") for i, item in enumerate(items)])
    result = _object_chunks({"type": ResultType.PRIMITIVES.value}, {"content": content})
    data_fields: dict[str, Any] = {} if context is None else {"context": context.to_dict()}
    fields: dict[str, Any] = {"slideId": slide_id}
    if display_result is not None:
        fields["displayResult"] = display_result
    if display_properties is not None:
        fields["displayProperties"] = display_properties.to_dict()
    if application_version is not None:
        fields["applicationVersion"] = application_version
    if version_id is not None:
        fields["versionId"] = version_id
    data = b"".join(_object_chunks(data_fields, {"result": result}))
    return FastResult(slide_id=slide_id, fields=fields, data=data)
