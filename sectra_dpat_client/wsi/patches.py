"""Patch grids for inference: `patch_grid` (an indexable dataset) and `iter_patches` (batches, prefetched).

A grid at a target resolution (``mpp=`` or ``level=``): patches of ``size`` pixels at that resolution,
``overlap`` pixels shared by neighbours, read from the best level (the coarsest at least as fine) and
resampled with Pillow. ``roi`` (a polygon in IA-API width-normalised coordinates, as an invocation's
input gives it) keeps patches whose centre lies inside; ``tissue`` (True: Otsu on the thumbnail's
saturation; False: off; or a boolean mask covering the slide) keeps patches showing tissue.
`PatchGrid` has ``len`` and ``[i]`` -> (image, coords), the shape a PyTorch ``DataLoader`` takes.
`iter_patches` reads in a bounded thread pool, for files and tiles alike; `aiter_patches` reads an
`AsyncRemoteSlide`'s tiles concurrently on the event loop. For both, ``prefetch`` is the most batches in
flight: started and not yet handed to the consumer, the one it waits for next included (``prefetch=1``
reads no batch ahead); memory is bounded by ``prefetch * batch`` patches plus the batch the consumer holds.

The two iterators are not unasync twins: one runs reads on threads, the other as tasks on a loop.
They share everything else through `PatchGrid` (the grid, `PatchGrid.region`, `PatchGrid.resample`,
`PatchGrid.batch`, `PatchGrid.batch_stop`) and `_check_counts`/`_ahead_full` (the checks and the meaning
of ``prefetch``); what is left in each is its own scheduling loop.
"""

from __future__ import annotations

import asyncio
import math
from collections import deque
from collections.abc import AsyncIterator, Iterator, Sequence, Sized
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
from PIL import Image

from ..errors import DPATQueryError
from .slide import AsyncRemoteSlide, WholeSlide
from .tissue import tissue_mask

__all__ = ["PatchBatch", "PatchGrid", "aiter_patches", "iter_patches", "patch_grid"]

RGBArray = npt.NDArray[np.uint8]
_THUMBNAIL = 1024


@dataclass(frozen=True, slots=True)
class PatchBatch:
    """``images`` N x size x size x 3 uint8; ``coords`` N x 2 level-0 pixel (x, y) of each top-left;
    ``normalized`` the same corners in IA-API coordinates (divided by the image width)."""

    images: RGBArray
    coords: npt.NDArray[np.int64]
    normalized: npt.NDArray[np.float64]


def _points(roi: Any) -> npt.NDArray[np.float64]:
    """(x, y) pairs from a sequence of pairs or of objects with ``x``/``y`` (generated `Point`)."""
    points = [(p.x, p.y) if hasattr(p, "x") else (p[0], p[1]) for p in roi]
    array = np.asarray(points, dtype=np.float64)
    if array.ndim != 2 or array.shape[0] < 3 or not np.isfinite(array).all():
        raise DPATQueryError("roi must be a polygon of at least 3 finite (x, y) points")
    return array


def _inside(polygon: npt.NDArray[np.float64], x: npt.NDArray[np.float64], y: npt.NDArray[np.float64]) -> Any:
    """Even-odd point-in-polygon test, vectorised over the points."""
    inside = np.zeros(x.shape, dtype=bool)
    px, py = polygon[:, 0], polygon[:, 1]
    qx, qy = np.roll(px, 1), np.roll(py, 1)
    for ax, ay, bx, by in zip(px, py, qx, qy, strict=True):
        crosses = (ay > y) != (by > y)
        with np.errstate(divide="ignore", invalid="ignore"):
            at = (bx - ax) * (y - ay) / (by - ay) + ax
        inside ^= crosses & (x < at)
    return inside


class PatchGrid:
    """The patches of one slide at one resolution; ``grid[i]`` reads patch ``i``."""

    def __init__(
        self,
        slide: WholeSlide,
        *,
        mpp: float | None = None,
        level: int | None = None,
        size: int = 224,
        overlap: int = 0,
        roi: Sequence[Any] | None = None,
        tissue: bool | npt.NDArray[np.bool_] = True,
        min_tissue: float = 0.05,
    ) -> None:
        if isinstance(size, bool) or not isinstance(size, int) or size < 1:
            raise DPATQueryError(f"size must be a positive integer, got {size!r}")
        if isinstance(overlap, bool) or not isinstance(overlap, int) or not 0 <= overlap < size:
            raise DPATQueryError(f"overlap must be an integer in 0..size-1, got {overlap!r}")
        self.slide, self.size = slide, size
        if mpp is not None and level is not None:
            raise DPATQueryError("give either mpp or level, not both")
        self.level = slide.resolve_level(level, mpp)
        level_scale = slide.level_downsamples[self.level]
        # level-0 pixels per output pixel
        self.scale = float(mpp) / slide.mpp if mpp is not None and slide.mpp else level_scale
        self.read_size = max(1, math.ceil(size * self.scale / level_scale - 1e-9))
        width, height = slide.dimensions
        step = (size - overlap) * self.scale
        xs = np.arange(0, width, step)
        ys = np.arange(0, height, step)
        gx, gy = np.meshgrid(xs, ys)
        keep = np.ones(gx.shape, dtype=bool)
        extent = size * self.scale
        if roi is not None:
            polygon = _points(roi) * width
            keep &= _inside(polygon, gx + extent / 2, gy + extent / 2)
        if tissue is not False:
            mask = tissue_mask(slide.thumbnail(_THUMBNAIL)) if tissue is True else np.asarray(tissue, dtype=bool)
            if mask.ndim != 2 or not mask.size:
                raise DPATQueryError("tissue must be True, False or a 2-D boolean mask covering the slide")
            integral = np.pad(mask.astype(np.int64).cumsum(0).cumsum(1), ((1, 0), (1, 0)))
            my, mx = mask.shape[0] / height, mask.shape[1] / width
            x0 = np.clip(np.floor(gx * mx), 0, mask.shape[1]).astype(int)
            y0 = np.clip(np.floor(gy * my), 0, mask.shape[0]).astype(int)
            x1 = np.clip(np.ceil((gx + extent) * mx), 0, mask.shape[1]).astype(int)
            y1 = np.clip(np.ceil((gy + extent) * my), 0, mask.shape[0]).astype(int)
            area = np.maximum((x1 - x0) * (y1 - y0), 1)
            hits = integral[y1, x1] - integral[y0, x1] - integral[y1, x0] + integral[y0, x0]
            keep &= hits / area >= min_tissue
        self.coords: npt.NDArray[np.int64] = np.stack([gx[keep], gy[keep]], axis=1).round().astype(np.int64)

    def __len__(self) -> int:
        return int(self.coords.shape[0])

    def __getitem__(self, index: int) -> tuple[RGBArray, npt.NDArray[np.int64]]:
        location, size = self.region(index)
        pixels = self.slide.read_region(location, size, level=self.level)
        return self.resample(pixels), self.coords[index]

    def region(self, index: int) -> tuple[tuple[int, int], tuple[int, int]]:
        """Where patch ``index`` is read: level-0 (x, y) and the size at `level` (``read_size`` square)."""
        x, y = (int(v) for v in self.coords[index])
        return (x, y), (self.read_size, self.read_size)

    def batch(self, start: int, images: Sequence[RGBArray]) -> PatchBatch:
        """The `PatchBatch` of the patches read from ``start`` on, in grid order."""
        coords = self.coords[start : start + len(images)]
        return PatchBatch(np.stack(images), coords, self.normalized(coords))

    def batch_stop(self, start: int, batch: int) -> int:
        """The index after the last patch of the batch of ``batch`` patches from ``start`` on."""
        return min(start + batch, len(self))

    def resample(self, pixels: RGBArray) -> RGBArray:
        """A region read at ``read_size`` brought to ``size`` (unchanged when they agree)."""
        if self.read_size == self.size:
            return pixels
        image = Image.fromarray(pixels, "RGB").resize((self.size, self.size), Image.Resampling.BILINEAR)
        return np.asarray(image, dtype=np.uint8)

    def normalized(self, coords: npt.NDArray[np.int64]) -> npt.NDArray[np.float64]:
        """Level-0 pixel corners as IA-API coordinates."""
        result: npt.NDArray[np.float64] = coords.astype(np.float64) / self.slide.dimensions[0]
        return result


def patch_grid(slide: WholeSlide, **options: Any) -> PatchGrid:
    """The indexable patch dataset (see `PatchGrid` for the options)."""
    return PatchGrid(slide, **options)


def iter_patches(
    slide: WholeSlide,
    *,
    batch: int = 32,
    workers: int = 4,
    prefetch: int = 4,
    **options: Any,
) -> Iterator[PatchBatch]:
    """Batches over ``slide``: ``workers`` threads read whole batches, at most ``prefetch`` in flight
    (see the module docstring)."""
    _check_counts(batch=batch, workers=workers, prefetch=prefetch)
    grid = PatchGrid(slide, **options)
    starts = range(0, len(grid), batch)

    with ThreadPoolExecutor(max_workers=workers) as pool:
        pending: deque[Future[PatchBatch]] = deque()
        try:
            for start in starts:
                pending.append(pool.submit(_read_batch, grid, start, batch))
                if _ahead_full(pending, prefetch):
                    yield pending.popleft().result()
            while pending:
                yield pending.popleft().result()
        finally:
            for future in pending:
                future.cancel()


async def aiter_patches(
    slide: AsyncRemoteSlide,
    *,
    batch: int = 32,
    concurrency: int = 16,
    prefetch: int = 2,
    **options: Any,
) -> AsyncIterator[PatchBatch]:
    """Batches over a remote slide, in grid order: up to ``concurrency`` patches read at a time (each
    fetching its tiles concurrently), at most ``prefetch`` batches in flight as in `iter_patches`."""
    _check_counts(batch=batch, concurrency=concurrency, prefetch=prefetch)
    if not isinstance(slide, AsyncRemoteSlide):
        raise DPATQueryError("aiter_patches reads an AsyncRemoteSlide; use iter_patches for other slides")
    grid = PatchGrid(slide, **options)
    gate = asyncio.Semaphore(concurrency)

    async def read_patch(index: int) -> RGBArray:
        location, size = grid.region(index)
        async with gate:
            pixels = await slide.aread_region(location, size, level=grid.level)
        return grid.resample(pixels)

    async def read_batch(start: int) -> PatchBatch:
        stop = grid.batch_stop(start, batch)
        return grid.batch(start, await asyncio.gather(*(read_patch(i) for i in range(start, stop))))

    pending: deque[asyncio.Task[PatchBatch]] = deque()
    try:
        for start in range(0, len(grid), batch):
            pending.append(asyncio.ensure_future(read_batch(start)))
            if _ahead_full(pending, prefetch):
                yield await pending.popleft()
        while pending:
            yield await pending.popleft()
    finally:
        for task in pending:
            task.cancel()
        if pending:
            await asyncio.gather(*pending, return_exceptions=True)


def _read_batch(grid: PatchGrid, start: int, batch: int) -> PatchBatch:
    """One batch, read in one worker thread."""
    return grid.batch(start, [grid[i][0] for i in range(start, grid.batch_stop(start, batch))])


def _ahead_full(pending: Sized, prefetch: int) -> bool:
    """Whether ``pending`` (batches started, not yet handed over) holds ``prefetch``: then hand one over first."""
    return len(pending) >= prefetch


def _check_counts(**counts: int) -> None:
    """`DPATQueryError` naming the first of ``counts`` that is not a positive integer."""
    for name, value in counts.items():
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise DPATQueryError(f"{name} must be a positive integer, got {value!r}")
