"""Properties marked `x-sensitive` (secrets, patient data) never show in a generated model's repr."""

from __future__ import annotations

from typing import Any

import pytest

from sectra_dpat_client._generated.dpat_api import models as models

from .examples import CALLBACK, CREATE_INVOCATION, IMAGE_INFO_FULL, VALID

SENSITIVE_VALUES = [
    CALLBACK["token"],
    IMAGE_INFO_FULL["accessionNumber"],
    IMAGE_INFO_FULL["studyInstanceUid"],
    IMAGE_INFO_FULL["examId"],
    IMAGE_INFO_FULL["examDateTime"],
    IMAGE_INFO_FULL["lisSlideId"],
    "Surgery",  # an examFreeFields value
    "abc-access-token",
]


@pytest.mark.parametrize(
    ("model", "payload"),
    [
        (models.ImageInfo, IMAGE_INFO_FULL),
        (models.CreateInvocation, CREATE_INVOCATION),
        (models.ImageNotification, VALID["ImageNotification"][0][1]),
        (models.CaseImageInfo, VALID["CaseImageInfo"][0][1]),
        (models.Token, {"access_token": "abc-access-token", "token_type": "Bearer", "expires_in": 60}),
        (models.LaunchResponse, VALID["LaunchResponse"][0][1] | {"callbackInfo": CALLBACK}),
    ],
)
def test_repr_hides_sensitive_fields(model: Any, payload: dict[str, Any]) -> None:
    parsed = model.from_dict(payload)
    text = repr(parsed)
    assert text.startswith(model.__name__)
    assert [v for v in SENSITIVE_VALUES if v in text] == []
    assert parsed.to_dict() == payload  # hidden from repr, not dropped


def test_unknown_fields_stay_out_of_repr() -> None:
    parsed = models.ImageInfo.from_dict({**IMAGE_INFO_FULL, "patientName": "Doe^Jane"})
    assert "Doe^Jane" not in repr(parsed)
    assert parsed.additional_properties["patientName"] == "Doe^Jane"
