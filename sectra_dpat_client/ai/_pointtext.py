"""The point text of many shapes at once: ``[{"points":[{"x":..,"y":..},...]},...]`` from one points array.

Shared by `fast_primitive_result` and `sectra_dpat_client.geometry.to_result` (pure numpy + orjson, no
optional extra). The points of all shapes are encoded `_CHUNK_POINTS` at a time as one flat orjson number
array and rewritten to ``{"x":..,"y":..}`` objects and shape breaks, marked by position (so no coordinate
value is special). Checking the points is the caller's work: these functions take them as given.
"""

from __future__ import annotations

import io
from collections.abc import Iterator, Sequence
from typing import overload

import numpy as np
import numpy.typing as npt
import orjson

__all__ = ["PackedRings", "points_text", "write_shapes"]


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

    @property
    def covers_points(self) -> bool:
        """Whether the rings are exactly the ``(N, 2)`` points array, in order (the encoder takes it whole)."""
        points = self.points
        return points.ndim == 2 and points.shape[1] == 2 and self.total_points == len(points)

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
_COMMA = ord(",")
_Y_KEY = b',"y":'
_NEXT_POINT = b'},{"x":'
_NEXT_SHAPE = b'}]},{"points":[{"x":'
_HEAD, _TAIL = b'[{"points":[{"x":', b"}]}]"
_NO_ENDS = np.zeros(0, dtype=np.int64)


def write_shapes(sink: io.BytesIO, flat: npt.NDArray[np.float64], counts: npt.NDArray[np.int64]) -> None:
    """Write ``[{"points":[...]},...]`` to ``sink``: shape i has ``counts[i]`` (>= 1) points of ``flat``.

    ``flat`` holds the points of all shapes as ``x, y, x, y, ...`` (contiguous float64, all finite).
    """
    ends = np.cumsum(counts)  # one past each shape's last point
    total = len(flat) // 2
    chunk = _CHUNK_POINTS
    sink.write(_HEAD)  # each chunk's text is written as soon as it is made: no copy of it is kept
    if total <= chunk:  # one chunk (the common small result): no chunk bookkeeping
        sink.write(points_text(flat, ends[:-1]))
        sink.write(_TAIL)
        return
    starts = np.arange(0, total, chunk)
    stops = np.minimum(starts + chunk, total)
    # the shapes ending strictly inside each chunk, and whether a chunk ends where a shape does
    first, last = np.searchsorted(ends, starts, "right"), np.searchsorted(ends, stops, "left")
    at_end = ends[np.minimum(last, len(ends) - 1)] == stops
    for start, stop, lo, hi, shape_end in zip(
        starts.tolist(), stops.tolist(), first.tolist(), last.tolist(), at_end.tolist(), strict=True
    ):
        sink.write(points_text(flat[2 * start : 2 * stop], ends[lo:hi] - start))
        if stop < total:
            sink.write(_NEXT_SHAPE if shape_end else _NEXT_POINT)
    sink.write(_TAIL)


def points_text(flat: npt.NDArray[np.float64], shape_ends: npt.NDArray[np.int64] = _NO_ENDS) -> memoryview:
    """``x0,"y":y0},{"x":x1,...`` for the points ``flat`` (x, y, x, y, ...); shapes end before ``shape_ends``.

    One orjson call gives ``[x0,y0,x1,...]``; the "," after each y (found in one vectorised scan) is marked
    with a control byte (after a shape's last point with another), and two or three passes rewrite the ","
    after each x, then the marks.
    """
    text = bytearray(orjson.dumps(flat, option=orjson.OPT_SERIALIZE_NUMPY))
    view = np.frombuffer(text, dtype=np.uint8)
    after_y = np.flatnonzero(view == _COMMA)[1::2]
    view[after_y] = _POINT_END[0]
    if len(shape_ends):
        view[after_y[shape_ends - 1]] = _SHAPE_END[0]
    body = text.replace(b",", _Y_KEY).replace(_POINT_END, _NEXT_POINT)
    if len(shape_ends):  # no shape ends in the chunk: no third pass
        body = body.replace(_SHAPE_END, _NEXT_SHAPE)
    return memoryview(body)[1:-1]
