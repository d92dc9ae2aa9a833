"""The seed README's examples, run as written (typos fixed) against the simulator, sync and async."""

from __future__ import annotations

from sectra_dpat_client.ai import (
    AsyncDPATAIClient,
    DPATAIClient,
    Label,
    Point,
    Polygon,
    PrimitiveItem,
    QualityControl,
    QualityControlStatus,
    Result,
    ResultContent,
    ResultData,
    ResultType,
    Style,
)
from sectra_dpat_client.simulator import DPATSimulator

from .conftest import FAST_RETRY


def _seed_result(slide_id: str) -> Result:
    data = ResultContent(
        type=ResultType.PRIMITIVES,
        content=[
            PrimitiveItem(
                style=Style(strokeStyle="#000000"),
                polygons=[Polygon(points=[Point(x=0.0, y=0.0), Point(x=10.0, y=0.0), Point(x=10.0, y=10.0)])],
                labels=[Label(location=Point(x=0.0, y=0.0), label="Analysis running")],
            )
        ],
    )
    return Result(slideId=slide_id, displayResult="Analysis running", applicationVersion="1.0.0", data=data)


def test_seed_examples_sync(dpat: DPATSimulator) -> None:
    slide_id = dpat.slide_ids[0]
    callback_url, callback_token = dpat.url, dpat.token
    # Example 1: image info, with the app id given because results are stored below
    client = DPATAIClient(url=callback_url, token=callback_token, app_id=dpat.app_id, retry=FAST_RETRY)
    image_info = client.get_image_info(slide_id, extended=True, phi=True)
    assert image_info.id == slide_id
    assert image_info.accession_number == dpat.slide(slide_id).accession_number
    # Example 2: a result whose data is a bare ResultContent (wrapped by the client)
    stored = client.create_results(_seed_result(slide_id))
    assert stored.slide_id == slide_id
    assert dpat.result(stored.id)["data"]["result"]["content"][0]["labels"][0]["label"] == "Analysis running"
    # Example 3: the case's images
    image_infos = client.get_image_infos_in_case(image_info.accession_number)
    assert slide_id in {info.id for info in image_infos}
    # Example 4: quality control
    assert image_info.quality_control is not None
    if image_info.quality_control is not None and image_info.quality_control.status != QualityControlStatus.QUALITY_OK:
        qc = image_info.quality_control
        qc.status = QualityControlStatus.QUALITY_OK
        client.set_quality_control(slide_id, QualityControl(applicationVersion="1.0.0", qualityControl=qc))
    assert dpat.quality_control(slide_id)["status"] == "QualityOk"
    assert client.get_image_info(slide_id).quality_control.status == QualityControlStatus.QUALITY_OK  # type: ignore[union-attr]
    client.close()


async def test_seed_examples_async(dpat: DPATSimulator) -> None:
    slide_id = dpat.slide_ids[1]
    async with AsyncDPATAIClient(url=dpat.url, token=dpat.token, app_id=dpat.app_id, retry=FAST_RETRY) as client:
        image_info = await client.get_image_info(slide_id, extended=True, phi=True)
        stored = await client.create_results(_seed_result(slide_id))
        assert dpat.result(stored.id)["data"]["result"]["type"] == "primitive"
        assert image_info.accession_number is not None
        image_infos = await client.get_image_infos_in_case(image_info.accession_number)
        assert slide_id in {info.id for info in image_infos}
        qc = image_info.quality_control
        assert qc is not None
        qc.status = QualityControlStatus.REJECTED
        await client.set_quality_control(slide_id, QualityControl(applicationVersion="1.0.0", qualityControl=qc))
        assert dpat.quality_control(slide_id)["status"] == "Rejected"


def test_bare_result_content_is_wrapped_and_the_result_not_changed(dpat: DPATSimulator, client: DPATAIClient) -> None:
    result = _seed_result(dpat.slide_ids[0])
    assert isinstance(result.data, ResultData)  # the field wrapped the bare ResultContent
    assert isinstance(result.data.result, ResultContent)
    before = result.to_dict()
    stored = client.create_results(result)
    assert result.to_dict() == before
    assert stored.data == result.data
