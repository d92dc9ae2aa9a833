"""P10: patches for inference, over IA-API tiles and over downloaded files; peak memory as the slide grows.

* P10a tiles: ``aiter_patches`` over an `AsyncRemoteSlide` (level 0, 256-pixel patches, batches of 32,
  16 patches in flight) against plain ``httpx.AsyncClient`` fetching the same tiles with 16 in flight,
  decoded with Pillow and stacked into the same batches. The slide is a real pyramidal TIFF served by
  the simulator (``add_slide(path=...)``) in a child process, so serving costs the same for both.
* P10b files: ``iter_patches`` over ``open_slide(tiff)`` (OpenSlide, 4 reader threads) against
  OpenSlide's ``read_region`` in a loop, the same patches converted to RGB arrays.
* P10c memory: peak RSS of a whole-slide ``iter_patches`` over files, each size in a fresh process;
  the ratio is the smaller slide's peak over the 4x larger slide's (1.0 = flat).
"""

from __future__ import annotations

import asyncio
import io
import json
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import numpy as np
from PIL import Image

from bench._common import compare, interleaved, report
from tests.wsi.slides import write_tiff_pyramid

ROOT = Path(__file__).resolve().parent.parent
SIDE = 4096
BATCH, CONCURRENCY, PATCH = 32, 16, 256


def write_tiff(path: Path, side: int) -> Path:
    """A pyramidal RGB TIFF (lossless, 256-pixel tiles, 3 levels) of a position-coded pattern."""
    ys, xs = np.mgrid[0:side, 0:side]
    image = np.empty((side, side, 3), dtype=np.uint8)
    image[..., 0] = 200
    image[..., 1] = (xs // 8) % 256
    image[..., 2] = (ys // 8) % 256
    return write_tiff_pyramid(path, image, mpp=0.5)


_SERVE = """
import json, sys
from sectra_dpat_client.simulator import DPATSimulator
with DPATSimulator(slides=0) as dpat:
    sid = dpat.add_slide(path=sys.argv[1])
    print(json.dumps({"url": dpat.url, "token": dpat.token, "slide_id": sid}), flush=True)
    sys.stdin.read()
"""


@contextmanager
def served(path: Path) -> Iterator[dict[str, str]]:
    """The simulator serving ``path`` in a child process."""
    child = subprocess.Popen(
        [sys.executable, "-c", _SERVE, str(path)], cwd=ROOT, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    )
    try:
        assert child.stdout is not None
        line = child.stdout.readline()
        if not line:
            raise RuntimeError("the simulator process did not start")
        yield json.loads(line)
    finally:
        assert child.stdin is not None
        child.stdin.close()
        child.wait(timeout=20)


async def ours_tiles(where: dict[str, str]) -> int:
    from sectra_dpat_client.ai import AsyncDPATAIClient
    from sectra_dpat_client.wsi import AsyncRemoteSlide, aiter_patches

    count = 0
    async with AsyncDPATAIClient(where["url"], token=where["token"]) as client:
        slide = await AsyncRemoteSlide.open(client, where["slide_id"])
        async for batch in aiter_patches(
            slide, level=0, size=PATCH, batch=BATCH, concurrency=CONCURRENCY, tissue=False
        ):
            count += len(batch.images)
    return count


async def baseline_tiles(where: dict[str, str]) -> int:
    top = (SIDE - 1).bit_length()
    per_side = SIDE // PATCH
    gate = asyncio.Semaphore(CONCURRENCY)
    headers = {"Authorization": f"Bearer {where['token']}"}
    count = 0
    async with httpx.AsyncClient(base_url=where["url"], headers=headers) as client:
        info = (await client.get(f"/slides/{where['slide_id']}/info")).json()
        assert info["imageSize"]["width"] == SIDE

        async def fetch(col: int, row: int) -> np.ndarray:
            async with gate:
                answer = await client.get(f"/images/{where['slide_id']}_files/{top}/{col}_{row}.jpg")
            answer.raise_for_status()
            return np.asarray(Image.open(io.BytesIO(answer.content)).convert("RGB"))

        cells = [(col, row) for row in range(per_side) for col in range(per_side)]
        for start in range(0, len(cells), BATCH):
            images = await asyncio.gather(*(fetch(c, r) for c, r in cells[start : start + BATCH]))
            count += len(np.stack(images))
    return count


def ours_files(path: Path) -> int:
    from sectra_dpat_client.wsi import iter_patches, open_slide

    with open_slide(path) as slide:
        return sum(len(b.images) for b in iter_patches(slide, level=0, size=PATCH, batch=BATCH, tissue=False))


def baseline_files(path: Path) -> int:
    import openslide

    slide = openslide.OpenSlide(str(path))
    count = 0
    try:
        width, height = slide.dimensions
        for y in range(0, height, PATCH):
            batch = [
                np.asarray(slide.read_region((x, y), 0, (PATCH, PATCH)).convert("RGB")) for x in range(0, width, PATCH)
            ]
            count += len(np.stack(batch))
    finally:
        slide.close()
    return count


# VmHWM, not ru_maxrss: Linux carries ru_maxrss over exec from the (large) parent
_PEAK = """
import re, sys
from sectra_dpat_client.wsi import iter_patches, open_slide
with open_slide(sys.argv[1]) as slide:
    n = sum(len(b.images) for b in iter_patches(slide, level=0, size=256, batch=32, tissue=False))
status = open("/proc/self/status").read()
print(n, int(re.search(r"VmHWM:\\s+(\\d+)", status).group(1)) / 1024)
"""


def peak_mib(path: Path) -> tuple[int, float]:
    command = [sys.executable, "-c", _PEAK, str(path)]
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, check=True)
    count, peak = done.stdout.split()
    return int(count), float(peak)


def run() -> list[dict[str, Any]]:
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        path = write_tiff(Path(tmp) / "slide.tiff", SIDE)
        patches = (SIDE // PATCH) ** 2
        with served(path) as where:
            times = interleaved(
                {
                    "ours": lambda: asyncio.run(ours_tiles(where)),
                    "baseline": lambda: asyncio.run(baseline_tiles(where)),
                },
                rounds=5,
            )
        rows.append(
            compare(
                f"P10a patches/s over tiles ({patches} patches of {PATCH} px, aiter_patches vs httpx+Pillow)",
                times,
                target=0.8,
                work=patches,
                unit="patches/s",
            )
        )
        times = interleaved({"ours": lambda: ours_files(path), "baseline": lambda: baseline_files(path)}, rounds=5)
        rows.append(
            compare(
                f"P10b patches/s over files ({patches} patches of {PATCH} px, iter_patches vs OpenSlide loop)",
                times,
                target=1.0,
                work=patches,
                unit="patches/s",
            )
        )
        small_n, small = peak_mib(path)
        big_n, big = peak_mib(write_tiff(Path(tmp) / "big.tiff", SIDE * 2))
        assert big_n == 4 * small_n
        rows.append(
            report(
                f"P10c peak RSS of a whole-slide iteration, {SIDE}^2 vs {2 * SIDE}^2 px (MiB; ratio small/big)",
                ours=small,
                baseline=big,
                unit="MiB",
                higher_is_better=True,
                target=0.8,
            )
        )
    return rows


if __name__ == "__main__":
    print(json.dumps(run(), indent=2))
