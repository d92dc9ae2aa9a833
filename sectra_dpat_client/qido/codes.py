"""DICOM attribute names: the seed's `DicomCodes` constants and keyword↔tag lookup.

Every tag comes from pydicom's data dictionary; nothing here is a hand-typed table.
"""

from __future__ import annotations

import re
from enum import StrEnum
from functools import lru_cache
from typing import Final

from pydicom.datadict import keyword_dict, keyword_for_tag

__all__ = ["DicomCodes", "keyword_for", "normalize_tag", "tag_for"]

_HEX_TAG = re.compile(r"^[0-9A-Fa-f]{8}$")

# "studyinstanceuid" -> "0020000D": also serves the seed's camelCase and snake_case spellings.
# pydicom's keywords stay unique once lower-cased and stripped of underscores (checked in tests).
_FOLDED: Final[dict[str, str]] = {keyword.lower(): f"{tag:08X}" for keyword, tag in keyword_dict.items() if keyword}


def _fold(name: str) -> str:
    return name.replace("_", "").lower()


def tag_for(keyword: str) -> str:
    """The 8-hex-digit DICOM JSON tag (``"0020000D"``) for a keyword; raises `KeyError` when unknown.

    Exact keywords (``StudyInstanceUID``), the seed's camelCase (``studyInstanceUid``) and
    snake_case (``study_instance_uid``) are accepted.
    """
    try:
        return _FOLDED[_fold(keyword)]
    except KeyError:
        raise KeyError(f"unknown DICOM keyword {keyword!r}") from None


def keyword_for(tag: str | int) -> str:
    """The DICOM keyword (``"PatientID"``) for a tag; raises `KeyError` when the dictionary has none."""
    number = int(tag, 16) if isinstance(tag, str) and _HEX_TAG.match(tag) else tag
    if not isinstance(number, int) or isinstance(number, bool):
        raise KeyError(f"not a DICOM tag: {tag!r}")
    keyword = keyword_for_tag(number)
    if not keyword:
        raise KeyError(f"no DICOM keyword for tag {number:08X}")
    return keyword


@lru_cache(maxsize=4096, typed=True)
def normalize_tag(key: str | int) -> str:
    """A keyword, 8-hex-digit tag or integer tag as the upper-case DICOM JSON key; `KeyError` when unknown."""
    if isinstance(key, bool):
        raise KeyError(f"not a DICOM tag: {key!r}")
    if isinstance(key, int):
        if not 0 <= key <= 0xFFFFFFFF:
            raise KeyError(f"not a DICOM tag: {key!r}")
        return f"{key:08X}"
    if _HEX_TAG.match(key):
        return key.upper()
    return tag_for(key)


class DicomCodes(StrEnum):
    """Tags of the attributes a DPAT app reads most, as DICOM JSON keys (``"00100020"``).

    ``REQUEST_ID`` and ``EXAM_ID`` keep the seed's names: they are AccessionNumber (0008,0050) and
    StudyID (0020,0010); ``ACCESSION_NUMBER`` and ``STUDY_ID`` are aliases. Members are plain
    strings (``DicomCodes.PATIENT_ID == "00100020"``). `DicomCodes.tag` / `DicomCodes.keyword` look
    up any other attribute.
    """

    PATIENT_ID = tag_for("PatientID")
    PATIENT_NAME = tag_for("PatientName")
    PATIENT_BIRTH_DATE = tag_for("PatientBirthDate")
    PATIENT_SEX = tag_for("PatientSex")
    REQUEST_ID = tag_for("AccessionNumber")
    ACCESSION_NUMBER = tag_for("AccessionNumber")
    EXAM_ID = tag_for("StudyID")
    STUDY_ID = tag_for("StudyID")
    STUDY_INSTANCE_UID = tag_for("StudyInstanceUID")
    STUDY_DATE = tag_for("StudyDate")
    STUDY_TIME = tag_for("StudyTime")
    STUDY_DESCRIPTION = tag_for("StudyDescription")
    MODALITIES_IN_STUDY = tag_for("ModalitiesInStudy")
    REFERRING_PHYSICIAN_NAME = tag_for("ReferringPhysicianName")
    SERIES_INSTANCE_UID = tag_for("SeriesInstanceUID")
    SERIES_NUMBER = tag_for("SeriesNumber")
    SERIES_DESCRIPTION = tag_for("SeriesDescription")
    MODALITY = tag_for("Modality")
    SOP_CLASS_UID = tag_for("SOPClassUID")
    SOP_INSTANCE_UID = tag_for("SOPInstanceUID")
    INSTANCE_NUMBER = tag_for("InstanceNumber")
    RETRIEVE_URL = tag_for("RetrieveURL")

    tag = staticmethod(tag_for)
    keyword = staticmethod(keyword_for)
