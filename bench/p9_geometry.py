"""P9: geometry -> result bodies (sectra_dpat_client.geometry).

* P9a: 300,000 cell polygons (8-16 vertices, shapely) -> a result body. Ours: ``from_shapely`` (with the
  spec check) + ``to_result(...).to_bytes()``; baseline: a per-object loop building the generated models
  (``Polygon(points=[Point(...)])`` per cell, normalised by the image width), ``Result.to_dict()`` and
  ``orjson.dumps`` (the stronger serialiser, as in P2). Interleaved rounds; both bodies are checked to
  decode to the same JSON. Target: ours under 5 s and >= 10x faster.
* P9b: ``from_mask`` on a 20,000 x 20,000 ``uint8`` label mask (3 classes, 6,000 blobs, some with
  holes) -> ``to_result`` bytes: wall time and peak RSS, measured in a process of its own (so the peak is
  the mask part's alone; the mask itself is 381 MiB). No baseline; ratio is 5 s / time.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import time
from typing import Any

import numpy as np
import orjson
import shapely

from bench._common import compare, interleaved, peak_rss_mib
from sectra_dpat_client.geometry import from_mask, from_shapely, to_result
from sectra_dpat_client.models import Point, Polygon, PrimitiveItem, Result, ResultContent, ResultData, ResultType
from sectra_dpat_client.wsi.deepzoom import DeepZoomGeometry

CELLS = 300_000
SLIDE = DeepZoomGeometry(width=100_000, height=80_000, tile_width=256, tile_height=256)
TARGET = 10.0
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "5"))


def _cells() -> list[shapely.Polygon]:
    rng = np.random.default_rng(2026)
    counts = rng.integers(8, 17, CELLS)
    centres = rng.uniform((0, 0), (SLIDE.width, SLIDE.height), (CELLS, 2))
    cells = []
    for count, (cx, cy) in zip(counts.tolist(), centres.tolist(), strict=True):
        angles = np.sort(rng.uniform(0, 2 * np.pi, count))
        radius = rng.uniform(3, 8, count)
        cells.append(shapely.Polygon(np.c_[cx + radius * np.cos(angles), cy + radius * np.sin(angles)]))
    return cells


def ours(cells: list[shapely.Polygon]) -> bytes:
    """The geometry package: vectorised coordinates, one encode per class."""
    content = from_shapely(SLIDE, {"cell": cells})
    return to_result("slide-1", content, display_result="300000 cells", application_version="1.0").to_bytes()


def loop(cells: list[shapely.Polygon]) -> bytes:
    """What a team writes by hand: one generated model per cell and per point."""
    width = SLIDE.width
    polygons = [
        Polygon(points=[Point(x=x / width, y=y / width) for x, y in list(cell.exterior.coords)[:-1]]) for cell in cells
    ]
    ours_style = from_shapely(SLIDE, {"cell": cells[:1]})[0].style
    item = PrimitiveItem(style=ours_style, polygons=polygons)
    content = ResultContent(type=ResultType.PRIMITIVES, content=[item])
    result = Result(
        slideId="slide-1", displayResult="300000 cells", applicationVersion="1.0", data=ResultData(result=content)
    )
    return orjson.dumps(result.to_dict())


def _label_mask() -> np.ndarray:
    rng = np.random.default_rng(7)
    mask = np.zeros((20_000, 20_000), dtype=np.uint8)
    for _ in range(6_000):
        x, y = rng.integers(0, 19_800, 2).tolist()
        w, h = rng.integers(20, 200, 2).tolist()
        mask[y : y + h, x : x + w] = rng.integers(1, 4)
        if w > 60 and h > 60:
            mask[y + h // 3 : y + h // 2, x + w // 3 : x + w // 2] = 0
    return mask


def run() -> list[dict[str, Any]]:
    """P9a (interleaved, ratio loop/ours) and P9b (time, peak RSS)."""
    cells = _cells()
    if json.loads(ours(cells)) != json.loads(loop(cells)):
        raise AssertionError("the geometry package and the per-object loop disagree")
    times = interleaved({"ours": lambda: ours(cells), "baseline": lambda: loop(cells)}, rounds=ROUNDS)
    row_a = compare(
        "P9a 300k cell polygons -> result body, geometry vs per-object generated loop",
        times,
        target=TARGET,
        target_text=f">= {TARGET}x and < 5 s",
        ours_under_5s=statistics.median(times["ours"]) < 5.0,
    )
    row_a["met"] = bool(row_a["met"] and row_a["ours_under_5s"])
    cells.clear()  # free the polygons before the mask process starts
    code = "import json, bench.p9_geometry as m; print(json.dumps(m.mask_part()))"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=1200)
    return [row_a, json.loads(done.stdout.strip().splitlines()[-1])]


def mask_part() -> dict[str, Any]:
    """P9b, meant for a fresh process: the mask is built, then ``from_mask`` + ``to_result`` timed."""
    rss_start = peak_rss_mib()
    mask = _label_mask()
    rss_before = peak_rss_mib()
    started = time.perf_counter()
    content = from_mask(SLIDE, mask)
    body = to_result("slide-1", content).to_bytes()
    elapsed = time.perf_counter() - started
    peak = peak_rss_mib()
    return {
        "metric": "P9b from_mask 20,000 x 20,000 label mask -> result body (own process; ratio: 5 s / time)",
        "ours": elapsed,
        "baseline": None,
        "unit": "s",
        "ratio": None,
        "target": None,
        "met": None,
        "polygons": sum(len(batch.polygons) for batch in content),
        "body_mib": round(len(body) / 2**20, 1),
        "peak_rss_mib": round(peak, 1),
        "peak_rss_after_imports_mib": round(rss_start, 1),
        "peak_rss_with_mask_mib": round(rss_before, 1),
        "peak_rss_of_from_mask_mib": round(peak - rss_before, 1),
    }


if __name__ == "__main__":
    for row in run():
        print(row)
