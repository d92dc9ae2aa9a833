"""Patch galleries: (region, class, score) items -> a ``patchCollection`` result content, and back.

A gallery (the spec's ``PatchContent``) shows one thumbnail per patch, sorted by ``sortKeyValue``, under
the gallery's ``tags`` (at most 5 classes the user can move patches between); each patch is stored as its
centre (a normalised `Point`), its tag index and its score. ``patchSize`` (pixels) and ``magnification``
tell DPAT how large a square to cut around the centre and at which magnification.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Iterable, Mapping, Sequence
from typing import Any, TypeAlias

import numpy as np
import shapely
from shapely.geometry import Polygon
from shapely.geometry.base import BaseGeometry

from ..errors import DPATValidationError
from ..models import (
    Patch,
    PatchAction,
    PatchContent,
    PatchStatuses,
    ResultContent,
    ResultType,
    Status,
)
from ..models import Point as ApiPoint
from ..models import Polygon as ApiPolygon
from ..validate import validate
from ..wsi.deepzoom import DeepZoomGeometry, ImageInfoLike
from .content import Geometries, _flatten
from .coords import PixelFrame
from .errors import DPATGeometryError
from .keyhole import keyhole_ring
from .read import as_data

__all__ = ["MAX_TAGS", "Region", "from_patches", "to_patches"]

MAX_TAGS = 5
"""Most tags a gallery may have (the spec's ``maxItems``)."""

Region: TypeAlias = BaseGeometry | Sequence[float]
"""A patch's region in pixels of a level: a shapely geometry, an ``(x, y)`` centre or an ``(x0, y0, x1, y1)`` box."""


def from_patches(
    info: ImageInfoLike | DeepZoomGeometry,
    patches: Iterable[tuple[Region, str | int, float]],
    *,
    tags: Sequence[str],
    level: int | None = None,
    patch_size: int | None = None,
    magnification: float | None = None,
    description: str = "",
    polygons: Geometries | None = None,
    statuses: Mapping[str, Status] | None = None,
    actions: Sequence[PatchAction] | None = None,
) -> ResultContent:
    """A ``patchCollection`` `ResultContent` (validated against the spec) for ``(region, class, score)`` items.

    Regions are in pixels of ``level`` (default full resolution); a patch's position is its region's
    centre (of its bounds), which must lie on the image. A class is a tag name or an index into ``tags``;
    the score becomes ``sortKeyValue``. ``patch_size`` defaults to the largest region side (rounded up;
    required when every region is a point); ``magnification`` defaults to that of ``level`` taken as
    10x at 1 µm per pixel (``10 / (micronsPerPixel * downsample)``). ``polygons`` (the analysed area, in
    pixels of ``level``; holes become keyhole rings) default to the whole image. Every fault is a
    `DPATGeometryError` naming the item.
    """
    frame = PixelFrame.of(info, level)
    tag_list = _tags(tags)
    index = {name: i for i, name in enumerate(tag_list)}
    centres: list[tuple[float, float]] = []
    tag_ids: list[int] = []
    scores: list[float] = []
    side = 0.0
    for number, item in enumerate(patches):
        try:
            region, klass, score = item
        except (TypeError, ValueError) as error:
            raise DPATGeometryError(f"patches[{number}]: expected a (region, class, score) triple") from error
        (x, y), extent = _centre(region, number)
        side = max(side, extent)
        centres.append((x, y))
        tag_ids.append(_tag(klass, index, number))
        scores.append(_score(score, number))
    width, height = frame.size
    points = np.asarray(centres, dtype=np.float64).reshape(-1, 2)
    outside = ~((points >= 0) & (points <= (width, height))).all(axis=1)
    if outside.any():
        first = int(np.flatnonzero(outside)[0])
        raise DPATGeometryError(
            f"patches[{first}]: centre {tuple(points[first].tolist())} is off the {width} x {height} image of level"
            f" {frame.level}"
        )
    normalised = frame.to_normalized(points) if len(points) else points
    content = PatchContent(
        description=description,
        polygons=_polygons(frame, polygons),
        patches=[
            Patch(tag=tag, position=ApiPoint(x=px, y=py), sortKeyValue=score)
            for tag, (px, py), score in zip(tag_ids, normalised.tolist(), scores, strict=True)
        ],
        tags=tag_list,
        patchSize=_patch_size(patch_size, side),
        magnification=_magnification(frame, magnification),
        statuses=_statuses(statuses),
        actions=list(actions) if actions is not None else None,
    )
    result = ResultContent(type=ResultType.PATCHES, content=content)
    try:
        validate(result.to_dict(), "ResultContent")
    except DPATValidationError as error:
        fault = error.faults[0]
        raise DPATGeometryError(f"gallery {fault.path}: {fault.message}") from error
    return result


def to_patches(
    info: ImageInfoLike | DeepZoomGeometry, source: Any, *, level: int | None = None
) -> list[tuple[tuple[float, float], str, float]]:
    """The ``((x, y) centre in pixels of level, tag name, score)`` patches of a gallery result or its content."""
    data = as_data(source)
    if isinstance(data, dict) and isinstance(data.get("data"), dict):
        data = data["data"].get("result")
    if not isinstance(data, dict) or data.get("type") != "patchCollection" or not isinstance(data.get("content"), dict):
        raise DPATGeometryError("expected a patchCollection result or its content")
    content = data["content"]
    tag_list = content.get("tags")
    items = content.get("patches")
    if not isinstance(tag_list, list) or not isinstance(items, list):
        raise DPATGeometryError("patchCollection content needs tags and patches lists")
    frame = PixelFrame.of(info, level)
    out: list[tuple[tuple[float, float], str, float]] = []
    for number, patch in enumerate(items):
        try:
            tag, position, score = patch["tag"], patch["position"], float(patch["sortKeyValue"])
            name = str(tag_list[tag]) if isinstance(tag, int) and tag >= 0 else None
            x, y = frame.to_pixels([[position["x"], position["y"]]])[0].tolist()
        except (KeyError, TypeError, ValueError, IndexError) as error:
            raise DPATGeometryError(f"patches[{number}]: not a patch with tag, position and sortKeyValue") from error
        if name is None:
            raise DPATGeometryError(f"patches[{number}]: tag {tag!r} is not an index into the {len(tag_list)} tags")
        out.append(((x, y), name, score))
    return out


def _tags(tags: Sequence[str]) -> list[str]:
    if isinstance(tags, str) or not all(isinstance(t, str) for t in tags):
        raise DPATGeometryError("tags must be a sequence of strings")
    tag_list = list(tags)
    if not 1 <= len(tag_list) <= MAX_TAGS:
        raise DPATGeometryError(f"a gallery has 1 to {MAX_TAGS} tags, got {len(tag_list)}")
    if len(set(tag_list)) != len(tag_list):
        raise DPATGeometryError(f"tags must be distinct, got {tag_list!r}")
    return tag_list


def _centre(region: Any, number: int) -> tuple[tuple[float, float], float]:
    """The centre of ``region``'s bounds and its larger side (0 for a point)."""
    if isinstance(region, BaseGeometry):
        if region.is_empty:
            raise DPATGeometryError(f"patches[{number}]: empty region")
        x0, y0, x1, y1 = (float(v) for v in shapely.bounds(region))
    else:
        try:
            values = [float(v) for v in region]
        except (TypeError, ValueError) as error:
            raise DPATGeometryError(f"patches[{number}]: a region is a geometry, (x, y) or (x0, y0, x1, y1)") from error
        if len(values) == 2:
            x0, y0 = x1, y1 = values
        elif len(values) == 4:
            x0, y0, x1, y1 = values
        else:
            raise DPATGeometryError(f"patches[{number}]: a region is a geometry, (x, y) or (x0, y0, x1, y1)")
        if x1 < x0 or y1 < y0:
            raise DPATGeometryError(f"patches[{number}]: box {tuple(values)} has x1 < x0 or y1 < y0")
    if not all(math.isfinite(v) for v in (x0, y0, x1, y1)):
        raise DPATGeometryError(f"patches[{number}]: region coordinates must be finite")
    return ((x0 + x1) / 2, (y0 + y1) / 2), max(x1 - x0, y1 - y0)


def _tag(klass: Any, index: Mapping[str, int], number: int) -> int:
    if isinstance(klass, str):
        if klass not in index:
            raise DPATGeometryError(f"patches[{number}]: class {klass!r} is not one of the tags {list(index)!r}")
        return index[klass]
    if isinstance(klass, numbers.Integral) and not isinstance(klass, bool):
        if not 0 <= int(klass) < len(index):
            raise DPATGeometryError(f"patches[{number}]: tag index {int(klass)} is not in 0..{len(index) - 1}")
        return int(klass)
    raise DPATGeometryError(f"patches[{number}]: a class is a tag name or index, got {type(klass).__name__}")


def _score(score: Any, number: int) -> float:
    if isinstance(score, bool) or not isinstance(score, numbers.Real) or not math.isfinite(float(score)):
        raise DPATGeometryError(f"patches[{number}]: score must be a finite number, got {score!r}")
    return float(score)


def _patch_size(patch_size: int | None, side: float) -> int:
    if patch_size is None:
        if side <= 0:
            raise DPATGeometryError("pass patch_size: no region has an extent to take it from")
        return math.ceil(side)
    if isinstance(patch_size, bool) or not isinstance(patch_size, numbers.Integral) or patch_size <= 0:
        raise DPATGeometryError(f"patch_size must be a positive integer (pixels), got {patch_size!r}")
    return int(patch_size)


def _magnification(frame: PixelFrame, magnification: float | None) -> float:
    if magnification is None:
        mpp = frame.pyramid.microns_per_pixel
        if mpp is None:
            raise DPATGeometryError("pass magnification: the slide's micronsPerPixel is unknown")
        return 10.0 / (mpp * frame.pyramid.downsample(frame.level))
    if isinstance(magnification, bool) or not isinstance(magnification, numbers.Real):
        raise DPATGeometryError(f"magnification must be a positive number, got {magnification!r}")
    if not (math.isfinite(float(magnification)) and magnification > 0):
        raise DPATGeometryError(f"magnification must be a positive number, got {magnification!r}")
    return float(magnification)


def _polygons(frame: PixelFrame, polygons: Geometries | None) -> list[ApiPolygon]:
    if polygons is None:
        width, height = frame.size
        polygons = shapely.box(0, 0, width, height)
    out: list[ApiPolygon] = []
    for number, item in enumerate(_flatten(polygons).tolist()):
        if not isinstance(item, Polygon):
            raise DPATGeometryError(f"polygons[{number}]: a gallery's area is polygons, got {item.geom_type}")
        ring = frame.to_normalized(keyhole_ring(item))
        out.append(ApiPolygon(points=[ApiPoint(x=x, y=y) for x, y in ring.tolist()]))
    if not out:
        raise DPATGeometryError("a gallery needs at least one polygon (the analysed area)")
    return out


def _statuses(statuses: Mapping[str, Status] | None) -> PatchStatuses | None:
    if statuses is None:
        return None
    out = PatchStatuses()
    for name, status in statuses.items():
        if not isinstance(status, Status):
            raise DPATGeometryError(f"statuses[{name!r}] must be a Status, got {type(status).__name__}")
        out[str(name)] = status
    return out
