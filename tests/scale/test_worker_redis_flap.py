"""A worker that cannot run a job it took hands it back rather than drop it.

Redis away just as the worker took the job: it waits for Redis, then requeues. A worker whose
DPAT_JOB_KEY is not the receiver's: it logs the error and requeues.

Before, either raised out of the task: Celery logged a failure and acknowledged the message (the
job lost, its placeholder "Analysis queued" for ever). The worker side runs in this process on a
message taken from a queue no worker reads.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import redis
from celery.exceptions import Reject
from cryptography.fernet import Fernet

from sectra_dpat_client.app import BackgroundServer
from sectra_dpat_client.app.backends.celery_backend import CeleryBackend
from sectra_dpat_client.app.backends.settings import CelerySettings

from .conftest import Stack, make_stack
from .scale_app import build_app
from .test_outage_and_tokens import _FakeTask, _queued_message


@pytest.fixture
def bare(tmp_path: Path) -> Iterator[Stack]:
    yield from make_stack(tmp_path, slides=1, workers=0)


def _queued(bare: Stack) -> tuple[CelerySettings, dict[str, Any], int]:
    settings = CelerySettings(
        broker_url=bare.settings.broker_url, job_key=bare.settings.job_key, queue=bare.settings.queue + "-idle"
    )
    with BackgroundServer(build_app(CeleryBackend(settings), bare.dpat.app_id)) as server:
        payload = bare.dpat.driver.invocation(slide_id=bare.dpat.slide_ids[0], context={"steps": 1, "step_s": 0.01})
        answer = httpx.post(server.url, json=payload, timeout=10)
    assert answer.status_code == 200, answer.text
    return settings, _queued_message(redis.Redis.from_url(settings.broker_url), settings.queue), answer.json()["id"]


def _flaky(worker: CeleryBackend, monkeypatch: pytest.MonkeyPatch, failures: int) -> list[float]:
    """The worker's first ``failures`` job-record reads fail as if Redis were gone."""
    real = worker._redis.hgetall
    calls: list[float] = []

    def hgetall(key: str) -> Any:
        calls.append(time.monotonic())
        if len(calls) <= failures:
            raise redis.ConnectionError("Error 111 connecting to 127.0.0.1. Connection refused.")
        return real(key)

    monkeypatch.setattr(worker._redis, "hgetall", hgetall)
    return calls


def test_worker_waits_for_redis_then_runs_the_job(bare: Stack, monkeypatch: pytest.MonkeyPatch) -> None:
    settings, message, result_id = _queued(bare)
    worker = CeleryBackend(settings)
    build_app(worker, bare.dpat.app_id)
    calls = _flaky(worker, monkeypatch, failures=3)
    worker._run_task(_FakeTask(), message)
    assert len(calls) >= 4
    assert str(bare.dpat.result(result_id)["displayResult"]).startswith("done by pid")
    assert worker.job_record(message["job_id"])["state"] == "done"


def test_worker_hands_the_job_back_when_redis_stays_away(bare: Stack, monkeypatch: pytest.MonkeyPatch) -> None:
    settings, message, result_id = _queued(bare)
    worker = CeleryBackend(settings)
    build_app(worker, bare.dpat.app_id)
    monkeypatch.setattr(worker, "BROKER_WAIT", 0.5)
    _flaky(worker, monkeypatch, failures=10**6)
    with pytest.raises(Reject) as caught:
        worker._run_task(_FakeTask(), message)
    assert caught.value.requeue
    assert bare.dpat.result(result_id)["displayResult"] == "Analysis queued"  # not run, not marked failed
    assert CeleryBackend(settings).job_record(message["job_id"])["state"] == "queued"  # (the worker's Redis is "down")


def test_worker_with_another_job_key_hands_the_job_back(
    bare: Stack, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """A misconfigured worker (DPAT_JOB_KEY not the receiver's) must not eat jobs: it requeues them, loudly."""
    settings, message, result_id = _queued(bare)
    other = CelerySettings(broker_url=settings.broker_url, job_key=Fernet.generate_key().decode(), queue=settings.queue)
    worker = CeleryBackend(other)
    build_app(worker, bare.dpat.app_id)
    monkeypatch.setattr(worker, "REQUEUE_PAUSE", 0.0)
    with caplog.at_level(logging.ERROR, logger="sectra_dpat_client.app.celery"), pytest.raises(Reject) as caught:
        worker._run_task(_FakeTask(), message)
    assert caught.value.requeue
    assert "does not open with this DPAT_JOB_KEY" in caplog.text
    assert bare.dpat.result(result_id)["displayResult"] == "Analysis queued"
    assert worker.job_record(message["job_id"])["state"] == "queued"
    right = CeleryBackend(settings)  # a worker with the right key runs it
    build_app(right, bare.dpat.app_id)
    right._run_task(_FakeTask(), message)
    assert str(bare.dpat.result(result_id)["displayResult"]).startswith("done by pid")
