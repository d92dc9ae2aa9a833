"""Polygons with holes as single rings that draw the holes (DPAT polygons have no holes).

Each hole is joined to the outer ring by a zero-width *bridge*: the ring runs from a shell vertex to
the nearest hole vertex, once around the hole in the opposite orientation, and back along the same
segment. Both directions of a bridge cross any scanline at the same place, so the bridge changes
neither the even-odd parity nor the non-zero winding number: filled with either rule the ring
covers exactly the polygon minus its holes. Only its outline shows the cut as a hairline.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
from shapely.geometry import Polygon
from shapely.geometry.polygon import orient

__all__ = ["keyhole_ring"]


def keyhole_ring(polygon: Polygon) -> npt.NDArray[np.float64]:
    """The ``(n, 2)`` open ring (first point not repeated) of ``polygon`` with its holes bridged in."""
    oriented = orient(polygon, sign=1.0)  # shell counter-clockwise, holes clockwise
    shell = np.asarray(oriented.exterior.coords, dtype=np.float64)[:-1]
    if not oriented.interiors:
        return shell
    inserts: list[tuple[int, int, npt.NDArray[np.float64]]] = []
    for order, interior in enumerate(oriented.interiors):
        hole = np.asarray(interior.coords, dtype=np.float64)[:-1]
        distances = ((shell[:, None, :] - hole[None, :, :]) ** 2).sum(axis=2)
        shell_index, hole_index = (int(i) for i in np.unravel_index(int(np.argmin(distances)), distances.shape))
        rotated = np.roll(hole, -hole_index, axis=0)
        # shell vertex -> hole start -> around the hole -> hole start -> back to the shell vertex
        inserts.append((shell_index, order, np.vstack([rotated, rotated[:1], shell[shell_index : shell_index + 1]])))
    parts: list[npt.NDArray[np.float64]] = []
    start = 0
    for at_shell, _, detour in sorted(inserts, key=lambda item: (item[0], item[1])):
        parts.append(shell[start : at_shell + 1])
        parts.append(detour)
        start = at_shell + 1
    parts.append(shell[start:])
    return np.vstack(parts)
