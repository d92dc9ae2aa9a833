"""QIDO-RS against a real Orthanc + DICOMweb plugin, seeded by scripts/orthanc_seed.py (see its manifest).

Orthanc 1.10 does not percent-decode query values, so values with a space or ``^`` are matched
here with the ``?`` wildcard (docs: shared/reference/qido.md §2.8).
"""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace
from typing import Any

import pytest

from sectra_dpat_client.errors import DPATAuthenticationError, DPATNoMatchError, DPATQueryError, DPATRequestError
from sectra_dpat_client.qido import (
    AsyncDPATQidoClient,
    DicomCodes,
    DicomObject,
    DPATQidoClient,
    alink_image,
    link_image,
)

from .conftest import NO_WAIT, Orthanc

pytestmark = pytest.mark.orthanc


def study_uids(items: list[DicomObject]) -> list[str | None]:
    return [item.get_value_as_string(DicomCodes.STUDY_INSTANCE_UID) for item in items]


def test_seed_contract_runs_as_written(orthanc: Orthanc) -> None:
    qido_url, qido_username, qido_password = orthanc.url, orthanc.user, orthanc.password
    image_info = SimpleNamespace(study_instance_uid=orthanc.study(42)["StudyInstanceUID"])

    qido_client = DPATQidoClient(qido_url, qido_username, qido_password)
    study = qido_client.find_one_study(studyInstanceUid=image_info.study_instance_uid)
    patient_id = study.get_value_as_string(DicomCodes.PATIENT_ID)
    request_id = study.get_value_as_string(DicomCodes.REQUEST_ID)
    exam_id = study.get_value_as_string(DicomCodes.EXAM_ID)

    assert (patient_id, request_id, exam_id) == ("PAT0042", "ACC00042", "S0042")
    qido_client.close()


def test_all_studies_are_found_and_typed(qido: DPATQidoClient, orthanc: Orthanc) -> None:
    result = qido.search_studies()
    assert sorted(study_uids(result)) == sorted(study["StudyInstanceUID"] for study in orthanc.studies)
    assert result.status_code == 200
    by_uid = {item.get_value_as_string("StudyInstanceUID"): item for item in result}
    seeded = orthanc.study(7)
    study = by_uid[seeded["StudyInstanceUID"]]
    assert study.get_date("StudyDate") == dt.date(2024, 1, 8)
    assert study.get_datetime("StudyDate", time_key="StudyTime") == dt.datetime(2024, 1, 8, 12, 0)
    assert study.get_number("NumberOfStudyRelatedInstances") == 1
    name = study.get_person_name(DicomCodes.PATIENT_NAME)
    assert name is not None
    assert (name.family_name, name.given_name) == ("Test", "Patient0007")
    assert study.to_pydicom().PatientID == "PAT0007"


@pytest.mark.parametrize(
    "key",
    ["PatientID", "00100020", "patientId", "patient_id"],
)
def test_filter_by_keyword_tag_camel_and_snake_case(qido: DPATQidoClient, orthanc: Orthanc, key: str) -> None:
    result = qido.search_studies({key: "PAT0042"})
    assert study_uids(result) == [orthanc.study(42)["StudyInstanceUID"]]


@pytest.mark.parametrize(
    ("filters", "expected"),
    [
        ({"AccessionNumber": "ACC00042"}, [42]),
        ({"00080050": "ACC00042"}, [42]),
        ({"StudyID": "S0042"}, [42]),
        ({"00200010": "S0042"}, [42]),
        ({"PatientID": "PAT004*"}, list(range(40, 50))),
        ({"PatientID": "PAT00?2"}, [2, 12, 22, 32, 42, 52, 62, 72, 82, 92]),
        ({"StudyDate": ("20240105", "20240107")}, [4, 5, 6]),
        ({"StudyDate": (dt.date(2024, 4, 8), None)}, [98, 99]),
        ({"StudyDate": (None, dt.date(2024, 1, 2))}, [0, 1, -1]),  # -1: the special study (2023)
        ({"StudyDescription": "Synthetic*42"}, [42]),
        ({"ModalitiesInStudy": "OT", "PatientID": "PAT000*"}, [1, 3, 5, 7, 9]),
    ],
)
def test_matching(qido: DPATQidoClient, orthanc: Orthanc, filters: dict[str, Any], expected: list[int]) -> None:
    result = qido.search_studies(filters)
    assert sorted(study_uids(result)) == sorted(orthanc.study(i)["StudyInstanceUID"] for i in expected)


def test_uid_list_is_one_comma_joined_value(qido: DPATQidoClient, orthanc: Orthanc) -> None:
    wanted = [orthanc.study(3)["StudyInstanceUID"], orthanc.study(77)["StudyInstanceUID"]]
    assert sorted(study_uids(qido.search_studies(StudyInstanceUID=wanted))) == sorted(wanted)


def test_awkward_values(qido: DPATQidoClient, orthanc: Orthanc) -> None:
    special = orthanc.special["StudyInstanceUID"]
    assert study_uids(qido.search_studies(AccessionNumber="ACC/500")) == [special]
    assert study_uids(qido.search_studies(PatientName="O'Brien?Mary?Ann")) == [special]
    study = qido.find_one_study(PatientID="PAT?0500")
    name = study.get_person_name("PatientName")
    assert name is not None
    assert (name.family_name, name.given_name) == ("O'Brien", "Mary Ann")
    assert study.get_time("StudyTime") == dt.time(9, 30, 15, 250000)


def test_includefield(qido: DPATQidoClient, orthanc: Orthanc) -> None:
    plain = qido.search_studies(PatientID="PAT0042")[0]
    assert "StudyDescription" not in plain
    extended = qido.search_studies(PatientID="PAT0042", fields=["StudyDescription", "00100030"])[0]
    assert extended.get_value_as_string("StudyDescription") == "Synthetic study 42"
    assert qido.search_studies(PatientID="PAT0042", fields="all")


def test_limit_offset_and_paging_return_the_unpaged_list(qido: DPATQidoClient, orthanc: Orthanc) -> None:
    everything = study_uids(qido.search_studies())
    assert len(qido.search_studies(limit=10)) == 10
    assert study_uids(qido.search_studies(limit=10, offset=100)) == everything[100:110]
    assert study_uids(list(qido.iter_studies(page_size=7))) == everything
    assert study_uids(list(qido.iter_studies(page_size=7, max_results=23))) == everything[:23]
    assert study_uids(list(qido.iter_studies(page_size=10, offset=95))) == everything[95:]


def test_no_match_is_an_empty_result(qido: DPATQidoClient) -> None:
    result = qido.search_studies(PatientID="NOSUCHPATIENT")
    assert result == []
    assert result.warnings == ()
    with pytest.raises(DPATNoMatchError) as caught:  # the server answered 200: no invented 404
        qido.find_one_study(PatientID="NOSUCHPATIENT")
    assert isinstance(caught.value, LookupError)
    assert not isinstance(caught.value, DPATRequestError)
    assert "NOSUCHPATIENT" not in str(caught.value)


def test_find_one_study_refuses_ambiguous_filters(qido: DPATQidoClient) -> None:
    with pytest.raises(DPATQueryError, match="more than one"):
        qido.find_one_study(PatientID="PAT00*")


def test_fuzzymatching_is_sent_and_accepted(qido: DPATQidoClient) -> None:
    # Orthanc ignores fuzzy matching without the Warning the standard asks for (qido.md §2.8).
    assert study_uids(qido.search_studies(PatientName="Test?Patient0042", fuzzymatching=True)) == study_uids(
        qido.search_studies(PatientName="Test?Patient0042")
    )


def test_series_and_instances(qido: DPATQidoClient, orthanc: Orthanc) -> None:
    special = orthanc.special
    series = qido.search_series(special["StudyInstanceUID"])
    assert sorted(item.get_value_as_string(DicomCodes.SERIES_INSTANCE_UID) for item in series) == sorted(
        special["SeriesInstanceUIDs"]
    )
    assert {item.get_number(DicomCodes.SERIES_NUMBER) for item in series} == {1, 2}
    relational = qido.search_series(PatientID="PAT?0500", Modality="SM")
    assert len(relational) == 2
    first_series = special["SeriesInstanceUIDs"][0]
    instances = qido.search_instances(special["StudyInstanceUID"], first_series)
    assert sorted(item.get_number(DicomCodes.INSTANCE_NUMBER) for item in instances) == [1, 2, 3]
    assert {item.get_number("Rows") for item in instances} == {8}
    assert len(qido.search_instances(special["StudyInstanceUID"])) == 6
    assert len(qido.search_instances(AccessionNumber="ACC00007")) == 1
    assert len(list(qido.iter_instances(page_size=4, max_results=9))) == 9
    assert len(list(qido.iter_series(special["StudyInstanceUID"], page_size=1))) == 2


def test_wrong_password_is_an_authentication_error(orthanc: Orthanc) -> None:
    client = DPATQidoClient(orthanc.url, orthanc.user, "wrong-password", retry=NO_WAIT)
    with client, pytest.raises(DPATAuthenticationError) as caught:
        client.search_studies(PatientID="PAT0001")
    assert caught.value.status_code == 401
    assert "wrong-password" not in str(caught.value) + repr(caught.value) + repr(client)
    assert "PAT0001" not in str(caught.value)


def test_unknown_keyword_is_rejected_before_sending(qido: DPATQidoClient) -> None:
    with pytest.raises(DPATQueryError, match="PatientIdentifier"):
        qido.search_studies(PatientIdentifier="PAT0001")


def test_link_image_finds_study_and_series(qido: DPATQidoClient, orthanc: Orthanc) -> None:
    special = orthanc.special
    info = SimpleNamespace(
        study_instance_uid=special["StudyInstanceUID"], series_instance_uid=special["SeriesInstanceUIDs"][1]
    )
    link = link_image(qido, info)
    assert link.study.get_value_as_string(DicomCodes.REQUEST_ID) == "ACC/500"
    assert link.series is not None
    assert link.series.get_value_as_string(DicomCodes.SERIES_INSTANCE_UID) == special["SeriesInstanceUIDs"][1]
    without_series = link_image(
        qido, SimpleNamespace(study_instance_uid=special["StudyInstanceUID"], series_instance_uid=None)
    )
    assert without_series.series is None
    with pytest.raises(DPATQueryError, match="includePHI"):
        link_image(qido, SimpleNamespace(study_instance_uid=None, series_instance_uid=None))


async def test_async_client_matches_sync_client(
    qido: DPATQidoClient, aqido: AsyncDPATQidoClient, orthanc: Orthanc
) -> None:
    special = orthanc.special
    study_uid, series_uid = special["StudyInstanceUID"], special["SeriesInstanceUIDs"][0]
    calls: list[tuple[str, tuple[Any, ...], dict[str, Any]]] = [
        ("search_studies", (), {"PatientID": "PAT004*", "fields": ["StudyDescription"]}),
        ("search_studies", (), {"limit": 5, "offset": 10}),
        ("search_series", (study_uid,), {}),
        ("search_series", (), {"Modality": "OT", "limit": 3}),
        ("search_instances", (study_uid, series_uid), {}),
        ("search_instances", (study_uid,), {"InstanceNumber": "2"}),
    ]
    for name, args, kwargs in calls:
        sync_result = getattr(qido, name)(*args, **kwargs)
        async_result = await getattr(aqido, name)(*args, **kwargs)
        assert [item.to_json() for item in async_result] == [item.to_json() for item in sync_result], name
        assert async_result.warnings == sync_result.warnings
    sync_one = qido.find_one_study(StudyInstanceUID=study_uid)
    assert await aqido.find_one_study(StudyInstanceUID=study_uid) == sync_one
    assert [item async for item in aqido.iter_studies(page_size=9)] == list(qido.iter_studies(page_size=9))
    assert [item async for item in aqido.iter_series(page_size=50, max_results=60)] == list(
        qido.iter_series(page_size=50, max_results=60)
    )
    assert [item async for item in aqido.iter_instances(study_uid, page_size=4)] == list(
        qido.iter_instances(study_uid, page_size=4)
    )
    info = SimpleNamespace(study_instance_uid=study_uid, series_instance_uid=series_uid)
    assert await alink_image(aqido, info) == link_image(qido, info)
