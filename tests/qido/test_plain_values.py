"""The plain-shape read path of `DicomObject` gives exactly what the validated models give."""

from __future__ import annotations

import gc
from typing import Any

import orjson
import pytest

from sectra_dpat_client.errors import DPATResponseError
from sectra_dpat_client.qido import DicomObject
from sectra_dpat_client.qido.result import parse_datasets

DATASET: dict[str, Any] = {
    "00080020": {"vr": "DA", "Value": ["20240131"]},
    "00080050": {"vr": "SH", "Value": ["ACC1", None]},
    "00100010": {"vr": "PN", "Value": [{"Alphabetic": "Doe^Jane", "Ideographic": "X"}, None]},
    "00201206": {"vr": "IS", "Value": [1, "2", " 3 "]},
    "00280030": {"vr": "DS", "Value": [0.25, "0.50"]},
    "00200010": {"vr": "SH"},
    "00081190": {"vr": "UR", "Value": ["http://x/studies/1"]},
}


def _typed(obj: DicomObject) -> dict[str, Any]:
    return {tag: (obj.get_values(tag), obj.get_value_as_string(tag)) for tag in obj}


def _same(a: dict[str, Any], b: dict[str, Any]) -> bool:
    return {k: (repr([str(v) for v in vs]), s) for k, (vs, s) in a.items()} == {
        k: (repr([str(v) for v in vs]), s) for k, (vs, s) in b.items()
    }


def test_plain_read_matches_the_models() -> None:
    lazy = parse_datasets(orjson.dumps([DATASET]))[0]
    validated = DicomObject.from_json(DATASET)
    assert _same(_typed(lazy), _typed(validated))
    assert lazy.get_values("00201206") == [1, 2, 3]
    assert lazy.get_value_as_string("00280030") == "0.25"
    assert lazy.get_value_as_string("00201206") == "1"
    names = lazy.get_values("PatientName")
    assert str(names[0]) == "Doe^Jane=X"
    assert names[1] is None


@pytest.mark.parametrize(
    "attribute",
    [
        {"vr": "SH", "Value": [1]},  # a number where text belongs
        {"vr": "SH", "Value": ["a"], "Extra": 1},  # a key the model forbids
        {"vr": "PN", "Value": [{"Alphabetic": 5}]},
        {"vr": "PN", "Value": [{"Nickname": "x"}]},
        {"vr": "IS", "Value": [[1]]},
        {"vr": "SH", "Value": "not a list"},
        {"vr": "XX", "Value": ["a"]},
    ],
)
def test_anything_unusual_still_goes_through_validation(attribute: dict[str, Any]) -> None:
    obj = parse_datasets(orjson.dumps([{"00080050": attribute}]))[0]
    with pytest.raises(DPATResponseError):
        obj.get_values("00080050")
    with pytest.raises(DPATResponseError):
        obj.get_value_as_string("00080050")


def test_parsing_restores_the_collector() -> None:
    assert gc.isenabled()
    parse_datasets(b"[{}]")
    assert gc.isenabled()
    with pytest.raises(DPATResponseError):
        parse_datasets(b"[1]")
    assert gc.isenabled()
    gc.disable()
    try:
        parse_datasets(b"[{}]")
        assert not gc.isenabled()
    finally:
        gc.enable()
