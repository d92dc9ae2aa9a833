"""Large primitive results (millions of points) built straight from numpy arrays into JSON bytes.

The generated models hold one attrs object per point and serialize through ``to_dict``: about 2 s for
a million points. Here the points of all shapes of a batch are checked at once (vectorised) and encoded
by orjson a chunk at a time as one flat number array, rewritten to the wire form
``[{"x": .., "y": ..}, ...]`` with byte replacements (`_pointtext`), so no per-point Python object exists
at all; the whole request body is written into one buffer. The bytes equal what ``orjson.dumps`` gives
for the generated ``Result(...).to_dict()`` of the same data.

>>> batch = PrimitiveBatch(polygons=[np.array([[0, 0], [10, 0], [10, 10]])], style=Style(strokeStyle="#ff0000"))
>>> payload = fast_primitive_result("slide-1", [batch], display_result="3 nuclei", application_version="1.0")
>>> client.create_results(payload)  # doctest: +SKIP
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import partial
from typing import Any, NoReturn

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
from ._pointtext import PackedRings, points_text, write_shapes

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
_RESULT_HEAD = b'{"result":{"type":"' + ResultType.PRIMITIVES.value.encode() + b'","content":['
"""The ``data`` object up to its first content item."""


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
    return b'[{"x":' + points_text(array.reshape(-1)).tobytes() + b"}]"


def _checked_shapes(
    shapes: Sequence[PointArray] | PointArray, where: str, least: int
) -> tuple[list[npt.NDArray[Any]], npt.NDArray[np.int64]]:
    """The real ``(k, 2)`` arrays holding the points of ``shapes`` (one, or one per shape) and their counts.

    Shapes and counts are checked at once (finiteness chunk by chunk as they are encoded); on a fault each
    shape is checked again in order for the exact `DPATValidationError`.
    """
    parts: list[npt.NDArray[Any]]
    if isinstance(shapes, np.ndarray) and shapes.ndim == 3 and shapes.shape[2] == 2 and shapes.dtype.kind in "iuf":
        parts = [shapes.reshape(-1, 2)]
        counts = np.full(shapes.shape[0], shapes.shape[1], dtype=np.int64)
    elif isinstance(shapes, PackedRings) and shapes.covers_points and shapes.points.dtype.kind in "iuf":
        parts, counts = [shapes.points], np.asarray(shapes.counts, dtype=np.int64)
    else:
        parts = [np.asarray(shape) for shape in shapes]
        counts = np.fromiter(
            (a.shape[0] if a.ndim == 2 and a.shape[1] == 2 and a.dtype.kind in "iuf" else -1 for a in parts),
            np.int64,
            len(parts),
        )
    if (counts < least).any():
        _refuse(shapes, where, least)
    return parts, counts


def _refuse(shapes: Sequence[PointArray] | PointArray, where: str, least: int) -> NoReturn:
    """Raise the `DPATValidationError` of the first faulty shape (checked one by one, in order)."""
    for index, shape in enumerate(shapes):
        _as_points(shape, f"{where}[{index}].points", least)
    raise AssertionError("a fault was found but no shape has it")  # pragma: no cover


def _write_object(sink: io.BytesIO, fields: dict[str, Any]) -> None:
    """Write ``fields`` as a JSON object left open (no ``}``) for more members."""
    sink.write(orjson.dumps(fields)[:-1])


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
        sink = io.BytesIO()
        self._write(sink, where)
        return sink.getvalue()

    def _write(self, sink: io.BytesIO, where: str) -> None:
        base: dict[str, Any] = {}
        if self.style is not None:
            base["style"] = self.style.to_dict()
        if self.labels:
            base["labels"] = [label.to_dict() for label in self.labels]
        _write_object(sink, base)
        separator = b"," if base else b""
        for key, shapes, least in (
            ("polygons", self.polygons, POLYGON_MIN_POINTS),
            ("polylines", self.polylines, POLYLINE_MIN_POINTS),
        ):
            if len(shapes):
                path = f"{where}.{key}"
                parts, counts = _checked_shapes(shapes, path, least)
                sink.write(separator + b'"' + key.encode() + b'":')
                write_shapes(sink, parts, counts, partial(_refuse, shapes, path, least))
                separator = b","
        sink.write(b"}")


@dataclass(frozen=True)
class FastResult:
    """A result already encoded as JSON, for `create_results`, `update_results` and `upsert_results`.

    Build it with `fast_primitive_result`. ``fields`` are the small top-level fields; ``body`` the request
    body as built (``fields``, then the encoded ``data`` object from ``data_start`` up to the last byte).
    """

    slide_id: str
    fields: dict[str, Any] = field(repr=False)
    body: bytes = field(repr=False)
    data_start: int = field(repr=False)

    @property
    def data(self) -> bytes:
        """The encoded ``data`` object (a copy)."""
        return self.body[self.data_start : -1]

    def to_bytes(self, version_id: str | None = None) -> bytes:
        """The request body; ``version_id`` is added for an update (else the built body, not copied)."""
        if version_id is None:
            return self.body
        fields = dict(self.fields)
        fields["versionId"] = version_id
        return b"".join((_body_head(fields), memoryview(self.body)[self.data_start :]))

    def __repr__(self) -> str:
        return f"FastResult(slide_id=<{len(self.slide_id)} chars>, data=<{len(self.body) - self.data_start - 1} bytes>)"


def _body_head(fields: dict[str, Any]) -> bytes:
    """``{<fields>,"data":``: the body up to its ``data`` object."""
    return orjson.dumps(fields)[:-1] + b',"data":'


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
    items = [batches] if isinstance(batches, PrimitiveBatch) else batches
    fields: dict[str, Any] = {"slideId": slide_id}
    if display_result is not None:
        fields["displayResult"] = display_result
    if display_properties is not None:
        fields["displayProperties"] = display_properties.to_dict()
    if application_version is not None:
        fields["applicationVersion"] = application_version
    if version_id is not None:
        fields["versionId"] = version_id
    sink = io.BytesIO()  # the whole body, grown in place; getvalue() hands it over without a copy
    head = _body_head(fields)
    sink.write(head)
    if context is None:
        sink.write(_RESULT_HEAD)
    else:
        _write_object(sink, {"context": context.to_dict()})
        sink.write(b"," + _RESULT_HEAD[1:])
    for index, item in enumerate(items):
        if index:
            sink.write(b",")
        item._write(sink, f"$.data.result.content[{index}]")
    sink.write(b"]}}}")
    return FastResult(slide_id=slide_id, fields=fields, body=sink.getvalue(), data_start=len(head))
