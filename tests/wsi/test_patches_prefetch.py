"""``prefetch`` means the same for `iter_patches` and `aiter_patches`: the most batches in flight (started,
not yet handed to the consumer, the next one included); and both slide kinds check a thumbnail's size alike."""

from __future__ import annotations

import asyncio
import threading
import time

import numpy as np
import pytest
from PIL import Image

from sectra_dpat_client.errors import DPATQueryError
from sectra_dpat_client.wsi import AsyncRemoteSlide, WholeSlide, aiter_patches, iter_patches

SIZE, PATCH = (64, 64), 8  # 64 patches of 8 x 8, one per batch
PAUSE = 0.002


class _Counting:
    """Counts the patches whose read has started."""

    def __init__(self) -> None:
        self.started = 0
        self._lock = threading.Lock()

    def start(self) -> None:
        with self._lock:
            self.started += 1


class SlowSlide(WholeSlide):
    """A sync slide whose every read takes a moment."""

    def __init__(self) -> None:
        super().__init__([SIZE], mpp=1.0)
        self.count = _Counting()

    def _read(self, level: int, x: int, y: int, width: int, height: int) -> np.ndarray:
        self.count.start()
        time.sleep(PAUSE)
        return np.zeros((height, width, 3), dtype=np.uint8)


class SlowAsyncSlide(AsyncRemoteSlide):
    """An async slide (no server) whose every read takes a moment."""

    def __init__(self) -> None:
        WholeSlide.__init__(self, [SIZE], mpp=1.0)
        self.overview = Image.new("RGB", SIZE)
        self.count = _Counting()

    @property
    def level_downsamples(self) -> tuple[float, ...]:
        return (1.0,)

    async def aread_region(self, location, size, *, level=None, mpp=None, max_concurrency=1):  # type: ignore[no-untyped-def]
        self.count.start()
        await asyncio.sleep(PAUSE)
        return np.zeros((size[1], size[0], 3), dtype=np.uint8)


def _in_flight_at_each_batch(started: list[int]) -> list[int]:
    """Batches started and not yet handed over when the k-th batch reaches the consumer (k from 1)."""
    return [count - k for k, count in enumerate(started)]


@pytest.mark.parametrize("prefetch", [1, 2, 4])
def test_sync_prefetch_bounds_batches_in_flight(prefetch: int) -> None:
    slide = SlowSlide()
    started = []
    for _ in iter_patches(slide, level=0, size=PATCH, batch=1, workers=8, prefetch=prefetch, tissue=False):
        started.append(slide.count.started)
        time.sleep(PAUSE)  # a slow consumer: the readers get as far ahead as they may
    assert len(started) == 64
    in_flight = max(_in_flight_at_each_batch(started))
    assert in_flight <= prefetch  # threads start when they get to it: the bound, and some read-ahead
    assert in_flight > 1 or prefetch == 1


@pytest.mark.parametrize("prefetch", [1, 2, 4])
def test_async_prefetch_bounds_batches_in_flight(prefetch: int) -> None:
    slide = SlowAsyncSlide()

    async def main() -> list[int]:
        started = []
        stream = aiter_patches(slide, level=0, size=PATCH, batch=1, concurrency=8, prefetch=prefetch, tissue=False)
        async for _ in stream:
            started.append(slide.count.started)
            await asyncio.sleep(PAUSE)
        return started

    started = asyncio.run(main())
    assert len(started) == 64
    assert max(_in_flight_at_each_batch(started)) == prefetch  # was prefetch + 1


@pytest.mark.parametrize("bad", [0, -1, 2.5, True, "512"])
def test_both_slide_kinds_refuse_a_bad_thumbnail_size_alike(bad: object) -> None:
    messages = []
    for slide in (SlowSlide(), SlowAsyncSlide()):
        with pytest.raises(DPATQueryError) as info:
            slide.thumbnail(bad)  # type: ignore[arg-type]
        messages.append(str(info.value))
    assert messages[0] == messages[1] == f"max_size must be a positive integer, got {bad!r}"


def test_both_slide_kinds_fit_the_thumbnail() -> None:
    assert SlowSlide().thumbnail(16).size == (16, 16)
    assert SlowAsyncSlide().thumbnail(16).size == (16, 16)
