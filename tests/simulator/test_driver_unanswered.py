"""The driver's sync and async requests fail alike when the app does not answer: one typed error, same text,
chaining nothing (neither ``__cause__`` nor ``__context__``)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest

from sectra_dpat_client.errors import DPATConnectionError
from sectra_dpat_client.simulator import DPATSimulator
from sectra_dpat_client.simulator.driver import _Unanswered

CLOSED = "http://127.0.0.1:1/"


@pytest.fixture(scope="module")
def dpat() -> Iterator[DPATSimulator]:
    with DPATSimulator(slides=1) as sim:
        yield sim


def test_every_request_of_an_unanswering_app_fails_alike(dpat: DPATSimulator) -> None:
    slide = dpat.slide_ids[0]
    calls: list[Callable[[], Any]] = [
        lambda: dpat.driver.invoke(CLOSED),
        lambda: asyncio.run(dpat.driver.ainvoke(CLOSED)),
        lambda: dpat.driver.notify_new_image(CLOSED, slide),
        lambda: asyncio.run(dpat.driver.anotify_new_image(CLOSED, slide)),
        lambda: dpat.driver.fetch_registration(CLOSED),
    ]
    texts = set()
    for call in calls:
        with pytest.raises(DPATConnectionError) as caught:
            call()
        assert caught.value.__cause__ is None
        assert caught.value.__context__ is None
        texts.add(str(caught.value))
    assert texts == {"the app did not answer (ConnectError)"}


def test_other_errors_pass_through_unchanged() -> None:
    unanswered = _Unanswered()
    with pytest.raises(ValueError, match="not a transport failure"), unanswered:
        raise ValueError("not a transport failure")
    assert unanswered.failure is None
    unanswered.raise_failure()  # nothing kept: returns


def test_a_timeout_is_kept_as_a_timeout_error() -> None:
    unanswered = _Unanswered()
    with unanswered:
        raise httpx.ConnectTimeout("slow")
    with pytest.raises(DPATConnectionError) as caught:
        unanswered.raise_failure()
    assert type(caught.value).__name__ == "DPATTimeoutError"
