"""The sync and async clients behave alike: the same calls on the same simulator give the same answers.

Each client runs one scripted session against its own fresh simulator (same seed data); the answers
are compared after dropping what the server makes up per call (result ids, version ids).
"""

from __future__ import annotations

import asyncio
from typing import Any

from sectra_dpat_client.ai import (
    AsyncDPATAIClient,
    DPATAIClient,
    QualityControl,
    QualityControlData,
    QualityControlStatus,
    Result,
)
from sectra_dpat_client.errors import DPATError
from sectra_dpat_client.simulator import DPATSimulator

from .conftest import FAST_RETRY

VOLATILE = {"id", "versionId"}


def _plain(value: Any) -> Any:
    """JSON-like form of an answer without per-call ids; errors become (type, status)."""
    if isinstance(value, DPATError):
        return (type(value).__name__, getattr(value, "status_code", None), getattr(value, "path", None))
    if isinstance(value, bytes):
        return ("bytes", len(value), value[:16])
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if hasattr(value, "to_dict"):
        return _plain(value.to_dict())
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items() if k not in VOLATILE}
    if hasattr(value, "shape"):
        return ("array", value.shape, int(value.sum()))
    return value


def _script(slide: str) -> list[tuple[str, tuple[Any, ...], dict[str, Any]]]:
    return [
        ("get_info", (), {}),
        ("get_image_info", (slide,), {"extended": True, "phi": True}),
        ("get_image_infos_in_case_by_slide_id", (slide,), {}),
        ("get_label", (slide,), {}),
        ("get_tile", (slide, 8, 0, 0), {}),
        ("read_region", (slide, 0, 0, 64, 48), {"level": 9}),
        ("list_results_for_slide", (slide,), {}),
        ("create_results", (Result(slideId=slide, displayResult="one"),), {}),
        ("upsert_results", (Result(slideId=slide, displayResult="two"),), {}),
        ("list_results_for_slide", (slide,), {}),
        ("get_image_info", ("no-such-slide",), {}),
        ("get_results", (999_999,), {}),
        (
            "set_quality_control",
            (
                slide,
                QualityControl(
                    applicationVersion="1",
                    qualityControl=QualityControlData(status=QualityControlStatus.REJECTED, versionId="stale"),
                ),
            ),
            {},
        ),
    ]


def _run_sync(dpat: DPATSimulator) -> list[Any]:
    answers: list[Any] = []
    with DPATAIClient(dpat.url, token=dpat.token, app_id=dpat.app_id, retry=FAST_RETRY) as client:
        for name, args, kwargs in _script(dpat.slide_ids[0]):
            try:
                answers.append(_plain(getattr(client, name)(*args, **kwargs)))
            except DPATError as error:
                answers.append(_plain(error))
    return answers


async def _run_async(dpat: DPATSimulator) -> list[Any]:
    answers: list[Any] = []
    async with AsyncDPATAIClient(dpat.url, token=dpat.token, app_id=dpat.app_id, retry=FAST_RETRY) as client:
        for name, args, kwargs in _script(dpat.slide_ids[0]):
            try:
                answers.append(_plain(await getattr(client, name)(*args, **kwargs)))
            except DPATError as error:
                answers.append(_plain(error))
    return answers


def test_sync_and_async_sessions_give_the_same_answers() -> None:
    with DPATSimulator(slides=2) as first:
        sync_answers = _run_sync(first)
    with DPATSimulator(slides=2) as second:
        async_answers = asyncio.run(_run_async(second))
    assert len(sync_answers) == len(_script("x"))
    assert sync_answers == async_answers
    errors = [a for a in sync_answers if isinstance(a, tuple) and a and str(a[0]).startswith("DPAT")]
    assert [e[0] for e in errors] == ["DPATNotFoundError", "DPATNotFoundError", "DPATConflictError"]
