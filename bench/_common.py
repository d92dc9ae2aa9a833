"""Helpers shared by the benchmarks: warm-up, median of repeated runs, ratios, peak memory."""

from __future__ import annotations

import gc
import resource
import statistics
import sys
import time
from collections.abc import Callable
from typing import Any

__all__ = ["RUNS", "WARMUP", "median_seconds", "peak_rss_mib", "report"]

RUNS = 5
WARMUP = 1


def median_seconds(fn: Callable[[], Any], *, runs: int = RUNS, warmup: int = WARMUP) -> float:
    """Median wall time of ``runs`` calls of ``fn`` after ``warmup`` untimed calls."""
    for _ in range(warmup):
        fn()
    times = []
    for _ in range(runs):
        gc.collect()
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def peak_rss_mib() -> float:
    """Peak resident memory of this process so far, in MiB."""
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / (1024 * 1024) if sys.platform == "darwin" else peak / 1024


def report(
    metric: str, *, ours: float, baseline: float, unit: str, higher_is_better: bool, target: float, **extra: Any
) -> dict[str, Any]:
    """One benchmark row: ``ratio`` > 1 means ours is better than the baseline by that factor."""
    ratio = ours / baseline if higher_is_better else baseline / ours
    return {
        "metric": metric,
        "ours": ours,
        "baseline": baseline,
        "unit": unit,
        "ratio": ratio,
        "target": target,
        "met": ratio >= target,
        **extra,
    }
