"""A whole worker lost mid-job (its main process and its pool process, SIGKILL, as when a machine dies).

Nothing acknowledges or requeues the message then: Redis hands it out again once it has been
unacknowledged for ``DPAT_VISIBILITY_TIMEOUT``, another worker runs the job, and the slide still has
one result.
"""

from __future__ import annotations

import os
import re
import signal
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from .conftest import Stack, make_stack

VISIBILITY_TIMEOUT = 3.0


@pytest.fixture
def stack(tmp_path: Path) -> Iterator[Stack]:
    yield from make_stack(tmp_path, slides=2, workers=2, visibility_timeout=VISIBILITY_TIMEOUT)


def _parent(pid: int) -> int:
    stat = Path(f"/proc/{pid}/stat").read_text(encoding="ascii")
    return int(stat.rsplit(")", 1)[1].split()[1])


def test_whole_worker_killed_mid_job_is_redelivered_and_finishes_once(stack: Stack) -> None:
    slide = stack.dpat.slide_ids[0]
    answer = stack.invoke(slide, context={"steps": 20, "step_s": 0.1})
    assert answer.status_code == 200, answer.text
    result_id = answer.json()["id"]
    seen: dict[str, int] = {}

    def running() -> bool:
        match = re.match(r"Scale analysis running \(pid (\d+) step", stack.dpat.result(result_id)["displayResult"])
        if match:
            seen["pid"] = int(match.group(1))
        return bool(match)

    stack.wait_for(running, 30, "the job to run")
    child = seen["pid"]
    main = _parent(child)
    assert main in {p.pid for p in stack.workers.processes}
    os.kill(main, signal.SIGKILL)
    os.kill(child, signal.SIGKILL)
    lost_at = time.monotonic()
    stack.wait_for(
        lambda: str(stack.dpat.result(result_id)["displayResult"]).startswith("done by pid"),
        VISIBILITY_TIMEOUT + 30,
        "the job, redelivered to the other worker",
    )
    print(f"job of a lost worker finished {time.monotonic() - lost_at:.1f} s after the loss")
    assert stack.dpat.result(result_id)["displayResult"] != f"done by pid {child}"
    assert len(stack.results_of(slide)) == 1
    follow = stack.invoke(stack.dpat.slide_ids[1], context={"steps": 1, "step_s": 0.02})  # the survivor goes on
    stack.wait_for(
        lambda: str(stack.dpat.result(follow.json()["id"])["displayResult"]).startswith("done by pid"), 30, "next job"
    )
