"""Redis fails between the receiver's ping and the enqueue: one clear 503, and no second result later."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from .conftest import Stack, make_stack


@pytest.fixture
def stack(tmp_path: Path) -> Iterator[Stack]:
    yield from make_stack(tmp_path, slides=2, workers=1)


def _done(stack: Stack, result_id: int) -> bool:
    return str(stack.dpat.result(result_id)["displayResult"]).startswith("done by pid")


@pytest.mark.parametrize("lost_before", ["job record", "publish"])
def test_redis_lost_between_ping_and_enqueue(stack: Stack, monkeypatch: pytest.MonkeyPatch, lost_before: str) -> None:
    """Redis goes after the ping: before the job record is written, or after it and before the publish."""
    client = stack.backend._redis
    real_ping = client.ping
    real_publish = stack.backend.task.apply_async

    def ping_then_lose_redis() -> object:
        answer = real_ping()
        stack.redis.stop()  # gone after the ping said it was there
        return answer

    def lose_redis_then_publish(*args: object, **kwargs: object) -> object:
        stack.redis.stop()
        return real_publish(*args, **kwargs)

    if lost_before == "job record":
        monkeypatch.setattr(client, "ping", ping_then_lose_redis)
    else:
        monkeypatch.setattr(stack.backend.task, "apply_async", lose_redis_then_publish)
    slide = stack.dpat.slide_ids[0]
    payload = stack.dpat.driver.invocation(slide_id=slide, context={"steps": 1, "step_s": 0.02})
    started = time.monotonic()
    refused = httpx.post(stack.url, json=payload, timeout=30)
    print(f"503 after Redis was lost before the {lost_before}: {1000 * (time.monotonic() - started):.0f} ms")
    assert refused.status_code == 503, refused.text
    assert refused.headers["Retry-After"] == str(stack.settings.retry_after)
    assert "queue is unavailable" in refused.text
    shown = [r["displayResult"] for r in stack.results_of(slide)]
    assert shown == ["Analysis not queued (DPAT will retry)"], shown

    monkeypatch.setattr(client, "ping", real_ping)
    monkeypatch.setattr(stack.backend.task, "apply_async", real_publish)
    stack.redis.start()
    payload["callbackInfo"]["token"] = stack.dpat.issue_token(3600)  # DPAT retries with a fresh token
    retried = httpx.post(stack.url, json=payload, timeout=30)
    assert retried.status_code == 200, retried.text
    stack.wait_for(lambda: _done(stack, retried.json()["id"]), 60, "the retried job")
    results = stack.results_of(slide)
    assert len(results) == 1, [r["displayResult"] for r in results]  # the retry reused the placeholder
    assert results[0]["id"] == retried.json()["id"]
