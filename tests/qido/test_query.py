"""QIDO-RS query building: names, encoding, ranges, UID lists, includefield, limit/offset, paging state."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from sectra_dpat_client.errors import DPATQueryError
from sectra_dpat_client.qido import build_query
from sectra_dpat_client.qido.dicom_object import DicomObject
from sectra_dpat_client.qido.query import PageCursor, SearchOptions, merge_filters, page_cursor


def target(filters: dict[str, Any] | None = None, **kwargs: Any) -> str:
    return build_query("studies", filters, **kwargs).target


@pytest.mark.parametrize(
    ("filters", "expected"),
    [
        ({"PatientID": "PAT0042"}, "/studies?PatientID=PAT0042"),
        ({"00100020": "PAT0042"}, "/studies?00100020=PAT0042"),
        ({"0020000d": "1.2.3"}, "/studies?0020000D=1.2.3"),
        ({"studyInstanceUid": "1.2.3"}, "/studies?StudyInstanceUID=1.2.3"),
        ({"study_instance_uid": "1.2.3"}, "/studies?StudyInstanceUID=1.2.3"),
        ({"PatientID": "PAT*"}, "/studies?PatientID=PAT*"),
        ({"PatientID": "PAT?042"}, "/studies?PatientID=PAT?042"),
        ({"PatientName": "O'Brien^Mary Ann"}, "/studies?PatientName=O'Brien%5EMary%20Ann"),
        ({"AccessionNumber": "A&B=C+D#E%F"}, "/studies?AccessionNumber=A%26B%3DC%2BD%23E%25F"),
        ({"AccessionNumber": "ACC/500"}, "/studies?AccessionNumber=ACC/500"),
        ({"PatientName": "Müller"}, "/studies?PatientName=M%C3%BCller"),
        ({"StudyInstanceUID": ["1.2.3", "1.2.4"]}, "/studies?StudyInstanceUID=1.2.3,1.2.4"),
        ({"StudyInstanceUID": "1.2.3,1.2.4"}, "/studies?StudyInstanceUID=1.2.3,1.2.4"),
        ({"StudyDate": ("20240101", "20240131")}, "/studies?StudyDate=20240101-20240131"),
        ({"StudyDate": (dt.date(2024, 1, 1), None)}, "/studies?StudyDate=20240101-"),
        ({"StudyDate": (None, dt.date(2024, 1, 31))}, "/studies?StudyDate=-20240131"),
        ({"StudyDate": dt.date(2024, 1, 5)}, "/studies?StudyDate=20240105"),
        ({"StudyTime": (dt.time(8), dt.time(12, 30))}, "/studies?StudyTime=080000-123000"),
        ({"AcquisitionDateTime": (dt.datetime(2024, 1, 1, 8), None)}, "/studies?AcquisitionDateTime=20240101080000-"),
        ({"SeriesNumber": 3}, "/studies?SeriesNumber=3"),
        ({"PatientID": ""}, "/studies?PatientID="),
        ({"PatientID": None}, "/studies?PatientID="),
        (
            {"RequestAttributesSequence.RequestedProcedureID": "RP1"},
            "/studies?RequestAttributesSequence.RequestedProcedureID=RP1",
        ),
    ],
)
def test_filters_on_the_wire(filters: dict[str, Any], expected: str) -> None:
    assert target(filters) == expected


def test_parameters_keep_their_order_and_paging_is_last() -> None:
    query = build_query(
        "studies",
        {"PatientID": "P*", "StudyDate": ("20240101", None)},
        fields=["StudyDescription", "00081030", "PatientBirthDate"],
        fuzzymatching=True,
        limit=10,
        offset=20,
        extra_params={"vendor": "x y"},
    )
    assert query.target == (
        "/studies?PatientID=P*&StudyDate=20240101-&includefield=StudyDescription,PatientBirthDate"
        "&fuzzymatching=true&limit=10&offset=20&vendor=x%20y"
    )
    assert query.redacted() == (
        "/studies?PatientID=<redacted>&StudyDate=<redacted>&includefield=StudyDescription,PatientBirthDate"
        "&fuzzymatching=true&limit=10&offset=20&vendor=<redacted>"
    )
    assert query.with_page(5, 0).target.endswith("&vendor=x%20y&limit=5&offset=0")


def test_includefield_by_int_tag() -> None:
    assert target(fields=[0x00081030, "StudyDescription"]) == "/studies?includefield=00081030"
    with pytest.raises(DPATQueryError, match="not a DICOM tag"):
        target(fields=[-1])


def test_includefield_all() -> None:
    assert target(fields="all") == "/studies?includefield=all"
    with pytest.raises(DPATQueryError, match="all"):
        target(fields=["all", "PatientID"])


@pytest.mark.parametrize(
    ("level", "study", "series", "path", "template"),
    [
        ("studies", None, None, "/studies", "/studies"),
        ("series", None, None, "/series", "/series"),
        ("series", "1.2.3", None, "/studies/1.2.3/series", "/studies/{study}/series"),
        ("instances", None, None, "/instances", "/instances"),
        ("instances", "1.2.3", None, "/studies/1.2.3/instances", "/studies/{study}/instances"),
        (
            "instances",
            "1.2.3",
            "1.2.4",
            "/studies/1.2.3/series/1.2.4/instances",
            "/studies/{study}/series/{series}/instances",
        ),
    ],
)
def test_paths(level: Any, study: str | None, series: str | None, path: str, template: str) -> None:
    query = build_query(level, study_instance_uid=study, series_instance_uid=series)
    assert (query.path, query.template) == (path, template)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"filters": {"PatientIdentifier": "x"}}, "unknown DICOM attribute in filter 'PatientIdentifier'"),
        ({"filters": {"PatientID": "a", "00100020": "b"}}, "name the same attribute"),
        ({"filters": {"PatientID": ["a", "b"]}}, "only allowed for UID"),
        ({"filters": {"StudyInstanceUID": ["1.2.x"]}}, "not a DICOM UID"),
        ({"filters": {"StudyInstanceUID": []}}, "empty"),
        ({"filters": {"StudyDate": (None, None)}}, "start or an end"),
        ({"filters": {"PatientID": dt.date(2024, 1, 1)}}, "only a value for DA"),
        ({"filters": {"StudyDate": dt.time(1)}}, "only a value for TM"),
        ({"filters": {"PatientID": True}}, "boolean"),
        ({"filters": {"PatientID": "a\\b"}}, "backslash"),
        ({"filters": {"PatientID": object()}}, "unsupported value type"),
        ({"fields": ["NoSuchField"]}, "unknown DICOM attribute in fields"),
        ({"limit": 0}, "limit must be at least 1"),
        ({"limit": -5}, "limit must be at least 1"),
        ({"limit": "10"}, "limit must be an integer"),
        ({"limit": True}, "limit must be an integer"),
        ({"offset": -1}, "offset must be at least 0"),
        ({"fuzzymatching": "yes"}, "fuzzymatching"),
        ({"study_instance_uid": "1.2.3"}, "not scoped by a study UID"),
    ],
)
def test_bad_queries_are_rejected(kwargs: dict[str, Any], message: str) -> None:
    with pytest.raises(DPATQueryError, match=message):
        build_query("studies", **kwargs)


def test_bad_scopes_are_rejected() -> None:
    with pytest.raises(DPATQueryError, match="needs the study UID"):
        build_query("instances", series_instance_uid="1.2.3")
    with pytest.raises(DPATQueryError, match="scopes only an instance search"):
        build_query("series", study_instance_uid="1.2", series_instance_uid="1.2.3")
    with pytest.raises(DPATQueryError, match="not a DICOM UID"):
        build_query("series", study_instance_uid="1.2/../x")


def test_error_messages_never_carry_values() -> None:
    with pytest.raises(DPATQueryError) as caught:
        build_query("studies", {"PatientID": ["SECRET1", "SECRET2"]})
    assert "SECRET" not in str(caught.value)


def test_merge_filters() -> None:
    assert merge_filters({"00100020": "a"}, {"StudyID": "b"}) == {"00100020": "a", "StudyID": "b"}
    with pytest.raises(DPATQueryError, match="twice"):
        merge_filters({"PatientID": "a"}, {"PatientID": "b"})


def test_page_cursor_stops_on_short_page() -> None:
    cursor = PageCursor(build_query("studies"), page_size=3)
    assert cursor.next_query().target == "/studies?limit=3&offset=0"
    assert cursor.accept([1, 2, 3]) == 3
    assert cursor.next_query().target == "/studies?limit=3&offset=3"
    assert cursor.accept([4]) == 1
    assert cursor.done


def test_page_cursor_stops_on_empty_and_repeated_pages() -> None:
    cursor = PageCursor(build_query("studies"), page_size=2)
    cursor.next_query()
    cursor.accept([1, 2])
    cursor.next_query()
    assert cursor.accept([1, 2]) == 0
    assert cursor.done
    cursor = PageCursor(build_query("studies"), page_size=2)
    cursor.next_query()
    assert cursor.accept([]) == 0
    assert cursor.done


def test_page_cursor_max_results() -> None:
    cursor = PageCursor(build_query("studies"), page_size=4, max_results=6, offset=10)
    assert cursor.next_query().target == "/studies?limit=4&offset=10"
    assert cursor.accept([1, 2, 3, 4]) == 4
    assert cursor.next_query().target == "/studies?limit=2&offset=14"
    assert cursor.accept([5, 6, 7]) == 2  # a server ignoring limit: only the wanted ones count
    assert cursor.done
    assert PageCursor(build_query("studies"), max_results=0).done
    with pytest.raises(DPATQueryError):
        PageCursor(build_query("studies"), page_size=0)


def test_page_cursor_repr_hides_the_items_and_uids_seen() -> None:
    """The cursor keeps the last page and the instance UIDs seen (patient data): not in its repr."""
    cursor = page_cursor("studies", {"PatientID": "PAT0042"}, SearchOptions(), page_size=2)
    cursor.next_query()
    uid = "1.2.826.0.1.3680043.99.4242"
    page = [DicomObject.wrap({"0020000D": {"vr": "UI", "Value": [f"{uid}.{i}"]}}) for i in range(2)]
    assert cursor.accept(page) == 2
    shown = repr(cursor)
    assert uid not in shown
    assert "PAT0042" not in shown
    assert "offset=2" in shown
    assert "yielded=2" in shown
