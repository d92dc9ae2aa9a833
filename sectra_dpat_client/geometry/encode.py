"""Primitive content -> a `FastResult` body: all polygons of a class encoded a chunk of points at a time.

`fast_primitive_result` encodes polygon by polygon (one orjson call and a few checks each), which for
hundreds of thousands of small cell polygons is most of the time. Here the points of all polygons of a
batch are concatenated and checked once (finite), then encoded a chunk of `_CHUNK_POINTS` points at a
time as one flat number array and rewritten to ``{"x":..,"y":..}`` objects and polygon breaks (marked by
position, so no coordinate value is special). The bytes decode to the same JSON as `fast_primitive_result`
gives for the same batches.
"""

from __future__ import annotations

import io
from collections.abc import Iterator, Sequence
from typing import Any, overload

import numpy as np
import numpy.typing as npt
import orjson

from ..ai import FastResult, PrimitiveBatch, fast_primitive_result
from ..models import ResultType
from .errors import DPATGeometryError

__all__ = ["PackedRings", "to_result"]


class PackedRings(Sequence[npt.NDArray[np.float64]]):
    """Rings that are consecutive views of one ``(N, 2)`` array, with their point counts.

    What `from_shapely` gives for simple polygons: the encoder then takes ``points`` and ``counts`` as they
    are instead of gathering the rings one by one. Read-only; a ring (a view) is made only when asked for.
    """

    __slots__ = ("_starts", "counts", "points")

    def __init__(self, points: npt.NDArray[np.float64], counts: npt.NDArray[np.int64]) -> None:
        self.points = points
        self.counts = counts
        self._starts = np.concatenate(([0], np.cumsum(counts)[:-1])).astype(np.int64) if len(counts) else counts

    @property
    def total_points(self) -> int:
        """The number of points of all rings together."""
        return int(self.counts.sum())

    def __len__(self) -> int:
        return len(self.counts)

    @overload
    def __getitem__(self, index: int) -> npt.NDArray[np.float64]: ...

    @overload
    def __getitem__(self, index: slice) -> list[npt.NDArray[np.float64]]: ...

    def __getitem__(self, index: int | slice) -> npt.NDArray[np.float64] | list[npt.NDArray[np.float64]]:
        if isinstance(index, slice):
            return [self[i] for i in range(*index.indices(len(self)))]
        start, count = int(self._starts[index]), int(self.counts[index])
        return self.points[start : start + count]

    def __iter__(self) -> Iterator[npt.NDArray[np.float64]]:
        points = self.points
        for start, count in zip(self._starts.tolist(), self.counts.tolist(), strict=True):
            yield points[start : start + count]


_CHUNK_POINTS = 16_384
"""Points encoded per orjson call: the chunk's text (about 0.8 MB) is rewritten while it is in cache."""

_POINT_END, _SHAPE_END = b"\x01", b"\x02"  # control bytes, never in orjson's text: mark a "," to rewrite
_Y_KEY = b',"y":'
_NEXT_POINT = b'},{"x":'
_NEXT_SHAPE = b'}]},{"points":[{"x":'
_HEAD, _TAIL = b'[{"points":[{"x":', b"}]}]"


def _shapes_json(shapes: Any, least: int, where: str, sink: io.BytesIO) -> None:
    """Write ``[{"points":[...]},...]`` for ``(n, 2)`` arrays of >= ``least`` finite points to ``sink``."""
    points: npt.NDArray[np.float64]
    if (
        isinstance(shapes, PackedRings)
        and shapes.points.ndim == 2
        and shapes.points.shape[1] == 2
        and shapes.total_points == len(shapes.points)
    ):  # the rings are the whole points array, as given: taken as they are
        points, counts = shapes.points, shapes.counts
    else:
        arrays = [np.asarray(shape, dtype=np.float64) for shape in shapes]
        counts = np.fromiter(
            (a.shape[0] if a.ndim == 2 and a.shape[1] == 2 else -1 for a in arrays), np.int64, len(arrays)
        )
        points = np.concatenate(arrays) if arrays else np.zeros((0, 2))
    bad = np.flatnonzero(counts < least)
    if len(bad):
        raise DPATGeometryError(f"{where}[{int(bad[0])}]: expected an (n, 2) array of at least {least} points")
    if not np.isfinite(points).all():
        raise DPATGeometryError(f"{where}: coordinates must be finite")
    flat = np.ascontiguousarray(points, dtype=np.float64).reshape(-1)
    ends = np.cumsum(counts)  # one past each shape's last point
    total = len(flat) // 2
    starts = np.arange(0, total, _CHUNK_POINTS)
    stops = np.minimum(starts + _CHUNK_POINTS, total)
    # the shapes ending strictly inside each chunk, and whether a chunk ends where a shape does
    first, last = np.searchsorted(ends, starts, "right"), np.searchsorted(ends, stops, "left")
    at_end = ends[np.minimum(last, len(ends) - 1)] == stops
    sink.write(_HEAD)  # each chunk's text is written as soon as it is made: no copy of it is kept
    for start, stop, lo, hi, shape_end in zip(
        starts.tolist(), stops.tolist(), first.tolist(), last.tolist(), at_end.tolist(), strict=True
    ):
        sink.write(_points_text(flat[2 * start : 2 * stop], ends[lo:hi] - start))
        if stop < total:
            sink.write(_NEXT_SHAPE if shape_end else _NEXT_POINT)
    sink.write(_TAIL)


def _points_text(flat: npt.NDArray[np.float64], shape_ends: npt.NDArray[np.int64]) -> memoryview:
    """``x0,"y":y0},{"x":x1,...`` for the points ``flat`` (x, y, x, y, ...); shapes end before ``shape_ends``.

    One orjson call gives ``[x0,y0,x1,...]``; the "," after each y (found in one vectorised scan) is marked
    with a control byte (after a shape's last point with another), and three passes rewrite the "," after
    each x, then both marks.
    """
    text = bytearray(orjson.dumps(flat, option=orjson.OPT_SERIALIZE_NUMPY))
    view = np.frombuffer(text, dtype=np.uint8)
    after_y = np.flatnonzero(view == ord(","))[1::2]
    view[after_y] = _POINT_END[0]
    view[after_y[shape_ends - 1]] = _SHAPE_END[0]
    body = text.replace(b",", _Y_KEY).replace(_POINT_END, _NEXT_POINT).replace(_SHAPE_END, _NEXT_SHAPE)
    return memoryview(body)[1:-1]


def _item_json(batch: PrimitiveBatch, where: str, sink: io.BytesIO) -> None:
    fields: dict[str, Any] = {}
    if batch.style is not None:
        fields["style"] = batch.style.to_dict()
    if batch.labels:
        fields["labels"] = [label.to_dict() for label in batch.labels]
    sink.write(orjson.dumps(fields)[:-1])
    separator = b"," if fields else b""
    for key, shapes, least in (("polygons", batch.polygons, 3), ("polylines", batch.polylines, 2)):
        if len(shapes):
            sink.write(separator + b'"' + key.encode() + b'":')
            _shapes_json(shapes, least, f"{where}.{key}", sink)
            separator = b","
    sink.write(b"}")


def to_result(
    slide_id: str,
    content: Sequence[PrimitiveBatch],
    *,
    display_result: str | None = None,
    application_version: str | None = None,
    **options: Any,
) -> FastResult:
    """The `FastResult` (ready for ``create_results``) of primitive content from `from_mask` & co.

    ``options`` go to `fast_primitive_result` (``display_properties``, ``context``, ``version_id``).
    """
    shell = fast_primitive_result(
        slide_id, [], display_result=display_result, application_version=application_version, **options
    )
    marker = b'"result":'
    at = shell.data.index(marker) + len(marker)
    # one growing buffer (BytesIO: grown in place, getvalue() without a copy) holds the body as it is made
    sink = io.BytesIO()
    sink.write(shell.data[:at])
    sink.write(orjson.dumps({"type": ResultType.PRIMITIVES.value})[:-1] + b',"content":[')
    for index, batch in enumerate(content):
        if index:
            sink.write(b",")
        _item_json(batch, f"$.data.result.content[{index}]", sink)
    sink.write(b"]}}")
    data = sink.getvalue()
    return FastResult(slide_id=slide_id, fields=shell.fields, data=data)
