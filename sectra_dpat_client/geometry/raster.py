"""Even-odd scanline rasterisation at pixel centres (numpy only, vectorised over all edges).

A pixel is inside a shape when its centre ``(col + 0.5, row + 0.5)`` is inside by the even-odd rule
over the shape's rings; edges are half-open in ``y`` so shared vertices count once. Shapes are
rasterised independently and the result is their union.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

__all__ = ["rasterize_rings"]


def rasterize_rings(
    shapes: Sequence[Sequence[npt.ArrayLike]],
    size: tuple[int, int],
    origin: tuple[float, float] = (0.0, 0.0),
) -> npt.NDArray[np.uint8]:
    """A ``(height, width)`` ``uint8`` mask of ``shapes`` (each a list of ``(n, 2)`` rings, closed implicitly).

    ``origin`` is the pixel coordinate of the mask's pixel ``(0, 0)`` corner.
    """
    width, height = size
    edges: list[npt.NDArray[np.float64]] = []
    for shape_id, rings in enumerate(shapes):
        for ring in rings:
            points = np.asarray(ring, dtype=np.float64).reshape(-1, 2) - origin
            if len(points) < 3:
                continue
            following = np.roll(points, -1, axis=0)
            ids = np.full((len(points), 1), shape_id, dtype=np.float64)
            edges.append(np.hstack([points, following, ids]))
    out = np.zeros((height, width), dtype=np.uint8)
    if not edges:
        return out
    e = np.vstack(edges)
    x0, y0, x1, y1, sid = e.T
    flat = y0 != y1
    x0, y0, x1, y1, sid = x0[flat], y0[flat], x1[flat], y1[flat], sid[flat]
    low, high = np.minimum(y0, y1), np.maximum(y0, y1)
    first = np.clip(np.ceil(low - 0.5), 0, height).astype(np.int64)  # rows whose centre is in [low, high)
    last = np.clip(np.ceil(high - 0.5), 0, height).astype(np.int64)
    counts = last - first
    keep = counts > 0
    if not keep.any():
        return out
    index = np.repeat(np.flatnonzero(keep), counts[keep])
    starts = np.repeat(first[keep], counts[keep])
    offsets = np.arange(len(index)) - np.repeat(np.cumsum(counts[keep]) - counts[keep], counts[keep])
    rows = starts + offsets
    centre = rows + 0.5
    t = (centre - y0[index]) / (y1[index] - y0[index])
    xs = x0[index] + t * (x1[index] - x0[index])
    order = np.lexsort((xs, rows, sid[index]))
    rows, xs = rows[order], xs[order]
    # within one shape and row the crossings pair up: inside between crossing 2k and 2k+1
    # (rows clipped to the mask can only drop whole rows, never one crossing of a pair)
    a_rows, a_x, b_x = rows[0::2], xs[0::2], xs[1::2]
    start = np.clip(np.ceil(a_x - 0.5), 0, width).astype(np.int64)
    stop = np.clip(np.ceil(b_x - 0.5), 0, width).astype(np.int64)
    span = stop > start
    diff = np.zeros((height, width + 1), dtype=np.int32)
    np.add.at(diff, (a_rows[span], start[span]), 1)
    np.add.at(diff, (a_rows[span], stop[span]), -1)
    out[:] = np.cumsum(diff[:, :width], axis=1) > 0
    return out
