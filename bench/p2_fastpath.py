"""P2: build and serialize a primitive result at 10k / 100k / 1M points: fast path vs the generated models.

At each size both start from the same numpy arrays of 1,000 ``(x, y)`` points each (10, 100, 1,000 polygons):

* baseline: generated attrs objects (``Polygon(points=[Point(...)])``, ``PrimitiveItem``, ``ResultContent``,
  ``Result``), ``to_dict()`` and ``orjson.dumps`` (the stronger of the two serialisers; stdlib ``json`` with
  the separators httpx uses for ``json=`` is reported beside it);
* ours: ``fast_primitive_result(...).to_bytes()`` (orjson over the arrays, no per-point object).

The outputs are checked to decode to the same JSON. The three run interleaved round by round (order
rotating), 5 rounds after a warm-up. Target: >= 10x faster than to_dict + orjson at the median.
"""

from __future__ import annotations

import json
import os
from typing import Any

import numpy as np
import numpy.typing as npt
import orjson

from bench._common import compare, interleaved, peak_rss_mib
from sectra_dpat_client.ai import (
    Point,
    Polygon,
    PrimitiveBatch,
    PrimitiveItem,
    Result,
    ResultContent,
    ResultData,
    ResultType,
    Style,
    fast_primitive_result,
)

POINTS = 1000
SIZES = (10_000, 100_000, 1_000_000)
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "5"))
TARGET = 10.0


def _arrays(total_points: int) -> list[npt.NDArray[np.float64]]:
    rng = np.random.default_rng(2026)
    return list(rng.uniform(0, 100_000, size=(total_points // POINTS, POINTS, 2)))


def _generated_result(arrays: list[npt.NDArray[np.float64]]) -> dict[str, Any]:
    polygons = [Polygon(points=[Point(x=x, y=y) for x, y in array.tolist()]) for array in arrays]
    item = PrimitiveItem(style=Style(strokeStyle="#00ff00"), polygons=polygons)
    content = ResultContent(type=ResultType.PRIMITIVES, content=[item])
    result = Result(slideId="slide-1", displayResult="cells", applicationVersion="1.0", data=ResultData(result=content))
    return result.to_dict()


def generated_orjson(arrays: list[npt.NDArray[np.float64]]) -> bytes:
    """The generated models, serialised with orjson (the strong baseline)."""
    return orjson.dumps(_generated_result(arrays))


def generated_json(arrays: list[npt.NDArray[np.float64]]) -> bytes:
    """The generated models as the generated endpoint functions send a body (httpx ``json=``)."""
    body = _generated_result(arrays)
    return json.dumps(body, ensure_ascii=False, separators=(",", ":"), allow_nan=False).encode()


def fast_bytes(arrays: list[npt.NDArray[np.float64]]) -> bytes:
    """The fast path from the same arrays."""
    batch = PrimitiveBatch(polygons=arrays, style=Style(strokeStyle="#00ff00"))
    payload = fast_primitive_result("slide-1", batch, display_result="cells", application_version="1.0")
    return payload.to_bytes()


def _one_size(points: int) -> dict[str, Any]:
    arrays = _arrays(points)
    expected = json.loads(fast_bytes(arrays))
    if expected != json.loads(generated_orjson(arrays)) or expected != json.loads(generated_json(arrays)):
        raise AssertionError("the fast path and the generated models disagree")
    times = interleaved(
        {
            "ours": lambda: fast_bytes(arrays),
            "baseline": lambda: generated_orjson(arrays),
            "json": lambda: generated_json(arrays),
        },
        rounds=ROUNDS,
    )
    vs_json = compare("", times, target=TARGET, baseline="json")
    return compare(
        f"P2 build+serialize {points:,}-point result, fast path vs generated to_dict+orjson",
        times,
        target=TARGET,
        points=points,
        body_mib=round(len(fast_bytes(arrays)) / 2**20, 2),
        per_point_ns_ours=round(vs_json["ours"] / points * 1e9, 1),
        vs_to_dict_json_ratio=round(vs_json["ratio"], 2),
        vs_to_dict_json_min_max=[round(vs_json["ratio_min"], 2), round(vs_json["ratio_max"], 2)],
        peak_rss_mib=round(peak_rss_mib(), 1),
    )


def run() -> list[dict[str, Any]]:
    """One row per size; ratio = generated+orjson time / fast-path time, per round."""
    return [_one_size(points) for points in SIZES]


if __name__ == "__main__":
    for row in run():
        print(
            f"{row['metric']}: {row['ours'] * 1000:.1f} ms vs {row['baseline'] * 1000:.1f} ms, "
            f"{row['ratio']:.1f}x ({row['ratio_min']:.1f} - {row['ratio_max']:.1f}); "
            f"vs to_dict+json {row['vs_to_dict_json_ratio']}x"
        )
