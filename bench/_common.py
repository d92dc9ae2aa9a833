"""Helpers shared by the benchmarks: interleaved rounds, min/median/max, paired ratios, peak memory.

Every benchmark measures ours and its baseline in the same process, alternating round by round (the order
rotates each round, so a burst of load on this shared machine lands on both sides), and reports the ratio
of each round's pair: its median is the headline, min and max show the spread.
"""

from __future__ import annotations

import gc
import os
import resource
import statistics
import sys
import time
from collections.abc import Callable, Mapping, Sequence
from typing import Any

__all__ = [
    "RUNS",
    "WARMUP",
    "compare",
    "interleaved",
    "median_seconds",
    "paired_ratios",
    "peak_rss_mib",
    "proc_stat",
    "process_cpu_seconds",
    "report",
    "spread",
]

RUNS = 5
WARMUP = 1


def median_seconds(fn: Callable[[], Any], *, runs: int = RUNS, warmup: int = WARMUP) -> float:
    """Median wall time of ``runs`` calls of ``fn`` after ``warmup`` untimed calls (one side alone)."""
    for _ in range(warmup):
        fn()
    times = []
    for _ in range(runs):
        gc.collect()
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def interleaved(
    candidates: Mapping[str, Callable[[], Any]],
    *,
    rounds: int = RUNS,
    warmup: int = WARMUP,
    before_each: Callable[[], Any] | None = None,
) -> dict[str, list[float]]:
    """Wall seconds of every candidate in each of ``rounds`` rounds, after ``warmup`` untimed rounds.

    Within a round each candidate runs once; the order rotates every round so no candidate always
    follows another. ``before_each`` (untimed) runs before every call, e.g. to remove earlier output.
    """
    if rounds < 1:
        raise ValueError("rounds must be at least 1")
    names = list(candidates)
    times: dict[str, list[float]] = {name: [] for name in names}
    for round_number in range(warmup + rounds):
        shift = round_number % len(names)
        for name in names[shift:] + names[:shift]:
            if before_each is not None:
                before_each()
            gc.collect()
            start = time.perf_counter()
            candidates[name]()
            elapsed = time.perf_counter() - start
            if round_number >= warmup:
                times[name].append(elapsed)
    if before_each is not None:
        before_each()
    return times


def spread(values: Sequence[float]) -> dict[str, float]:
    """``{"min", "median", "max"}`` of ``values``."""
    return {"min": min(values), "median": statistics.median(values), "max": max(values)}


def proc_stat(pid: int | str) -> list[str] | None:
    """The fields of ``/proc/<pid>/stat`` after the command name (state first), or None if unreadable."""
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii") as stat:
            return stat.read().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return None


def process_cpu_seconds(pid: int) -> float:
    """User + system CPU seconds process ``pid`` (all its threads) has used so far.

    Raises `RuntimeError` where ``/proc/<pid>/stat`` is unreadable (the process is gone): a benchmark
    measuring a process it cannot see reports nothing rather than zero.
    """
    fields = proc_stat(pid)
    if fields is None:
        raise RuntimeError(f"cannot read the CPU time of process {pid}: /proc/{pid}/stat is unreadable")
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def paired_ratios(ours: Sequence[float], baseline: Sequence[float]) -> list[float]:
    """Per-round ``baseline / ours`` of two time series measured in the same rounds (> 1: ours is faster)."""
    return [b / o for o, b in zip(ours, baseline, strict=True)]


def compare(
    metric: str,
    times: Mapping[str, Sequence[float]],
    *,
    target: float,
    ours: str = "ours",
    baseline: str = "baseline",
    work: float | None = None,
    unit: str = "s",
    **extra: Any,
) -> dict[str, Any]:
    """A row from interleaved times: the ratio is the median of the per-round ratios (min/max beside it).

    Without ``work`` the row's values are seconds (lower is better). With ``work`` (items per run) they
    are throughputs, ``work / seconds``, in ``unit`` (e.g. ``"calls/s"``).
    """
    ratios = paired_ratios(times[ours], times[baseline])
    ours_s, base_s = spread(times[ours]), spread(times[baseline])
    if work is None:
        ours_value, base_value = ours_s["median"], base_s["median"]
    else:
        ours_value, base_value = work / ours_s["median"], work / base_s["median"]
    ratio = spread(ratios)
    return {
        "metric": metric,
        "ours": ours_value,
        "baseline": base_value,
        "unit": unit,
        "ratio": ratio["median"],
        "ratio_min": ratio["min"],
        "ratio_max": ratio["max"],
        "rounds": len(ratios),
        "ours_s": {k: round(v, 6) for k, v in ours_s.items()},
        "baseline_s": {k: round(v, 6) for k, v in base_s.items()},
        "target": target,
        "met": ratio["median"] >= target,
        **extra,
    }


def peak_rss_mib() -> float:
    """Peak resident memory of this process so far, in MiB.

    On Linux from ``VmHWM`` (the process's own memory: ``ru_maxrss`` keeps the parent's peak across
    fork + exec, so a benchmark child would report its parent's).
    """
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / (1024 * 1024) if sys.platform == "darwin" else peak / 1024


def report(
    metric: str, *, ours: float, baseline: float, unit: str, higher_is_better: bool, target: float, **extra: Any
) -> dict[str, Any]:
    """One benchmark row from two already-aggregated values: ``ratio`` > 1 means ours is better.

    Prefer `compare`, which keeps the per-round spread; pass ``ratio_min``/``ratio_max`` in ``extra``
    when the values come from interleaved rounds measured another way.
    """
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
