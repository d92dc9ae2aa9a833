"""Multi-GiB synthetic slide files stream over real HTTP while the process's memory stays flat."""

from __future__ import annotations

import hashlib
import threading
import tracemalloc
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest

from sectra_dpat_client.simulator import DPATSimulator, SlideFile, single_file, synthetic

GIB = 1024**3
# Memory budget for the whole process (client and server threads) while 2 GiB pass through it.
RSS_GROWTH_LIMIT = 256 * 1024**2
TRACED_PEAK_LIMIT = 64 * 1024**2

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="reads RSS from /proc"),
]


def _rss() -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    raise RuntimeError("no VmRSS line")


@contextmanager
def _memory_watch() -> Iterator[dict[str, int]]:
    """Samples RSS every 20 ms and traces Python allocations; yields the baseline and, after the block, the peaks."""
    stats = {"rss_start": _rss(), "rss_peak": 0, "traced_peak": 0}
    stop = threading.Event()

    def sample() -> None:
        while not stop.wait(0.02):
            stats["rss_peak"] = max(stats["rss_peak"], _rss())

    sampler = threading.Thread(target=sample, daemon=True)
    tracemalloc.start()
    sampler.start()
    try:
        yield stats
    finally:
        stop.set()
        sampler.join(timeout=5)
        stats["traced_peak"] = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        stats["rss_peak"] = max(stats["rss_peak"], _rss())


def test_two_gib_single_file_streams_with_flat_memory(sim: DPATSimulator) -> None:
    size = 2 * GIB + 12345
    slide_id = sim.add_slide(files=single_file("huge.svs", size))
    digest = hashlib.sha256()
    received = 0
    headers = {"Authorization": f"Bearer {sim.token}"}
    with (
        _memory_watch() as stats,
        httpx.Client(timeout=httpx.Timeout(60.0)) as client,
        client.stream("GET", f"{sim.url}/slides/{slide_id}/files", headers=headers) as response,
    ):
        assert response.status_code == 200
        assert int(response.headers["Content-Length"]) == size
        for chunk in response.iter_raw(1024 * 1024):
            digest.update(chunk)
            received += len(chunk)
    assert received == size
    assert stats["rss_peak"] - stats["rss_start"] < RSS_GROWTH_LIMIT, stats
    assert stats["traced_peak"] < TRACED_PEAK_LIMIT, stats
    assert digest.hexdigest() == synthetic.file_sha256(slide_id, sim.slide(slide_id).files[0])


def test_two_gib_multipart_streams_with_flat_memory(sim: DPATSimulator) -> None:
    files = (SlideFile("i0000,0000b.dcm", GIB), SlideFile("i0001,0000b.dcm", GIB + 7))
    slide_id = sim.add_slide(files=files)
    received = 0
    tail = b""
    headers = {"Authorization": f"Bearer {sim.token}"}
    with (
        _memory_watch() as stats,
        httpx.Client(timeout=httpx.Timeout(60.0)) as client,
        client.stream("GET", f"{sim.url}/slides/{slide_id}/files", headers=headers) as response,
    ):
        length = int(response.headers["Content-Length"])
        boundary = response.headers["Content-Type"].split("boundary=")[1]
        for chunk in response.iter_raw(1024 * 1024):
            received += len(chunk)
            tail = (tail + chunk)[-64:]
    assert received == length > 2 * GIB
    assert tail.endswith(f"\r\n--{boundary}--\r\n".encode())
    assert stats["rss_peak"] - stats["rss_start"] < RSS_GROWTH_LIMIT, stats
    assert stats["traced_peak"] < TRACED_PEAK_LIMIT, stats
