"""Per-worker concurrency in each pool: one worker process runs ``-c 3`` jobs at the same time.

threads (the GPU choice: one process, the model loaded once, CUDA never forked) and prefork (CPU
work): three long jobs sent to one worker are all running at once, then each finishes once.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from .conftest import Stack, make_stack


@pytest.fixture(params=["threads", "prefork"])
def pool(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def stack(tmp_path: Path, pool: str) -> Iterator[Stack]:
    yield from make_stack(tmp_path, slides=3, workers=1, worker_pool=pool, worker_concurrency=3)


def test_one_worker_runs_its_concurrency_of_jobs_at_once(stack: Stack, pool: str) -> None:
    answers = [stack.invoke(slide, context={"steps": 30, "step_s": 0.1}) for slide in stack.dpat.slide_ids]
    assert [a.status_code for a in answers] == [200] * 3
    ids = [a.json()["id"] for a in answers]

    def shown(result_id: int) -> str:
        return str(stack.dpat.result(result_id)["displayResult"])

    stack.wait_for(lambda: all(" step " in shown(i) for i in ids), 20, "three jobs running at once")
    pids = {re.findall(r"pid (\d+)", shown(i))[0] for i in ids}
    assert len(pids) == (1 if pool == "threads" else 3), pids  # threads: one process; prefork: a child each
    stack.wait_for(lambda: all(shown(i).startswith("done by pid") for i in ids), 30, "the three jobs")
    for slide in stack.dpat.slide_ids:
        assert len(stack.results_of(slide)) == 1
