"""bench/_common.py: the CPU time of another process is read from /proc, or the benchmark stops."""

from __future__ import annotations

import os
import subprocess
import sys
import time

import pytest

from bench._common import process_cpu_seconds


def test_cpu_seconds_of_a_live_process_grow_with_its_work() -> None:
    child = subprocess.Popen(
        [sys.executable, "-c", "import sys; sum(range(30_000_000)); sys.stdin.read()"], stdin=subprocess.PIPE
    )
    try:
        before = process_cpu_seconds(child.pid)
        assert before >= 0.0
        for _ in range(200):
            if process_cpu_seconds(child.pid) > before:
                break
            time.sleep(0.05)
        assert process_cpu_seconds(child.pid) > before
        assert process_cpu_seconds(os.getpid()) > 0.0
    finally:
        assert child.stdin is not None
        child.stdin.close()
        child.wait(timeout=30)


def test_a_process_that_is_gone_is_an_error_not_zero() -> None:
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait(timeout=30)  # reaped: /proc/<pid> no longer exists
    with pytest.raises(RuntimeError, match=f"process {child.pid}"):
        process_cpu_seconds(child.pid)
