"""The original README's model API comes out of the generator: camelCase in, snake_case out."""

from __future__ import annotations

import pytest

from sectra_dpat_client.models import (
    Label,
    Point,
    Polygon,
    PrimitiveItem,
    QualityControl,
    QualityControlData,
    QualityControlStatus,
    Result,
    ResultContent,
    ResultData,
    ResultType,
    Style,
)


def test_models_take_wire_names_and_expose_snake_case() -> None:
    content = ResultContent(
        type=ResultType.PRIMITIVES,
        content=[
            PrimitiveItem(
                style=Style(strokeStyle="#000000"),
                polygons=[Polygon(points=[Point(x=0.0, y=0.0), Point(x=1.0, y=0.0), Point(x=1.0, y=1.0)])],
                labels=[Label(location=Point(x=0.0, y=0.0), label="Analysis running")],
            )
        ],
    )
    result = Result(
        slideId="s1", displayResult="Analysis running", applicationVersion="1.0.0", data=ResultData(result=content)
    )
    assert result.slide_id == "s1"
    assert result.application_version == "1.0.0"
    wire = result.to_dict()
    assert wire["slideId"] == "s1"
    assert wire["data"]["result"]["content"][0]["style"] == {"strokeStyle": "#000000"}
    assert Result.from_dict(wire) == result


def test_enum_member_names_follow_the_seed() -> None:
    assert QualityControlStatus.QUALITY_OK.value == "QualityOk"
    assert QualityControlStatus.NOT_SET.value == "NotSet"
    assert ResultType.PRIMITIVES.value == "primitive"
    assert ResultType.PATCHES.value == "patchCollection"


def test_quality_control_from_the_seed_readme() -> None:
    qc = QualityControlData(status=QualityControlStatus.NOT_SET, versionId="7")
    qc.status = QualityControlStatus.QUALITY_OK
    body = QualityControl(applicationVersion="1.0.0", qualityControl=qc)
    assert body.to_dict() == {
        "applicationVersion": "1.0.0",
        "qualityControl": {"status": "QualityOk", "versionId": "7"},
    }


def test_snake_case_keywords_are_rejected() -> None:
    with pytest.raises(TypeError):
        Style(stroke_style="#000000")  # type: ignore[call-arg]
