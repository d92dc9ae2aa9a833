"""Polygons with holes as single rings that draw the holes (DPAT polygons have no holes).

Each hole is joined to the outer ring by a zero-width *bridge*: the ring runs from a shell vertex to
the nearest hole vertex, once around the hole in the opposite orientation, and back along the same
segment. Both directions of a bridge cross any scanline at the same place, so the bridge changes
neither the even-odd parity nor the non-zero winding number: filled with either rule the ring
covers exactly the polygon minus its holes. Only its outline shows the cut as a hairline.
"""

from __future__ import annotations

from typing import cast

import numpy as np
import numpy.typing as npt
import shapely
from shapely.geometry import Polygon
from shapely.geometry.polygon import orient

__all__ = ["keyhole_ring"]


def keyhole_ring(polygon: Polygon) -> npt.NDArray[np.float64]:
    """The ``(n, 2)`` open ring (first point not repeated) of ``polygon`` with its holes bridged in."""
    oriented = orient(polygon, sign=1.0)  # shell counter-clockwise, holes clockwise
    shell = np.asarray(oriented.exterior.coords, dtype=np.float64)[:-1]
    if not oriented.interiors:
        return shell
    tree = shapely.STRtree(_points(shell))  # nearest-vertex search: memory linear in the vertices
    inserts: list[tuple[int, int, npt.NDArray[np.float64]]] = []
    for order, interior in enumerate(oriented.interiors):
        hole = np.asarray(interior.coords, dtype=np.float64)[:-1]
        shell_index, hole_index = _closest_pair(tree, shell, hole)
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


def _closest_pair(
    tree: shapely.STRtree, shell: npt.NDArray[np.float64], hole: npt.NDArray[np.float64]
) -> tuple[int, int]:
    """The closest (shell vertex, hole vertex) pair; ties go to the lowest shell, then hole, index."""
    (hole_ids, shell_ids), distances = tree.query_nearest(_points(hole), all_matches=True, return_distance=True)
    near = distances <= distances.min() * (1 + 1e-9)  # candidates; decided on exact squared distances below
    hole_ids, shell_ids = hole_ids[near], shell_ids[near]
    squared = ((shell[shell_ids] - hole[hole_ids]) ** 2).sum(axis=1)
    best = squared == squared.min()
    order = np.lexsort((hole_ids[best], shell_ids[best]))
    return int(shell_ids[best][order[0]]), int(hole_ids[best][order[0]])


def _points(coords: npt.NDArray[np.float64]) -> npt.NDArray[np.object_]:
    """An object array of shapely points, one per ``(x, y)`` row."""
    return cast("npt.NDArray[np.object_]", shapely.points(coords))
