"""Redis fails between the receiver's ping and the enqueue: one clear 503, and no second result later."""

from __future__ import annotations

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


def test_redis_lost_between_ping_and_enqueue(stack: Stack, monkeypatch: pytest.MonkeyPatch) -> None:
    client = stack.backend._redis
    real_ping = client.ping

    def ping_then_lose_redis() -> object:
        answer = real_ping()
        stack.redis.stop()  # gone after the ping said it was there
        return answer

    monkeypatch.setattr(client, "ping", ping_then_lose_redis)
    slide = stack.dpat.slide_ids[0]
    payload = stack.dpat.driver.invocation(slide_id=slide, context={"steps": 1, "step_s": 0.02})
    refused = httpx.post(stack.url, json=payload, timeout=30)
    assert refused.status_code == 503, refused.text
    assert refused.headers["Retry-After"] == str(stack.settings.retry_after)
    assert "queue is unavailable" in refused.text
    shown = [r["displayResult"] for r in stack.results_of(slide)]
    assert shown == ["Analysis not queued (DPAT will retry)"], shown

    monkeypatch.setattr(client, "ping", real_ping)
    stack.redis.start()
    payload["callbackInfo"]["token"] = stack.dpat.issue_token(3600)  # DPAT retries with a fresh token
    retried = httpx.post(stack.url, json=payload, timeout=30)
    assert retried.status_code == 200, retried.text
    stack.wait_for(lambda: _done(stack, retried.json()["id"]), 60, "the retried job")
    results = stack.results_of(slide)
    assert len(results) == 1, [r["displayResult"] for r in results]  # the retry reused the placeholder
    assert results[0]["id"] == retried.json()["id"]
