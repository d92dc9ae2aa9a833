"""The app driver's errors never carry the callback token: not in their text, nor in anything they chain
(httpx exceptions hold the request, whose body is the invocation with ``callbackInfo.token``)."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from sectra_dpat_client.errors import DPATConnectionError
from sectra_dpat_client.simulator import DPATSimulator

SECRET = "callback-s3cr3t-T0KEN"
CLOSED = "http://127.0.0.1:1/"


def _chain(exc: BaseException) -> list[BaseException]:
    seen: list[BaseException] = []
    todo: list[BaseException | None] = [exc]
    while todo:
        item = todo.pop()
        if item is None or any(item is s for s in seen):
            continue
        seen.append(item)
        todo += [item.__cause__, item.__context__]
    return seen


def _carried(item: BaseException) -> str:
    """Everything an httpx exception carries: the request's URL, headers and body."""
    try:
        request = item.request if isinstance(item, httpx.RequestError) else None
    except RuntimeError:
        request = None
    if request is None:
        return ""
    return f"{request.url} {list(request.headers.items())!r} {request.content!r}"


def assert_no_secret(exc: BaseException) -> None:
    for item in _chain(exc):
        text = f"{item!s} {item!r} {item.args!r} {_carried(item)}"
        assert SECRET not in text, type(item)


@pytest.fixture
def dpat() -> Iterator[DPATSimulator]:
    with DPATSimulator(slides=1) as sim:
        sim.issue_token = lambda ttl=None: SECRET  # type: ignore[method-assign]
        yield sim


@pytest.mark.parametrize("action", ["create", "cancel"])
def test_invoke_of_an_unreachable_app_chains_no_token(dpat: DPATSimulator, action: str) -> None:
    with pytest.raises(DPATConnectionError) as caught:
        dpat.driver.invoke(CLOSED, action=action)
    assert_no_secret(caught.value)


def test_ainvoke_and_notifications_of_an_unreachable_app_chain_no_token(dpat: DPATSimulator) -> None:
    slide = dpat.slide_ids[0]
    calls = [
        lambda: asyncio.run(dpat.driver.ainvoke(CLOSED)),
        lambda: dpat.driver.notify_new_image(CLOSED, slide),
        lambda: asyncio.run(dpat.driver.anotify_new_image(CLOSED, slide)),
    ]
    for call in calls:
        with pytest.raises(DPATConnectionError) as caught:
            call()
        assert_no_secret(caught.value)


@pytest.mark.parametrize("name", ["slide.png", "slide.dcm"])
def test_an_unreadable_slide_file_names_only_its_file_name(tmp_path: Path, name: str) -> None:
    """The folder (it may be named after the patient) is not in the error, nor in what it chains."""
    from sectra_dpat_client.simulator.pyramid import SlidePathError, open_pyramid

    folder = tmp_path / "Doe^Jane-PHI-1960"
    folder.mkdir()
    (folder / name).write_bytes(b"not an image at all" * 10)
    with pytest.raises(SlidePathError) as caught:
        open_pyramid(folder / name)
    assert name in str(caught.value)
    for item in _chain(caught.value):
        assert "Doe^Jane-PHI-1960" not in f"{item!s} {item!r} {item.args!r}", type(item)
