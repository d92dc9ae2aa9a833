"""A DPAT simulator in a child process for the client benchmarks, so server work does not share our GIL.

``python -m bench._simulator [--latency SECONDS]`` prints one JSON line (url, token, app id, slide id) and
serves until its stdin closes.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class Served:
    """Where the child simulator listens and what it accepts."""

    url: str
    token: str
    app_id: str
    slide_id: str


@contextmanager
def simulator_process(latency: float = 0.0) -> Iterator[Served]:
    """Start the simulator in a child process; stop it on exit."""
    command = [sys.executable, "-m", "bench._simulator", "--latency", str(latency)]
    child = subprocess.Popen(command, cwd=ROOT, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert child.stdout is not None
        line = child.stdout.readline()
        if not line:
            raise RuntimeError("the simulator process did not start")
        yield Served(**json.loads(line))
    finally:
        if child.stdin is not None:
            child.stdin.close()
        try:
            child.wait(timeout=10)
        except subprocess.TimeoutExpired:
            child.kill()
            child.wait(timeout=10)


def _serve(latency: float) -> None:
    from sectra_dpat_client.simulator import DPATSimulator

    with DPATSimulator(slides=1) as dpat:
        if latency > 0:
            dpat.faults.latency("getImageInfo", latency)
        slide_id = dpat.slide_ids[0]
        print(
            json.dumps({"url": dpat.url, "token": dpat.token, "app_id": dpat.app_id, "slide_id": slide_id}), flush=True
        )
        sys.stdin.read()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--latency", type=float, default=0.0)
    _serve(parser.parse_args().latency)
