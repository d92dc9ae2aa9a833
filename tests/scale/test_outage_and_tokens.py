"""Redis stopped mid-run (503 + Retry-After, nothing lost), and jobs that outlive their callback token."""

from __future__ import annotations

import base64
import json
import logging
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import redis

from sectra_dpat_client.app import BackgroundServer
from sectra_dpat_client.app.backends.celery_backend import CeleryBackend
from sectra_dpat_client.app.backends.settings import CelerySettings

from .conftest import Stack, make_stack
from .scale_app import build_app


@pytest.fixture
def stack(tmp_path: Path) -> Iterator[Stack]:
    yield from make_stack(tmp_path, slides=40, workers=2, visibility_timeout=4.0)


@pytest.fixture
def bare(tmp_path: Path) -> Iterator[Stack]:
    """Redis and the simulator, no worker processes: the test runs the worker side itself."""
    yield from make_stack(tmp_path, slides=2, workers=0)


def _done(stack: Stack, result_id: int) -> bool:
    return str(stack.dpat.result(result_id)["displayResult"]).startswith("done by pid")


def test_redis_down_5_s_answers_503_and_loses_nothing(stack: Stack) -> None:
    accepted: dict[str, int] = {}
    refusals: list[httpx.Response] = []

    def send_all() -> None:
        for slide in stack.dpat.slide_ids:
            while True:  # DPAT retries a 503
                answer = stack.invoke(slide, context={"steps": 2, "step_s": 0.05})
                if answer.status_code == 200:
                    accepted[slide] = answer.json()["id"]
                    break
                assert answer.status_code == 503, answer.text
                refusals.append(answer)
                time.sleep(0.2)
            time.sleep(0.15)

    sender = threading.Thread(target=send_all)
    sender.start()
    time.sleep(1.5)
    stack.redis.stop()
    down_at = time.monotonic()
    time.sleep(5.0)
    stack.redis.start()
    print(f"redis was down {time.monotonic() - down_at:.1f} s")
    sender.join(120)
    assert not sender.is_alive()
    assert refusals, "no 503 while Redis was down"
    assert all(r.headers.get("Retry-After") == str(stack.settings.retry_after) for r in refusals)
    assert len(accepted) == len(stack.dpat.slide_ids)
    stack.wait_for(lambda: all(_done(stack, i) for i in accepted.values()), 90, "every job after the outage")
    for slide in accepted:  # a placeholder refused with 503 (Redis fell after the ping) is reused by the retry
        shown = [r["displayResult"] for r in stack.results_of(slide)]
        assert len(shown) == 1, shown
        assert shown[0].startswith("done by pid"), shown
    print(f"503s: {len(refusals)}")


class _FakeTask:
    def retry(self, countdown: float) -> Exception:
        return RuntimeError("retry")


def _queued_message(client: redis.Redis, queue: str) -> dict[str, Any]:
    raw = client.lpop(queue)
    assert raw is not None, "nothing queued"
    envelope = json.loads(raw)
    args, _kwargs, _embed = json.loads(base64.b64decode(envelope["body"]))
    message: dict[str, Any] = args[0]
    return message


@pytest.mark.parametrize("credentials", [False, True])
def test_job_older_than_its_token(bare: Stack, credentials: bool, caplog: pytest.LogCaptureFixture) -> None:
    """A job that waited longer than DPAT_TOKEN_MAX_AGE: credentials mode renews, else a visible failure."""
    values = {"queue": bare.settings.queue + "-idle", "token_max_age": 60.0}  # a queue no worker reads
    if credentials:
        values.update(username=bare.dpat.username, password=bare.dpat.password)
    settings = CelerySettings(broker_url=bare.settings.broker_url, job_key=bare.settings.job_key, **values)
    receiver = CeleryBackend(settings)
    with BackgroundServer(build_app(receiver, bare.dpat.app_id)) as server:
        token = bare.dpat.issue_token(3600)
        payload = bare.dpat.driver.invocation(slide_id=bare.dpat.slide_ids[0])
        payload["callbackInfo"]["token"] = token
        answer = httpx.post(server.url, json=payload, timeout=10)
    assert answer.status_code == 200, answer.text
    result_id = answer.json()["id"]
    message = _queued_message(redis.Redis.from_url(settings.broker_url), settings.queue)
    assert token not in json.dumps(message)
    if credentials:
        bare.dpat.revoke_token(token)  # it is too old anyway: the worker must not need it
    worker = CeleryBackend(settings, now=lambda: time.time() + 120)  # two minutes later
    build_app(worker, bare.dpat.app_id)
    with caplog.at_level(logging.INFO, logger="sectra_dpat_client.app.celery"):
        worker._run_task(_FakeTask(), message)
    shown = bare.dpat.result(result_id)["displayResult"]
    record = worker.job_record(message["job_id"])
    if credentials:
        assert shown.startswith("done by pid"), shown
        assert record["state"] == "done"
    else:
        assert shown == "Analysis failed: waited too long in the queue"
        assert record["state"] == "failed"
        assert "DPATTokenExpiredError" in caplog.text
    assert token not in caplog.text
