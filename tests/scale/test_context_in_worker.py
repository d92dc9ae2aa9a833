"""The other jobs a worker runs: an image notification and a modify, with real workers.

A notification has no placeholder: the worker's handler stores the slide's one result. A modify
(the default handler keeps the user's edits) updates the result it is about: the receiver's
"Analysis queued" placeholder and then the user's edits land on that same result id.
"""

from __future__ import annotations

import os
from collections.abc import Iterator

import httpx
import pytest

from .conftest import Stack, make_stack


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    yield from make_stack(tmp_path_factory.mktemp("context"), slides=3, workers=1)


def test_image_notification_runs_on_a_worker(stack: Stack) -> None:
    slide = stack.dpat.slide_ids[0]
    answer = stack.dpat.notify_new_image(stack.url, slide)
    assert answer.status_code == 200, answer.text

    def shown() -> list[str]:
        return [str(r["displayResult"]) for r in stack.results_of(slide)]

    stack.wait_for(lambda: any(s.startswith("notified, done by pid") for s in shown()), 30, "the notification job")
    assert len(shown()) == 1, shown()
    assert shown()[0] != f"notified, done by pid {os.getpid()}"  # not the receiver's process


def test_modify_keeps_the_users_edits_on_the_same_result(stack: Stack) -> None:
    slide = stack.dpat.slide_ids[1]
    created = stack.invoke(slide, context={"steps": 1, "step_s": 0.02})
    assert created.status_code == 200, created.text
    result_id = created.json()["id"]
    stack.wait_for(lambda: str(stack.dpat.result(result_id)["displayResult"]).startswith("done by pid"), 30, "create")
    payload = stack.dpat.driver.invocation(action="modify", slide_id=slide, result_id=result_id)
    payload["input"]["displayResult"] = "edited by the user"
    answer = httpx.post(stack.url, json=payload, timeout=10)
    assert answer.status_code == 200, answer.text
    assert answer.json()["id"] == result_id
    stack.wait_for(lambda: stack.dpat.result(result_id)["displayResult"] == "edited by the user", 30, "the modify job")
    assert [r["id"] for r in stack.results_of(slide)] == [result_id]
