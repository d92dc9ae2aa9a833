"""One reader interface over a whole-slide image, local (files) or remote (IA-API tiles).

Levels follow OpenSlide: level 0 is full resolution, each next level coarser. ``location`` is the
region's top-left corner in level-0 pixels; ``size`` is the result's size in pixels of the level
read. ``read_region(..., mpp=...)`` reads the coarsest level at least that fine (never upsamples).
Parts of a region outside the image are black. Bad arguments raise `DPATQueryError`.

`RemoteSlide` (sync) and `AsyncRemoteSlide` share their levels and region mapping (`_TiledSlide`);
each adds only how it fetches: the client's own ``read_region`` and ``get_thumbnail`` (written once,
async, in ``ai/_async/regions.py``, with a generated sync twin).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any, Generic, TypeVar

import numpy as np
import numpy.typing as npt
from PIL import Image

from ..errors import DPATQueryError
from .deepzoom import DeepZoomGeometry
from .stitching import DEFAULT_TILE_CONCURRENCY, TileInfoLike

if TYPE_CHECKING:
    from ..ai import AsyncDPATAIClient, DPATAIClient

__all__ = ["AsyncRemoteSlide", "RemoteSlide", "WholeSlide"]

RGBArray = npt.NDArray[np.uint8]
ClientT = TypeVar("ClientT", "DPATAIClient", "AsyncDPATAIClient")
_MPP_TOLERANCE = 1.0 + 1e-6


class WholeSlide:
    """The common reader interface; subclasses implement `_read` (and may add associated images)."""

    level_dimensions: tuple[tuple[int, int], ...]
    """Width and height of every level, level 0 first."""
    mpp: float | None
    """Microns per pixel at level 0 (None when the slide does not say)."""

    def __init__(self, level_dimensions: Sequence[tuple[int, int]], mpp: float | None) -> None:
        if not level_dimensions:
            raise DPATQueryError("a slide needs at least one level")
        self.level_dimensions = tuple((int(w), int(h)) for w, h in level_dimensions)
        self.mpp = float(mpp) if mpp and math.isfinite(mpp) and mpp > 0 else None

    # -- geometry -----------------------------------------------------------------------------------

    @property
    def dimensions(self) -> tuple[int, int]:
        """Width and height of level 0."""
        return self.level_dimensions[0]

    @property
    def level_count(self) -> int:
        """Number of levels."""
        return len(self.level_dimensions)

    @property
    def level_downsamples(self) -> tuple[float, ...]:
        """How many level-0 pixels one pixel of each level spans (from the widths)."""
        width = self.dimensions[0]
        return tuple(width / w for w, _ in self.level_dimensions)

    def level_mpp(self, level: int) -> float:
        """Microns per pixel at ``level``; `DPATQueryError` when the slide has no mpp."""
        self._check_level(level)
        if self.mpp is None:
            raise DPATQueryError("the slide has no microns-per-pixel; give level= instead of mpp=")
        return self.mpp * self.level_downsamples[level]

    def level_for_mpp(self, mpp: float) -> int:
        """The coarsest level at least as fine as ``mpp`` (level 0 when ``mpp`` is finer than the slide)."""
        if isinstance(mpp, bool) or not isinstance(mpp, int | float) or not math.isfinite(mpp) or mpp <= 0:
            raise DPATQueryError(f"mpp must be a positive number, got {mpp!r}")
        best = 0
        for level in range(self.level_count):
            if self.level_mpp(level) <= mpp * _MPP_TOLERANCE:
                best = level
        return best

    def to_normalized(self, x: float, y: float) -> tuple[float, float]:
        """Level-0 pixels as IA-API coordinates (normalised by the image width, ia-api.md §7.1)."""
        width = self.dimensions[0]
        return x / width, y / width

    def _check_level(self, level: int) -> None:
        if isinstance(level, bool) or not isinstance(level, int | np.integer) or not 0 <= level < self.level_count:
            raise DPATQueryError(f"level {level!r} does not exist (levels 0..{self.level_count - 1})")

    # -- pixels -------------------------------------------------------------------------------------

    def read_region(
        self,
        location: tuple[float, float],
        size: tuple[int, int],
        *,
        level: int | None = None,
        mpp: float | None = None,
    ) -> RGBArray:
        """An RGB ``(height, width, 3)`` uint8 array; ``location`` in level-0 pixels, ``size`` in the level's."""
        return self._read(*self._region(location, size, level, mpp))

    def _region(
        self, location: tuple[float, float], size: tuple[int, int], level: int | None, mpp: float | None
    ) -> tuple[int, int, int, int, int]:
        """Checked (level, x, y, width, height) of a region request."""
        level = self.resolve_level(level, mpp)
        try:
            x, y = (float(v) for v in location)
            width, height = (int(v) for v in size)
            if width != size[0] or height != size[1]:
                raise ValueError
        except (TypeError, ValueError) as exc:
            raise DPATQueryError(f"location must be (x, y) numbers and size (width, height) integers: {exc}") from exc
        if not (math.isfinite(x) and math.isfinite(y)) or width < 1 or height < 1:
            raise DPATQueryError(f"bad region: location {location!r}, size {size!r}")
        return level, math.floor(x), math.floor(y), width, height

    def resolve_level(self, level: int | None, mpp: float | None) -> int:
        """The level asked for, by number or by resolution (level 0 when neither is given)."""
        if level is not None and mpp is not None:
            raise DPATQueryError("give either level or mpp, not both")
        if mpp is not None:
            return self.level_for_mpp(mpp)
        if level is None:
            return 0
        self._check_level(level)
        return int(level)

    def _read(self, level: int, x: int, y: int, width: int, height: int) -> RGBArray:
        raise NotImplementedError

    def thumbnail(self, max_size: int = 512) -> Image.Image:
        """The whole slide, at most ``max_size`` pixels on its longer side (from the smallest level large enough)."""
        _check_max_size(max_size)
        level = 0
        for candidate in range(self.level_count):
            if max(self.level_dimensions[candidate]) >= max_size:
                level = candidate
        pixels = self._read(level, 0, 0, *self.level_dimensions[level])
        return _shrunk(Image.fromarray(pixels, "RGB"), max_size)

    @property
    def associated_images(self) -> Mapping[str, Image.Image]:
        """Label, macro, ... images by name (empty when the slide has none)."""
        return {}

    def close(self) -> None:
        """Release the files or connections the reader holds."""

    def __enter__(self) -> WholeSlide:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class _TiledSlide(WholeSlide, Generic[ClientT]):
    """What both remote slides share: levels from the slide's Deep Zoom pyramid, regions mapped onto it.

    Levels are the Deep Zoom levels reversed (level 0 = the top Deep Zoom level), down to the first
    level smaller than one tile; the subclasses add only the fetching.
    """

    def __init__(self, client: ClientT, slide_id: str, info: TileInfoLike) -> None:
        self.client: ClientT = client
        self.slide_id = slide_id
        self.info = info
        self.geometry = DeepZoomGeometry.from_image_info(info)
        super().__init__(_deepzoom_levels(self.geometry), self.geometry.microns_per_pixel)

    @property
    def level_downsamples(self) -> tuple[float, ...]:
        """Exact powers of two (Deep Zoom halves each level)."""
        return tuple(float(1 << level) for level in range(self.level_count))

    def _deepzoom_level(self, level: int, x: int, y: int, width: int, height: int) -> int | None:
        """The Deep Zoom level a checked region is read from; None when it lies wholly outside the level."""
        dz = self.geometry.top_level - level
        lx, ly = self.geometry.to_level(x, y, dz)
        lw, lh = self.geometry.level_size(dz)
        if lx >= lw or ly >= lh or lx + width <= 0 or ly + height <= 0:
            return None
        return dz


class RemoteSlide(_TiledSlide["DPATAIClient"]):
    """A slide read over the IA-API tile endpoint with a sync client (`DPATAIClient`).

    The client's own ``read_region`` stitches the tiles; the client may be used from several threads
    at once (`iter_patches` does).
    """

    def __init__(self, client: DPATAIClient, slide_id: str, *, info: TileInfoLike | None = None) -> None:
        super().__init__(client, slide_id, info if info is not None else client.get_image_info(slide_id))

    def _read(self, level: int, x: int, y: int, width: int, height: int) -> RGBArray:
        dz = self._deepzoom_level(level, x, y, width, height)
        if dz is None:
            return np.zeros((height, width, 3), dtype=np.uint8)
        return self.client.read_region(self.slide_id, x, y, width, height, level=dz, info=self.info)

    @property
    def associated_images(self) -> Mapping[str, Image.Image]:
        """The label, when the server has one."""
        get_label: Any = getattr(self.client, "get_label", None)
        if get_label is None:
            return {}
        from .regions import decode_label

        label = decode_label(get_label(self.slide_id))
        return {"label": label} if label is not None else {}


class AsyncRemoteSlide(_TiledSlide["AsyncDPATAIClient"]):
    """A slide read over the IA-API tile endpoint with an async client (`AsyncDPATAIClient`).

    Made with ``await AsyncRemoteSlide.open(client, slide_id)``, which also fetches a thumbnail (for
    tissue detection). Pixels are read with ``await slide.aread_region(...)``; `aiter_patches` reads
    patch grids concurrently with bounded memory. The sync ``read_region`` is refused.
    """

    THUMBNAIL_SIZE = 1024

    def __init__(self, client: AsyncDPATAIClient, slide_id: str, info: TileInfoLike, overview: Image.Image) -> None:
        super().__init__(client, slide_id, info)
        self.overview = overview

    @classmethod
    async def open(
        cls, client: AsyncDPATAIClient, slide_id: str, *, info: TileInfoLike | None = None
    ) -> AsyncRemoteSlide:
        """Fetch the slide's `ImageInfo` (unless given) and its thumbnail."""
        info = info if info is not None else await client.get_image_info(slide_id)
        overview = await client.get_thumbnail(slide_id, cls.THUMBNAIL_SIZE, info=info)
        return cls(client, slide_id, info, overview)

    def thumbnail(self, max_size: int = 512) -> Image.Image:
        """The thumbnail fetched by `open`, shrunk to ``max_size``."""
        _check_max_size(max_size)
        return _shrunk(self.overview.copy(), max_size)

    def _read(self, level: int, x: int, y: int, width: int, height: int) -> RGBArray:
        raise DPATQueryError("an AsyncRemoteSlide reads pixels with `await slide.aread_region(...)`")

    async def aread_region(
        self,
        location: tuple[float, float],
        size: tuple[int, int],
        *,
        level: int | None = None,
        mpp: float | None = None,
        max_concurrency: int = DEFAULT_TILE_CONCURRENCY,
    ) -> RGBArray:
        """The async `read_region`: up to ``max_concurrency`` tiles fetched at a time."""
        level, x, y, width, height = self._region(location, size, level, mpp)
        dz = self._deepzoom_level(level, x, y, width, height)
        if dz is None:
            return np.zeros((height, width, 3), dtype=np.uint8)
        return await self.client.read_region(
            self.slide_id, x, y, width, height, level=dz, info=self.info, max_concurrency=max_concurrency
        )


def _check_max_size(max_size: object) -> None:
    """`DPATQueryError` unless ``max_size`` (of a thumbnail) is a positive integer: one rule for every slide."""
    if isinstance(max_size, bool) or not isinstance(max_size, int) or max_size < 1:
        raise DPATQueryError(f"max_size must be a positive integer, got {max_size!r}")


def _shrunk(image: Image.Image, max_size: int) -> Image.Image:
    """``image`` shrunk in place to at most ``max_size`` pixels on its longer side (LANCZOS), returned."""
    image.thumbnail((max_size, max_size), Image.Resampling.LANCZOS)
    return image


def _deepzoom_levels(geometry: DeepZoomGeometry) -> list[tuple[int, int]]:
    """Level sizes from the top Deep Zoom level down to the first no larger than one tile."""
    levels = []
    for dz in range(geometry.top_level, -1, -1):
        levels.append(geometry.level_size(dz))
        if max(geometry.level_size(dz)) <= max(geometry.tile_width, geometry.tile_height):
            break
    return levels
