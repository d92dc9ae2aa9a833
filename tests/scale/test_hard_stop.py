"""The hard stop after DPAT_CANCEL_GRACE also stops a sync (blocking) handler that ignores cancellation.

Real redis-server and `sectra-dpat worker` processes (prefork, one child each) run a sync create
handler that never looks at ``ctx.cancelled``: in Python code (a loop of short sleeps) or in one
long C call (``time.sleep``). After a cancel the placeholder shows "Analysis cancelled", the job
record says cancelled, the handler does not finish later, and the worker takes the next job.
"""

from __future__ import annotations

import hashlib
import re
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from .conftest import Stack, make_stack

LONG = 120.0  # seconds the handler would block: far beyond every wait below


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    yield from make_stack(tmp_path_factory.mktemp("blocking"), slides=8, workers=1, worker_env={"SCALE_BLOCKING": "1"})


def _job_id(stack: Stack, cancellation_token: str) -> str:
    import redis

    client = redis.Redis.from_url(stack.settings.broker_url, decode_responses=True)
    key = "dpat:ct:" + hashlib.sha256(cancellation_token.encode()).hexdigest()
    (job_id,) = client.smembers(key)
    return str(job_id)


def _cancel_blocking(stack: Stack, slide: str, block: str) -> float:
    token = f"hard-stop-{block}"
    context = {"block_loop_s": LONG} if block == "event loop" else {"block_s": LONG, "block": block}
    answer = stack.invoke(slide, context=context, cancellation_token=token)
    assert answer.status_code == 200, answer.text
    result_id = answer.json()["id"]
    job_id = _job_id(stack, token)
    stack.wait_for(
        lambda: str(stack.dpat.result(result_id)["displayResult"]).startswith("Blocking analysis running"),
        30,
        "the job to run",
    )
    match = re.search(r"pid (\d+) tid (\d+)", stack.dpat.result(result_id)["displayResult"])
    assert match is not None
    handler_thread = Path(f"/proc/{match.group(1)}/task/{match.group(2)}")
    assert handler_thread.exists()
    started = time.monotonic()
    assert stack.invoke(slide, action="cancel", cancellation_token=token).status_code == 200
    stack.wait_for(lambda: stack.dpat.result(result_id)["displayResult"] == "Analysis cancelled", 20, "the hard stop")
    latency = time.monotonic() - started
    stack.wait_for(lambda: stack.backend.job_record(job_id).get("state") == "cancelled", 20, "the cancelled record")
    # The handler's thread is gone (it does not block on in the background for LONG seconds).
    stack.wait_for(lambda: not handler_thread.exists(), 20, "the blocking handler's thread to end")
    # The one worker is free again: a short job runs to the end while the cancelled one would still block.
    follow = stack.invoke(stack.dpat.add_slide(), context={"block_s": 0.05, "steps": 1, "step_s": 0.02})
    assert follow.status_code == 200, follow.text
    stack.wait_for(
        lambda: str(stack.dpat.result(follow.json()["id"])["displayResult"]).startswith("done by pid"),
        30,
        "the next job on the freed worker",
    )
    assert stack.dpat.result(result_id)["displayResult"] == "Analysis cancelled"
    assert len(stack.results_of(slide)) == 1
    return latency


@pytest.mark.parametrize("block", ["python", "c"])
def test_cancel_stops_a_blocking_sync_handler(stack: Stack, block: str) -> None:
    slide = stack.dpat.slide_ids[0 if block == "python" else 1]
    latency = _cancel_blocking(stack, slide, block)
    print(
        f"cancel latency of a blocking sync handler ({block}; grace {stack.settings.cancel_grace:.1f} s): "
        f"{1000 * latency:.0f} ms (cancel sent -> 'Analysis cancelled' stored)"
    )


@pytest.fixture
def threads_stack(tmp_path: Path) -> Iterator[Stack]:
    yield from make_stack(tmp_path, slides=2, workers=1, worker_pool="threads", worker_env={"SCALE_BLOCKING": "1"})


def test_cancel_stops_a_blocking_sync_handler_in_a_threads_pool(threads_stack: Stack) -> None:
    """No process to end there: the cancel is raised in the handler's thread (Python code, not a C call)."""
    latency = _cancel_blocking(threads_stack, threads_stack.dpat.slide_ids[0], "python")
    print(f"cancel latency of a blocking sync handler (python, threads pool): {1000 * latency:.0f} ms")


@pytest.fixture
def async_stack(tmp_path: Path) -> Iterator[Stack]:
    yield from make_stack(tmp_path, slides=2, workers=1)


def test_cancel_stops_an_async_handler_that_blocks_its_loop(async_stack: Stack) -> None:
    """Cancelling the task cannot help (the loop never runs): the pool process ends and the requeued copy shows it."""
    latency = _cancel_blocking(async_stack, async_stack.dpat.slide_ids[0], "event loop")
    print(f"cancel latency of an async handler blocking its loop (prefork): {1000 * latency:.0f} ms")
