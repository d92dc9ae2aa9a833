"""Nothing secret in Celery's logs, messages or events: a real DEBUG worker and the receiver's own log.

The callback token, its sealed form, the Redis password (in DPAT_BROKER_URL) and DPAT_JOB_KEY never
appear in the worker's output or the receiver's log records, and the Celery message (what events
and "Task received" lines are made of) carries the job id only.
"""

from __future__ import annotations

import base64
import json
import logging
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import redis

from sectra_dpat_client.app import BackgroundServer
from sectra_dpat_client.app.backends import celery_backend
from sectra_dpat_client.app.backends.celery_backend import CeleryBackend
from sectra_dpat_client.app.backends.settings import CelerySettings

from .conftest import Stack, make_stack
from .scale_app import build_app


@pytest.fixture
def stack(tmp_path: Path) -> Iterator[Stack]:
    yield from make_stack(tmp_path, slides=4, workers=1, worker_loglevel="DEBUG")


@pytest.fixture
def bare(tmp_path: Path) -> Iterator[Stack]:
    """Redis and the simulator, no worker processes."""
    yield from make_stack(tmp_path, slides=2, workers=0)


def _done(stack: Stack, result_id: int) -> bool:
    return str(stack.dpat.result(result_id)["displayResult"]).startswith("done by pid")


class _SealRecorder:
    """Wraps the receiver's Fernet: every sealed token it makes is remembered."""

    def __init__(self, fernet: Any) -> None:
        self._fernet = fernet
        self.sealed: list[str] = []

    def encrypt(self, data: bytes) -> bytes:
        sealed: bytes = self._fernet.encrypt(data)
        self.sealed.append(sealed.decode("ascii"))
        return sealed

    def decrypt(self, data: bytes) -> bytes:
        opened: bytes = self._fernet.decrypt(data)
        return opened


def _secrets(stack: Stack, tokens: list[str], seals: _SealRecorder) -> dict[str, str]:
    found = {f"callback token {i}": token for i, token in enumerate(tokens)}
    found.update({f"sealed token {i}": sealed for i, sealed in enumerate(seals.sealed)})
    found["Redis password"] = stack.redis.password
    found["job key"] = stack.settings.job_key
    return found


def test_worker_and_receiver_logs_hold_no_secret(
    stack: Stack, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    seals = _SealRecorder(stack.backend._fernet)
    monkeypatch.setattr(stack.backend, "_fernet", seals)
    caplog.set_level(logging.DEBUG)
    tokens: list[str] = []
    slides = stack.dpat.slide_ids

    def send(slide: str, context: dict[str, Any], cancellation_token: str) -> int:
        token = stack.dpat.issue_token(3600)
        tokens.append(token)
        payload = stack.dpat.driver.invocation(slide_id=slide, context=context, cancellation_token=cancellation_token)
        payload["callbackInfo"]["token"] = token
        answer = httpx.post(stack.url, json=payload, timeout=10)
        assert answer.status_code == 200, answer.text
        return int(answer.json()["id"])

    finished = send(slides[0], {"steps": 2, "step_s": 0.05}, "secrets-finished")
    stack.wait_for(lambda: _done(stack, finished), 30, "the job")
    cancelled = send(slides[1], {"steps": 200, "step_s": 0.05}, "secrets-cancelled")
    stack.wait_for(lambda: "step" in stack.dpat.result(cancelled)["displayResult"], 30, "the job to run")
    assert stack.invoke(slides[1], action="cancel", cancellation_token="secrets-cancelled").status_code == 200
    stack.wait_for(lambda: stack.dpat.result(cancelled)["displayResult"] == "Analysis cancelled", 15, "the cancel")
    stack.workers.stop()  # every line written (the worker logs its shutdown too)

    assert len(seals.sealed) == 2
    worker_log = stack.workers.logs()
    assert "TaskPool: Apply" in worker_log  # the DEBUG lines are there to be checked
    assert "cancel seen by the worker" in worker_log
    receiver_log = "\n".join(
        f"{record.getMessage()} {record.exc_text or ''} {getattr(record, 'data', '')}" for record in caplog.records
    )
    assert "invocation queued" in receiver_log
    for what, secret in _secrets(stack, tokens, seals).items():
        assert secret not in worker_log, f"the {what} is in the worker's log"
        assert secret not in receiver_log, f"the {what} is in the receiver's log"
    assert "callbackInfo" not in worker_log  # the invocation itself is not logged, only ids
    client = redis.Redis.from_url(stack.settings.broker_url, decode_responses=True)
    records = [client.hgetall(key) for key in client.scan_iter("dpat:job:*")]
    assert sorted(r["state"] for r in records) == ["cancelled", "done"]
    for record in records:  # a finished job's invocation and sealed token leave Redis
        assert not {"payload", "sealed_token", "placeholder"} & set(record), record
    assert list(client.scan_iter("celery-task-meta-*")) == []  # no Celery results stored
    assert stack.backend.celery.conf.task_ignore_result
    assert not stack.backend.celery.conf.worker_send_task_events


def _raw_message(client: redis.Redis, queue: str) -> dict[str, Any]:
    raw = client.lpop(queue)
    assert raw is not None, "nothing queued"
    envelope: dict[str, Any] = json.loads(raw)
    return envelope


def test_the_celery_message_and_its_reprs_carry_the_job_id_only(bare: Stack) -> None:
    """Events and the worker's log lines show the message's argsrepr/kwargsrepr: the job id only."""
    settings = CelerySettings(
        broker_url=bare.settings.broker_url, job_key=bare.settings.job_key, queue=bare.settings.queue + "-idle"
    )
    receiver = CeleryBackend(settings)
    token = bare.dpat.issue_token(3600)
    with BackgroundServer(build_app(receiver, bare.dpat.app_id)) as server:
        payload = bare.dpat.driver.invocation(slide_id=bare.dpat.slide_ids[0])
        payload["callbackInfo"]["token"] = token
        assert httpx.post(server.url, json=payload, timeout=10).status_code == 200
    envelope = _raw_message(redis.Redis.from_url(settings.broker_url), settings.queue)
    job_id = envelope["headers"]["id"]
    assert envelope["headers"]["argsrepr"] == f"(job {job_id})"
    assert envelope["headers"]["kwargsrepr"] == "{}"
    args, kwargs, _embed = json.loads(base64.b64decode(envelope["body"]))
    assert (args, kwargs) == ([{"v": 2, "job_id": job_id}], {})
    text = json.dumps(envelope) + base64.b64decode(envelope["body"]).decode()
    assert bare.dpat.slide_ids[0] not in text
    assert "callbackInfo" not in text
    assert token not in text
    record = receiver.job_record(job_id)
    assert token not in json.dumps(record)  # the job waits in its record, its token sealed


PASSWORD = "s3cret-redis-pw"


@pytest.mark.parametrize(
    "error",
    [
        redis.ConnectionError(f"Error connecting to redis://:{PASSWORD}@127.0.0.1:6379/0: refused"),
        redis.AuthenticationError(f"AUTH {PASSWORD} failed"),
        OSError(f"kombu: redis://user:{PASSWORD}@host/0 unreachable"),
    ],
    ids=["url", "bare password", "user and password"],
)
def test_describe_masks_broker_credentials(error: Exception) -> None:
    shown = celery_backend._describe(error, PASSWORD)
    assert PASSWORD not in shown
    assert shown.startswith(type(error).__name__ + ": ")
    assert PASSWORD not in celery_backend._describe(
        OSError(f"redis://:{PASSWORD}@h/0")
    )  # URL credentials without the hint


@pytest.mark.parametrize("fails", ["enqueue", "publish"])
def test_queue_error_is_logged_without_the_broker_password(
    bare: Stack, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture, fails: str
) -> None:
    """The broker's error text names its URL with the password: the log line keeps neither."""
    password = bare.redis.password
    url = bare.settings.broker_url

    def refuse(*_: object, **__: object) -> None:
        raise redis.ConnectionError(f"Error 111 connecting to {url}. Connection refused (auth {password}).")

    if fails == "enqueue":  # the job record's write
        monkeypatch.setattr(bare.backend, "_enqueue", refuse)
    else:  # kombu's publish, after the record was written
        monkeypatch.setattr(bare.backend.task, "apply_async", refuse)
    caplog.set_level(logging.DEBUG)
    answer = bare.invoke(bare.dpat.slide_ids[0])
    assert answer.status_code == 503, answer.text
    assert "could not queue the job (" in caplog.text
    assert "Error 111 connecting to redis://***@127.0.0.1" in caplog.text
    assert password not in caplog.text
    assert password not in answer.text
