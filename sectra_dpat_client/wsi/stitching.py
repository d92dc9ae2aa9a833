"""The I/O-free half of regions and thumbnails: plans, tile decoding, stitching and labels.

`plan_region` turns a region request into the Deep Zoom level and tiles it overlaps, `stitch` decodes
fetched tiles with Pillow into one RGB ``numpy`` array, `thumbnail_plan` and `shrink` do the same for
thumbnails, and `decode_label` turns label bytes into an image. The loops that fetch tiles live with
the IA-API clients, in ``ai/_async/regions.py`` (and its generated sync twin); `sectra_dpat_client.wsi.regions`
is the public face of both.

Coordinates follow OpenSlide: ``x``, ``y`` are the region's top-left corner in full-resolution pixels;
``width``, ``height`` are the size of the result in pixels of the chosen level. ``level`` is a Deep Zoom
level (see `DeepZoomGeometry`); ``mpp`` picks the smallest level at least that fine. Parts of the
region outside the image are zero (black). Bad arguments raise `DPATQueryError` (a ``ValueError``)
before any request; an image info that describes no pyramid, or a tile that does not fit it, raises
`DPATResponseError` naming the spec operation that answered it (built by `_core.errors.unusable_answer`).
"""

from __future__ import annotations

import io
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Protocol

import numpy as np
import numpy.typing as npt
from PIL import Image, UnidentifiedImageError

from .._core.errors import NamedOperation, unusable_answer
from .._core.tile_format import TileFormatLike, tile_extension
from ..errors import DPATQueryError
from .deepzoom import IMAGE_INFO, DeepZoomGeometry, ImageInfoLike, PixelBox
from .paths import operation_named

__all__ = [
    "DEFAULT_TILE_CONCURRENCY",
    "RegionPlan",
    "TileInfoLike",
    "decode_label",
    "plan_region",
    "positive_int",
    "shrink",
    "stitch",
    "thumbnail_plan",
    "tile_format",
    "tile_operation",
]

DEFAULT_TILE_CONCURRENCY = 8
TILE = operation_named("getTile")
TILE_IN_FOCAL_PLANE = operation_named("getTileInFocalPlane")
LABEL = operation_named("getLabel")
RGBArray = npt.NDArray[np.uint8]


class TileInfoLike(ImageInfoLike, Protocol):
    """The parts of `ImageInfo` region reading needs."""

    @property
    def is_streamable(self) -> bool: ...

    @property
    def available_tile_formats(self) -> Sequence[TileFormatLike]: ...


@dataclass(frozen=True, slots=True)
class RegionPlan:
    """Which tiles a region needs: ``box`` is the region in pixels of ``level``."""

    geometry: DeepZoomGeometry
    level: int
    box: PixelBox
    tiles: tuple[tuple[int, int], ...]


def positive_int(name: str, value: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int | np.integer) or value < 1:
        raise DPATQueryError(f"{name} must be a positive integer, got {value!r}")
    return int(value)


def _coordinate(name: str, value: float) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float | np.integer | np.floating):
        raise DPATQueryError(f"{name} must be a number, got {value!r}")
    if not math.isfinite(value):
        raise DPATQueryError(f"{name} must be a finite number, got {value!r}")
    return float(value)


def plan_region(
    geometry: DeepZoomGeometry,
    x: float,
    y: float,
    width: int,
    height: int,
    *,
    level: int | None = None,
    mpp: float | None = None,
) -> RegionPlan:
    """The level, pixel box and tiles for a region (see the module docstring for the coordinates)."""
    width, height = positive_int("width", width), positive_int("height", height)
    x, y = _coordinate("x", x), _coordinate("y", y)
    if level is not None and mpp is not None:
        raise DPATQueryError("give either level or mpp, not both")
    if level is None:
        level = geometry.level_for_mpp(mpp) if mpp is not None else geometry.top_level
    lx, ly = geometry.to_level(x, y, level)
    box = PixelBox(int(np.floor(lx)), int(np.floor(ly)), width, height)
    tiles = tuple(geometry.tiles_in(level, box))
    if not tiles:
        level_width, level_height = geometry.level_size(level)
        raise DPATQueryError(
            f"the region lies outside the image (level {level} is {level_width}x{level_height} pixels)"
        )
    return RegionPlan(geometry, level, box, tiles)


def tile_operation(focal_plane: object | None) -> NamedOperation:
    """The spec operation a tile is fetched with: ``getTileInFocalPlane`` given a focal plane, else ``getTile``."""
    return TILE if focal_plane is None else TILE_IN_FOCAL_PLANE


def _decode(data: bytes, what: str, operation: NamedOperation) -> Image.Image:
    try:
        image = Image.open(io.BytesIO(data))
        image.load()
    except (UnidentifiedImageError, OSError, ValueError, Image.DecompressionBombError) as exc:
        raise unusable_answer(operation, f"{what} is not a decodable image") from exc
    return image


def _fit(
    image: Image.Image,
    plan: RegionPlan,
    col: int,
    row: int,
    tile_box: PixelBox,
    where: str,
    operation: NamedOperation,
) -> RGBArray:
    """The tile's pixels at the size the pyramid says.

    Deep Zoom implementations round level sizes down (Sectra's example, our default) or up (most DZI
    tools), so the last column or row of tiles may be one pixel wider or narrower than computed: that
    pixel line is cropped or repeated. Any other size is an error.
    """
    width, height = image.size
    cols, rows = plan.geometry.tile_grid(plan.level)
    slack_x = 1 if col == cols - 1 else 0
    slack_y = 1 if row == rows - 1 else 0
    if abs(width - tile_box.width) > slack_x or abs(height - tile_box.height) > slack_y:
        raise unusable_answer(
            operation, f"{where} is {width}x{height} pixels, expected {tile_box.width}x{tile_box.height}"
        )
    pixels: RGBArray = np.asarray(image.convert("RGB"), dtype=np.uint8)[: tile_box.height, : tile_box.width]
    missing_y, missing_x = tile_box.height - pixels.shape[0], tile_box.width - pixels.shape[1]
    if missing_x or missing_y:
        pixels = np.pad(pixels, ((0, missing_y), (0, missing_x), (0, 0)), mode="edge")
    return pixels


def stitch(
    plan: RegionPlan, tiles: Iterable[tuple[tuple[int, int], bytes]], *, focal_plane: object | None = None
) -> RGBArray:
    """Decode ``((col, row), bytes)`` tiles and paste them into the region's RGB array.

    Raises `DPATResponseError` when a tile is missing, undecodable, or not the size the pyramid says
    (edge tiles may differ by one pixel, see `_fit`), naming the tile operation of ``focal_plane``
    (`tile_operation`).
    """
    operation = tile_operation(focal_plane)
    box = plan.box
    out: RGBArray = np.zeros((box.height, box.width, 3), dtype=np.uint8)
    wanted = set(plan.tiles)
    for (col, row), data in tiles:
        if (col, row) not in wanted:
            continue
        wanted.discard((col, row))
        where = f"tile {col}_{row} of level {plan.level}"
        tile_box = plan.geometry.tile_box(plan.level, col, row)
        pixels = _fit(_decode(data, where, operation), plan, col, row, tile_box, where, operation)
        overlap = tile_box.intersect(box)
        if overlap is None:
            continue
        sy, sx = overlap.y - tile_box.y, overlap.x - tile_box.x
        dy, dx = overlap.y - box.y, overlap.x - box.x
        out[dy : dy + overlap.height, dx : dx + overlap.width] = pixels[
            sy : sy + overlap.height, sx : sx + overlap.width
        ]
    if wanted:
        raise unusable_answer(operation, f"{len(wanted)} tile(s) of level {plan.level} missing")
    return out


def tile_format(info: TileInfoLike, fmt: str | None) -> str:
    """The tile extension to ask for: ``fmt``, else the client's rule (`tile_extension`: the server's first format).

    Raises `DPATResponseError` when the image info says the slide cannot be streamed as tiles.
    """
    if info.is_streamable is False:
        raise unusable_answer(IMAGE_INFO, "the slide cannot be read as tiles (its image info says isStreamable: false)")
    if fmt:
        return fmt
    return tile_extension(info)


def thumbnail_plan(info: TileInfoLike, max_size: int) -> tuple[int, int, int]:
    geometry = DeepZoomGeometry.from_image_info(info)
    level = geometry.level_for_size(max_size)
    width, height = geometry.level_size(level)
    return level, width, height


def shrink(pixels: RGBArray, max_size: int) -> Image.Image:
    image = Image.fromarray(pixels, "RGB")
    image.thumbnail((max_size, max_size), Image.Resampling.LANCZOS)
    return image


def decode_label(data: bytes | None) -> Image.Image | None:
    """The label image from `get_label`'s bytes; None when the slide has no label (HTTP 204)."""
    if not data:
        return None
    image = _decode(data, "the slide label", LABEL)
    return image.convert("RGB")
