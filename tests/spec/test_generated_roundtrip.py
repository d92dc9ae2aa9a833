"""Every valid example survives the generated models' from_dict → to_dict unchanged.

An optional property sent as null reads as None and is left out of what the models send, so the
comparison ignores null values.

This catches the generator's silent traps: empty classes, ignored discriminators, dropped fields.
"""

from __future__ import annotations

from typing import Any

import pytest

from sectra_dpat_client._generated.dicom_models.qido_response_schema import QidoResponse
from sectra_dpat_client._generated.dpat_api import models as models

from .examples import VALID

INVOCATIONS = {
    "create": models.CreateInvocation,
    "modify": models.ModifyInvocation,
    "delete": models.DeleteInvocation,
    "cancel": models.CancelInvocation,
}
CASES = [(schema, name, payload) for schema, cases in VALID.items() for name, payload in cases]


def _without_nulls(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _without_nulls(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [_without_nulls(v) for v in value]
    return value


def _model_for(schema: str, payload: Any) -> Any:
    if schema == "Invocation":
        return INVOCATIONS[payload["action"]]
    return getattr(models, schema)


@pytest.mark.parametrize(("schema", "name", "payload"), CASES, ids=[f"{c[0]}:{c[1]}" for c in CASES])
def test_round_trip_is_lossless(schema: str, name: str, payload: Any) -> None:
    model = _model_for(schema, payload)
    parsed = model.from_dict(payload)
    assert _without_nulls(parsed.to_dict()) == _without_nulls(payload)
    assert model.from_dict(parsed.to_dict()) == parsed


def test_union_members_are_told_apart_by_their_tag() -> None:
    create = VALID["Invocation"][0][1]
    with pytest.raises(ValueError, match="action must match const"):
        models.ModifyInvocation.from_dict(create)
    parsed = models.CreateInvocation.from_dict(create)
    assert isinstance(parsed.input_, models.TaggedPolygonInput)


def test_unknown_fields_are_kept_for_forward_compatibility() -> None:
    payload = {**VALID["ImageInfo"][0][1], "newServerField": {"nested": [1, 2]}}
    parsed = models.ImageInfo.from_dict(payload)
    assert parsed.additional_properties["newServerField"] == {"nested": [1, 2]}
    assert parsed.to_dict() == payload


def test_qido_sample_round_trips_through_the_dicom_models() -> None:
    sample = [
        {
            "00080020": {"vr": "DA", "Value": ["20240105"]},
            "00100010": {"vr": "PN", "Value": [{"Alphabetic": "Doe^Jane", "Ideographic": "ドウ^ジェーン"}]},
            "00201206": {"vr": "IS", "Value": [3]},
            "00400560": {"vr": "SQ", "Value": [{"00400551": {"vr": "LO", "Value": ["SPEC-1"]}}, {}]},
            "7FE00010": {"vr": "OB", "BulkDataURI": "https://pacs.invalid/bulk/1"},
            "00081190": {"vr": "UR", "Value": ["https://pacs.invalid/studies/1.2.3"]},
            "00280030": {"vr": "DS", "Value": ["0.25", 0.25]},
            "00100030": {"vr": "DA"},
        }
    ]
    parsed = QidoResponse.model_validate(sample)
    assert parsed.model_dump(mode="json", exclude_none=True) == sample
