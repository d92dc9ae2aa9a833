"""The original client README's Examples 1, 2, 4 and 5, in the call forms it used, on both answer forms.

What the original README's users wrote, and what must keep working: a client built with ``url=`` and
``token=`` only (no ``app_id``), ``get_image_info(slide_id, extended=True, phi=True)``, a
`ResultContent` built with camelCase keywords and given as ``Result.data``, the case listing followed
by one detailed read per image, and the quality-control flow guarded by
``image_info.quality_control is not None``. Every test runs against a simulator that leaves absent
optional properties out and against one that writes them as null (the .NET form); Example 5 also on
IA-API 1.9 (no quality control: the branch is skipped) and 1.10 (the branch sets QualityOk).

The README's text is not copied here; the calls are. The README's placeholders (callback URL, token,
slide id, accession number) are the simulator's values.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator

import httpx
import pytest

from sectra_dpat_client.ai import (
    DPATAIClient,
    Label,
    Point,
    Polygon,
    PrimitiveItem,
    QualityControl,
    QualityControlStatus,
    Result,
    ResultContent,
    ResultType,
    Style,
)
from sectra_dpat_client.simulator import DPATSimulator
from sectra_dpat_client.validate import iter_faults


def _raw_image_info(dpat: DPATSimulator, slide_id: str) -> dict[str, object]:
    """The JSON the simulator sends for ``GET /slides/{slideId}/info`` (no client in between)."""
    answer = httpx.get(f"{dpat.url}/slides/{slide_id}/info", headers={"Authorization": f"Bearer {dpat.token}"})
    answer.raise_for_status()
    body: dict[str, object] = answer.json()
    return body


def test_example_1_image_info_with_a_client_built_from_url_and_token(dpat: DPATSimulator) -> None:
    callback_url, callback_token, slide_id = dpat.url, dpat.token, dpat.slide_ids[0]
    client = DPATAIClient(url=callback_url, token=callback_token)
    image_info = client.get_image_info(slide_id, extended=True, phi=True)
    client.close()
    assert image_info.id == slide_id
    assert image_info.accession_number == dpat.slide(slide_id).accession_number
    assert "Unset" not in repr(image_info)


def _example_2_result(slide_id: str) -> Result:
    """Example 2: a frame and a 'running' label, data given as a bare ResultContent."""
    data = ResultContent(
        type=ResultType.PRIMITIVES,
        content=[
            PrimitiveItem(
                style=Style(strokeStyle="#000000"),
                polygons=[
                    Polygon(points=[Point(x=0.0, y=0.0), Point(x=1.0, y=0.0), Point(x=1.0, y=1.0), Point(x=0.0, y=1.0)])
                ],
                labels=[Label(location=Point(x=0.00, y=0.0), label="Analysis running")],
            )
        ],
    )
    # `Result.data` takes a bare ResultContent and wraps it into ResultData (a converter, so mypy --strict
    # accepts the original README's line too: `test_this_module_passes_mypy_strict`).
    return Result(slideId=slide_id, displayResult="Analysis running", applicationVersion="1.0.0", data=data)


def test_example_2_result_is_built_stored_and_read_back(dpat: DPATSimulator) -> None:
    slide_id = dpat.slide_ids[0]
    result = _example_2_result(slide_id)
    assert result.slide_id == slide_id
    assert result.display_result == "Analysis running"
    with DPATAIClient(url=dpat.url, token=dpat.token, app_id=dpat.app_id) as client:  # storing needs the app id
        stored = client.create_results(result)
        read = client.get_results(stored.id)
    assert read.slide_id == slide_id
    assert read.display_result == "Analysis running"
    raw = dpat.result(stored.id)
    assert iter_faults(raw, "ResultResponse") == []
    (item,) = raw["data"]["result"]["content"]
    assert raw["data"]["result"]["type"] == "primitive"
    assert item["style"] == {"strokeStyle": "#000000"}  # None fields are left out of what we send
    assert item["labels"] == [{"location": {"x": 0.0, "y": 0.0}, "label": "Analysis running"}]
    assert len(item["polygons"][0]["points"]) == 4


def test_example_4_all_images_in_a_case_then_each_in_detail(dpat: DPATSimulator) -> None:
    accession_number = dpat.slide(dpat.slide_ids[0]).accession_number
    client = DPATAIClient(url=dpat.url, token=dpat.token)
    image_infos = client.get_image_infos_in_case(accession_number)
    detailed = []
    for image in image_infos:
        detailed_image_info = client.get_image_info(image.id, extended=True, phi=True)
        detailed.append(detailed_image_info)
    client.close()
    assert {image.id for image in image_infos} == {
        s for s in dpat.slide_ids if dpat.slide(s).accession_number == accession_number
    }
    assert [info.id for info in detailed] == [image.id for image in image_infos]
    assert all(info.accession_number == accession_number for info in detailed)


@pytest.fixture(
    params=[("1.9", False), ("1.9", True), ("1.10", False), ("1.10", True)],
    ids=["1.9-omitted", "1.9-nulls", "1.10-omitted", "1.10-nulls"],
)
def versioned(request: pytest.FixtureRequest) -> Iterator[DPATSimulator]:
    api_version, nulls = request.param
    with DPATSimulator(slides=1, api_version=api_version, nulls=nulls) as simulator:
        yield simulator


def _example_5(callback_url: str, callback_token: str, slide_id: str) -> None:
    """Example 5 as its users wrote it: one client reads, a second one (also without app id) sets QC."""
    client = DPATAIClient(url=callback_url, token=callback_token)
    ai_client = DPATAIClient(url=callback_url, token=callback_token)
    image_info = client.get_image_info(slide_id)
    if image_info.quality_control is not None and image_info.quality_control.status != QualityControlStatus.QUALITY_OK:
        quality_control_data = image_info.quality_control
        quality_control_data.status = QualityControlStatus.QUALITY_OK
        quality_control = QualityControl(applicationVersion="1.0.0", qualityControl=quality_control_data)
        ai_client.set_quality_control(slide_id, quality_control)
    client.close()
    ai_client.close()


def test_example_5_quality_control_follows_the_server_version(versioned: DPATSimulator) -> None:
    dpat = versioned
    slide_id = dpat.slide_ids[0]
    raw = _raw_image_info(dpat, slide_id)
    if dpat.config.api_version == "1.9":
        assert ("qualityControl" in raw) is dpat.config.nulls  # 1.9: left out, or null in the .NET form
        assert raw.get("qualityControl") is None
    _example_5(dpat.url, dpat.token, slide_id)
    with DPATAIClient(url=dpat.url, token=dpat.token) as client:
        after = client.get_image_info(slide_id)
    if dpat.config.api_version == "1.9":
        assert dpat.request_count("setQualityControl") == 0
        assert after.quality_control is None
    else:
        assert dpat.request_count("setQualityControl") == 1
        assert dpat.quality_control(slide_id) == {"status": "QualityOk", "versionId": "2"}
        assert after.quality_control is not None
        assert after.quality_control.status == QualityControlStatus.QUALITY_OK
        _example_5(dpat.url, dpat.token, slide_id)  # already OK: the branch is skipped
        assert dpat.request_count("setQualityControl") == 1


def test_this_module_passes_mypy_strict() -> None:
    """The original README's call forms type-check (``Result(data=ResultContent(...))`` included)."""
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "mypy",
            "--strict",
            "--no-incremental",
            "--cache-dir",
            os.devnull,
            "--config-file",
            os.devnull,
            "--no-error-summary",
            __file__,
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
