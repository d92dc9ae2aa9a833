"""The Celery backend with real redis-server, real `sectra-dpat worker` processes and the simulator."""

from __future__ import annotations

import os
import re
import signal
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import pytest

from .conftest import Stack, make_stack


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    yield from make_stack(tmp_path_factory.mktemp("workers"), slides=220, workers=3)


SHORT = {"steps": 1, "step_s": 0.02}


def _done(stack: Stack, result_id: int) -> bool:
    return str(stack.dpat.result(result_id)["displayResult"]).startswith("done by pid")


def test_one_invocation_runs_on_a_worker(stack: Stack) -> None:
    slide = stack.dpat.slide_ids[0]
    answer = stack.invoke(slide)
    assert answer.status_code == 200, answer.text
    placeholder = answer.json()
    assert placeholder["displayResult"] == "Analysis queued"
    stack.wait_for(lambda: _done(stack, placeholder["id"]), 30, "the job")
    final = stack.dpat.result(placeholder["id"])
    assert int(final["displayResult"].rsplit(" ", 1)[1]) != os.getpid()  # ran in a worker process
    assert len(stack.results_of(slide)) == 1


def test_200_invocations_over_3_workers(stack: Stack) -> None:
    slides = stack.dpat.slide_ids[10:210]
    with ThreadPoolExecutor(16) as pool:
        answers = list(pool.map(lambda slide: stack.invoke(slide, context=SHORT), slides))
    assert [a.status_code for a in answers] == [200] * 200
    ids = [a.json()["id"] for a in answers]
    stack.wait_for(lambda: all(_done(stack, i) for i in ids), 120, "200 jobs")
    for slide in slides:
        assert len(stack.results_of(slide)) == 1, slide
    pids = {stack.dpat.result(i)["displayResult"].rsplit(" ", 1)[1] for i in ids}
    assert len(pids) == 3, pids  # every worker took a share


def test_token_never_in_redis_in_plain_text(stack: Stack) -> None:
    import redis

    token = stack.dpat.issue_token(3600)
    slide = stack.dpat.slide_ids[1]
    payload = stack.dpat.driver.invocation(slide_id=slide, context={"steps": 30, "step_s": 0.05})
    payload["callbackInfo"]["token"] = token
    import httpx

    answer = httpx.post(stack.url, json=payload, timeout=10)
    assert answer.status_code == 200
    client = redis.Redis.from_url(stack.settings.broker_url)
    time.sleep(0.3)
    dump = b"".join(repr(client.dump(key)).encode() for key in client.scan_iter("*") if client.type(key) != b"none")
    assert token.encode() not in dump
    stack.wait_for(lambda: _done(stack, answer.json()["id"]), 30, "the job")
    assert token not in stack.workers.logs()


def _kill_mid_job(stack: Stack, slide: str) -> None:
    answer = stack.invoke(slide, context={"steps": 12, "step_s": 0.05})
    assert answer.status_code == 200, answer.text
    result_id = answer.json()["id"]
    seen: dict[str, int] = {}

    def running() -> bool:
        shown = stack.dpat.result(result_id)["displayResult"]
        match = re.match(r"Scale analysis running \(pid (\d+) step", shown)
        if match:
            seen["pid"] = int(match.group(1))
        return bool(match)

    stack.wait_for(running, 30, "the job to run")
    os.kill(seen["pid"], signal.SIGKILL)
    stack.wait_for(lambda: _done(stack, result_id), 60, "the redelivered job")
    assert stack.dpat.result(result_id)["displayResult"] != f"done by pid {seen['pid']}"
    assert len(stack.results_of(slide)) == 1


def test_sigkill_mid_job_10_times(stack: Stack) -> None:
    """The worker's pool process dies mid-job: the job is requeued, runs again, finishes once."""
    with ThreadPoolExecutor(2) as pool:
        list(pool.map(lambda slide: _kill_mid_job(stack, slide), stack.dpat.slide_ids[210:220]))


def test_cancel_running_and_queued(stack: Stack) -> None:
    slides = stack.dpat.slide_ids[2:6]
    long = {"steps": 100, "step_s": 0.05}
    token_running = "cancel-running"
    answers = [stack.invoke(slides[i], context=long, cancellation_token=f"{token_running}-{i}") for i in range(3)]
    queued = stack.invoke(slides[3], context=long, cancellation_token="cancel-queued")  # 3 workers busy
    ids = [a.json()["id"] for a in answers]
    stack.wait_for(lambda: all("step" in stack.dpat.result(i)["displayResult"] for i in ids), 30, "three running jobs")
    assert stack.invoke(slides[3], action="cancel", cancellation_token="cancel-queued").status_code == 200
    queued_id = queued.json()["id"]
    stack.wait_for(lambda: stack.dpat.result(queued_id)["displayResult"] == "Analysis cancelled", 10, "queued cancel")
    latencies = []
    for i in range(3):  # one running job at a time: cancel answered -> cancelled result stored
        started = time.monotonic()
        cancel = stack.invoke(slides[i], action="cancel", cancellation_token=f"{token_running}-{i}")
        assert cancel.status_code == 200
        stack.wait_for(lambda i=i: stack.dpat.result(ids[i])["displayResult"] == "Analysis cancelled", 10, "cancel")
        latencies.append(time.monotonic() - started)
    shown = ", ".join(f"{1000 * t:.0f}" for t in latencies)
    print(f"cancel latency of a running job (cancel sent -> 'Analysis cancelled' stored), ms: {shown}")
    time.sleep(1.5)  # the workers are free now: the cancelled queued job must never start
    assert stack.dpat.result(queued_id)["displayResult"] == "Analysis cancelled"


def test_receiver_restart_loses_nothing(stack: Stack) -> None:
    slides = stack.dpat.slide_ids[6:10]
    first = [stack.invoke(s, context={"steps": 6, "step_s": 0.05}).json()["id"] for s in slides[:2]]
    stack.restart_receiver()
    second = [stack.invoke(s).json()["id"] for s in slides[2:]]
    stack.wait_for(lambda: all(_done(stack, i) for i in first + second), 60, "jobs across the restart")
    for slide in slides:
        assert len(stack.results_of(slide)) == 1


def test_replayed_invocation_is_answered_like_the_first_without_a_second_job(stack: Stack) -> None:
    slide = stack.dpat.add_slide()  # a slide of its own: results are counted per slide
    payload = stack.dpat.driver.invocation(slide_id=slide, context=SHORT)
    import httpx

    first = httpx.post(stack.url, json=payload, timeout=10)
    assert first.status_code == 200, first.text
    with ThreadPoolExecutor(2) as pool:  # two replays, one of them while the first may still be queued
        replays = list(pool.map(lambda _: httpx.post(stack.url, json=payload, timeout=10), range(2)))
    assert [r.status_code for r in replays] == [200, 200]
    assert {r.json()["id"] for r in replays} == {first.json()["id"]}
    stack.wait_for(lambda: _done(stack, first.json()["id"]), 30, "the job")
    assert len(stack.results_of(slide)) == 1
