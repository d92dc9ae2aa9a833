"""Payload validation: the catalogue's examples pass, faulty payloads name each fault's JSON path."""

from __future__ import annotations

import json
from typing import Any

import pytest

from sectra_dpat_client.errors import DPATValidationError
from sectra_dpat_client.validate import iter_faults, schema_names, validate

from .examples import CREATE_INVOCATION, IMAGE_INFO_FULL, INVALID, PRIMITIVE_RESULT, VALID

VALID_CASES = [(schema, name, payload) for schema, cases in VALID.items() for name, payload in cases]


@pytest.mark.parametrize(("schema", "name", "payload"), VALID_CASES, ids=[f"{c[0]}:{c[1]}" for c in VALID_CASES])
def test_valid_examples_pass(schema: str, name: str, payload: Any) -> None:
    assert iter_faults(payload, schema) == []
    validate(payload, schema)


@pytest.mark.parametrize(("schema", "payload", "path", "why"), INVALID, ids=[c[3] for c in INVALID])
def test_invalid_payloads_name_the_json_path(schema: str, payload: Any, path: str, why: str) -> None:
    with pytest.raises(DPATValidationError) as caught:
        validate(payload, schema)
    paths = [fault.path for fault in caught.value.faults]
    assert path in paths, f"{why}: got {caught.value.faults}"
    assert path in str(caught.value)
    assert caught.value.schema == schema


def test_there_are_at_least_fifteen_invalid_payloads() -> None:
    assert len(INVALID) >= 15


def test_every_fault_is_listed_not_only_the_first() -> None:
    payload = json.loads(json.dumps(PRIMITIVE_RESULT))
    payload["slideId"] = 1
    payload["data"]["result"]["content"][0]["style"]["fillStyle"] = "red"
    del payload["data"]["result"]["content"][0]["polygons"][0]["points"][0]["y"]
    paths = {fault.path for fault in iter_faults(payload, "Result")}
    assert paths == {
        "$.slideId",
        "$.data.result.content[0].style.fillStyle",
        "$.data.result.content[0].polygons[0].points[0]",
    }


def test_fault_messages_never_echo_the_payload_values() -> None:
    """Payloads may carry patient data: messages name the rule, not the value."""
    info = dict(IMAGE_INFO_FULL)
    info["accessionNumber"] = 12345678
    info["examId"] = ["PATIENT-SECRET-42"]
    with pytest.raises(DPATValidationError) as caught:
        validate(info, "ImageInfo")
    error = caught.value
    assert "12345678" not in str(error)
    assert "PATIENT-SECRET-42" not in str(error)
    assert {f.path for f in error.faults} == {"$.accessionNumber", "$.examId"}


def test_discriminated_union_reports_the_variant_meant() -> None:
    payload = json.loads(json.dumps(CREATE_INVOCATION))
    payload["input"]["content"]["polygon"]["points"][1]["x"] = "left"
    faults = iter_faults(payload, "Invocation")
    assert [f.path for f in faults] == ["$.input.content.polygon.points[1].x"]
    assert faults[0].message == "expected number (finite)"


def test_unknown_schema_name_is_a_typed_error() -> None:
    with pytest.raises(DPATValidationError, match="unknown schema name"):
        validate({}, "NoSuchSchema")


def test_schema_names_cover_spec_and_qido() -> None:
    names = schema_names()
    assert {"Result", "ResultUpdate", "ImageInfo", "Invocation", "Registration", "QidoResponse"} <= set(names)


def test_missing_union_tag_is_reported_as_missing() -> None:
    payload = {k: v for k, v in CREATE_INVOCATION.items() if k != "action"}
    faults = iter_faults(payload, "Invocation")
    assert [(f.path, f.message) for f in faults] == [("$", "'action' is a required property")]
