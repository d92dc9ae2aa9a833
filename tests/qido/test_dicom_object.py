"""DicomObject: typed accessors over the generated DICOM JSON models (PS3.18 Annex F cases)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
from pydicom import Dataset as PydicomDataset

from sectra_dpat_client.errors import DPATError, DPATResponseError, DPATValidationError
from sectra_dpat_client.qido import DicomCodes, DicomObject, DicomPersonName
from sectra_dpat_client.qido.dicom_object import check_dataset

SAMPLE: dict[str, Any] = {
    "00080020": {"vr": "DA", "Value": ["20240105"]},
    "00080030": {"vr": "TM", "Value": ["093015.5"]},
    "0008002A": {"vr": "DT", "Value": ["20240105093015.123456+0130"]},
    "00080050": {"vr": "SH"},
    "00080008": {"vr": "CS", "Value": ["ORIGINAL", None, "VOLUME"]},
    "00100010": {
        "vr": "PN",
        "Value": [{"Alphabetic": "Yamada^Tarou^^Dr^Jr", "Ideographic": "山田^太郎", "Phonetic": "やまだ^たろう"}],
    },
    "00100020": {"vr": "LO", "Value": ["PAT0042"]},
    "00201208": {"vr": "IS", "Value": ["12"]},
    "00201206": {"vr": "IS", "Value": [3]},
    "00280030": {"vr": "DS", "Value": ["0.250", 0.5]},
    "00280010": {"vr": "US", "Value": [8]},
    "00282000": {"vr": "OB", "InlineBinary": "AQID"},
    "7FE00010": {"vr": "OW", "BulkDataURI": "http://pacs/bulk/7FE00010"},
    "00400275": {
        "vr": "SQ",
        "Value": [
            {"00401001": {"vr": "SH", "Value": ["RP1"]}},
            {},
        ],
    },
    "00081115": {"vr": "SQ", "Value": []},
}


@pytest.fixture
def obj() -> DicomObject:
    return DicomObject.from_json(SAMPLE)


def test_strings_and_missing_values(obj: DicomObject) -> None:
    assert obj.get_value_as_string(DicomCodes.PATIENT_ID) == "PAT0042"
    assert obj.get_value_as_string("PatientID") == obj.get_value_as_string(0x00100020) == "PAT0042"
    assert obj.get_value_as_string(DicomCodes.REQUEST_ID) is None  # present, no Value
    assert obj.get_value_as_string(DicomCodes.REQUEST_ID, "") == ""
    assert obj.get_value_as_string("StudyDescription") is None  # absent
    assert obj.get_values("AccessionNumber") == []
    assert obj.get_values("ImageType") == ["ORIGINAL", None, "VOLUME"]
    assert obj.get_strings("ImageType") == ["ORIGINAL", "", "VOLUME"]


def test_person_name_groups_and_components(obj: DicomObject) -> None:
    name = obj.get_person_name(DicomCodes.PATIENT_NAME)
    assert name is not None
    assert (name.family_name, name.given_name, name.middle_name, name.name_prefix, name.name_suffix) == (
        "Yamada",
        "Tarou",
        "",
        "Dr",
        "Jr",
    )
    assert name.components("ideographic")[:2] == ("山田", "太郎")
    assert name.phonetic == "やまだ^たろう"
    assert str(name) == "Yamada^Tarou^^Dr^Jr=山田^太郎=やまだ^たろう"
    assert obj.get_value_as_string("PatientName") == str(name)
    assert "Yamada" not in repr(name)
    assert str(DicomPersonName("Doe^John")) == "Doe^John"


def test_numbers_by_vr(obj: DicomObject) -> None:
    assert obj.get_number("NumberOfStudyRelatedInstances") == 12
    assert isinstance(obj.get_number("NumberOfStudyRelatedInstances"), int)
    assert obj.get_number("NumberOfStudyRelatedSeries") == 3
    assert obj.get_values("PixelSpacing") == [0.25, 0.5]
    assert obj.get_value_as_string("PixelSpacing") == "0.250"  # a DS string keeps its form
    assert obj.get_value_as_string("NumberOfStudyRelatedSeries") == "3"
    assert obj.get_number("Rows") == 8
    with pytest.raises(DPATResponseError, match="PatientID is not a numeric"):
        obj.get_number("PatientID")


def test_dates_and_times(obj: DicomObject) -> None:
    assert obj.get_date("StudyDate") == dt.date(2024, 1, 5)
    assert obj.get_time("StudyTime") == dt.time(9, 30, 15, 500000)
    assert obj.get_datetime("StudyDate", time_key="StudyTime") == dt.datetime(2024, 1, 5, 9, 30, 15, 500000)
    aware = obj.get_datetime("AcquisitionDateTime")
    assert aware == dt.datetime(2024, 1, 5, 9, 30, 15, 123456, tzinfo=dt.timezone(dt.timedelta(hours=1, minutes=30)))
    assert obj.get_date("PatientBirthDate") is None


@pytest.mark.parametrize(
    ("vr", "text", "getter", "expected"),
    [
        ("DT", "2024", "get_datetime", dt.datetime(2024, 1, 1)),
        ("DT", "202403151230", "get_datetime", dt.datetime(2024, 3, 15, 12, 30)),
        ("DT", "20240315-0500", "get_datetime", dt.datetime(2024, 3, 15, tzinfo=dt.timezone(-dt.timedelta(hours=5)))),
        ("TM", "07", "get_time", dt.time(7)),
        ("TM", "10:20:30", "get_time", dt.time(10, 20, 30)),
        ("DA", "2024.01.05", "get_date", dt.date(2024, 1, 5)),
    ],
)
def test_partial_and_legacy_forms(vr: str, text: str, getter: str, expected: object) -> None:
    obj = DicomObject.from_json({"0008002A": {"vr": vr, "Value": [text]}})
    assert getattr(obj, getter)("0008002A") == expected


@pytest.mark.parametrize(("vr", "getter"), [("DA", "get_date"), ("TM", "get_time"), ("DT", "get_datetime")])
def test_bad_dates_name_the_attribute_not_the_value(vr: str, getter: str) -> None:
    obj = DicomObject.from_json({"00100030": {"vr": vr, "Value": ["19991399xx"]}})
    with pytest.raises(DPATResponseError, match="PatientBirthDate") as caught:
        getattr(obj, getter)("PatientBirthDate")
    assert "19991399" not in str(caught.value)


def test_bad_number_names_the_attribute_not_the_value() -> None:
    obj = DicomObject.from_json({"00201208": {"vr": "IS", "Value": ["SECRET7"]}})
    with pytest.raises(DPATResponseError, match="NumberOfStudyRelatedInstances") as caught:
        obj.get_values("NumberOfStudyRelatedInstances")
    assert "SECRET7" not in str(caught.value)


def test_sequences_are_nested_objects(obj: DicomObject) -> None:
    items = obj.get_sequence("RequestAttributesSequence")
    assert len(items) == 2
    assert items[0].get_value_as_string("RequestedProcedureID") == "RP1"
    assert len(items[1]) == 0
    assert obj.get_sequence("ReferencedSeriesSequence") == []
    assert obj.get_sequence("StudyDescription") == []
    with pytest.raises(DPATResponseError, match="not a sequence"):
        obj.get_sequence("PatientID")
    assert obj.get_value_as_string("RequestAttributesSequence") is None


def test_binary_and_bulk_data(obj: DicomObject) -> None:
    assert obj.get_inline_binary("ICCProfile") == b"\x01\x02\x03"
    assert obj.get_bulk_data_uri("PixelData") == "http://pacs/bulk/7FE00010"
    assert obj.get_values("PixelData") == []
    assert obj.get_inline_binary("PatientID") is None


def test_mapping_protocol_and_repr(obj: DicomObject) -> None:
    assert "PatientID" in obj
    assert DicomCodes.PATIENT_ID in obj
    assert "StudyDescription" not in obj
    assert "NotAKeyword" not in obj
    assert obj["PatientID"].vr == "LO"
    assert obj.get_vr("PatientName") == "PN"
    assert obj.get_vr("StudyDescription") is None
    assert len(obj) == len(SAMPLE)
    assert "PatientID" in obj.keywords()
    assert "PAT0042" not in repr(obj)
    assert "Yamada" not in repr(obj)


def test_lowercase_tags_are_normalized() -> None:
    obj = DicomObject.from_json({"0020000d": {"vr": "UI", "Value": ["1.2.3"]}})
    assert obj.get_value_as_string(DicomCodes.STUDY_INSTANCE_UID) == "1.2.3"
    assert list(obj) == ["0020000D"]


def test_to_json_round_trips_sorted(obj: DicomObject) -> None:
    out = obj.to_json()
    assert list(out) == sorted(SAMPLE)
    assert out == {key: SAMPLE[key] for key in sorted(SAMPLE)}
    assert DicomObject.from_json(out) == obj


def test_to_pydicom(obj: DicomObject) -> None:
    ds = obj.to_pydicom(bulk_data_uri_handler=lambda uri: b"\x00\x00")
    assert isinstance(ds, PydicomDataset)
    assert ds.PatientID == "PAT0042"
    assert ds.PatientName.family_name == "Yamada"
    assert ds.PatientName.ideographic == "山田^太郎"
    assert ds.RequestAttributesSequence[0].RequestedProcedureID == "RP1"
    assert ds.ICCProfile == b"\x01\x02\x03"
    assert DicomObject.from_json(ds.to_json_dict()).get_value_as_string("PatientID") == "PAT0042"


def test_invalid_json_lists_faults_without_values() -> None:
    with pytest.raises(DPATValidationError) as caught:
        DicomObject.from_json({"00100020": {"vr": "XX", "Value": ["SECRETPATIENT"]}, "nottag": {"vr": "LO"}})
    message = str(caught.value)
    assert "SECRETPATIENT" not in message
    assert caught.value.faults
    with pytest.raises(DPATValidationError):
        DicomObject.from_json(b"not json")


@pytest.mark.parametrize(
    "raw",
    [
        {"00100010": {"vr": "PN", "Value": [{"Alphabetic": "x", "Doe^Jane": 1}]}},  # an unexpected key in a name
        {"Doe^Jane": {"vr": "PN"}},  # a key that is no tag
        {"00100010": {"vr": "SQ", "Value": [{"Doe^Jane": {"vr": "PN"}}]}},  # the same inside a sequence
        {"00100010": {"vr": "LO", "Doe^Jane": ["x"]}},  # an unexpected member of an attribute
    ],
)
def test_faults_never_name_a_key_the_server_invented(raw: dict[str, Any]) -> None:
    """Unexpected keys may themselves be patient data: the fault's path says `?` for them."""

    def read_all(make: Callable[[dict[str, Any]], DicomObject]) -> None:
        obj = make(raw)
        for tag in list(obj):
            obj[tag]

    def lazily(raw: dict[str, Any]) -> DicomObject:  # the QIDO client's route
        return DicomObject.wrap(check_dataset(raw, "$"))

    for make in (DicomObject.from_json, lazily):
        with pytest.raises(DPATError) as info:
            read_all(make)
        assert "Doe" not in str(info.value)
        assert "Jane" not in str(info.value)
