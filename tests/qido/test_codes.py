"""DicomCodes and keyword↔tag lookup (pydicom's data dictionary)."""

from __future__ import annotations

import pytest
from pydicom.datadict import keyword_dict

from sectra_dpat_client.qido import DicomCodes, keyword_for, normalize_tag, tag_for
from sectra_dpat_client.qido.codes import _FOLDED


def test_seed_names_point_at_the_documented_tags() -> None:
    assert DicomCodes.PATIENT_ID == "00100020"
    assert DicomCodes.REQUEST_ID == DicomCodes.ACCESSION_NUMBER == "00080050"
    assert DicomCodes.EXAM_ID == DicomCodes.STUDY_ID == "00200010"
    assert DicomCodes.STUDY_INSTANCE_UID == "0020000D"
    assert DicomCodes.SERIES_INSTANCE_UID == "0020000E"


def test_every_constant_is_the_dictionary_tag_of_its_keyword() -> None:
    assert len(DicomCodes.__members__) > 15
    for value in DicomCodes.__members__.values():
        assert tag_for(keyword_for(value)) == value
    assert DicomCodes.PATIENT_ID.value == "00100020"
    assert f"{DicomCodes.STUDY_INSTANCE_UID}" == "0020000D"


@pytest.mark.parametrize("spelling", ["StudyInstanceUID", "studyInstanceUid", "study_instance_uid", "STUDYINSTANCEUID"])
def test_tag_for_accepts_the_seed_spellings(spelling: str) -> None:
    assert tag_for(spelling) == "0020000D"
    assert DicomCodes.tag(spelling) == "0020000D"


def test_folding_keeps_keywords_unique() -> None:
    assert len(_FOLDED) == len([keyword for keyword in keyword_dict if keyword])


def test_lookups() -> None:
    assert keyword_for("00100020") == "PatientID"
    assert keyword_for(0x0020000D) == DicomCodes.keyword("0020000d") == "StudyInstanceUID"
    assert normalize_tag("0020000d") == "0020000D"
    assert normalize_tag(0x00100010) == "00100010"
    assert normalize_tag("PatientName") == "00100010"
    assert normalize_tag("00091001") == "00091001"  # private tags pass as tags


@pytest.mark.parametrize("bad", ["PatientIdentifier", "", "0010002", "x0100020"])
def test_unknown_keywords_raise_key_error(bad: str) -> None:
    with pytest.raises(KeyError):
        normalize_tag(bad)


@pytest.mark.parametrize("bad", [-1, 2**32, True])
def test_bad_int_tags_raise_key_error(bad: int) -> None:
    with pytest.raises(KeyError):
        normalize_tag(bad)


def test_keyword_for_a_tag_without_keyword() -> None:
    with pytest.raises(KeyError):
        keyword_for("00091001")
