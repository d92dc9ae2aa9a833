"""Fuzzing with hypothesis: whatever a server or a caller throws at us, only our typed errors escape.

Covered here: result and slide-info parsing (the IA-API client), DICOM JSON parsing and the typed
accessors, and path-parameter encoding. Invocation parsing (tests/app) and the multipart parser
(tests/wsi) have fuzz suites of their own.
"""

from __future__ import annotations

import contextlib
import json
from typing import Any
from urllib.parse import unquote

import httpx
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sectra_dpat_client._core.errors import Named
from sectra_dpat_client._core.http import RetryPolicy
from sectra_dpat_client.ai import DPATAIClient
from sectra_dpat_client.errors import DPATError
from sectra_dpat_client.qido import DicomCodes
from sectra_dpat_client.qido.result import parse_datasets
from tests.spec.examples import IMAGE_INFO_FULL, RESULT_RESPONSE

NO_RETRY = RetryPolicy(attempts=1)
FUZZ = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
INFO = {"apiVersion": "1.10", "softwareVersion": "4.2"}

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=12), children, max_size=4),
    max_leaves=25,
)


def _mutations(document: dict[str, Any]) -> st.SearchStrategy[Any]:
    """The document with one key dropped, one value replaced by any JSON, or left as is."""
    keys = sorted(document)

    def drop(key: str) -> dict[str, Any]:
        return {k: v for k, v in document.items() if k != key}

    def replace(pair: tuple[str, Any]) -> dict[str, Any]:
        return {**document, pair[0]: pair[1]}

    return st.one_of(
        st.sampled_from(keys).map(drop),
        st.tuples(st.sampled_from(keys), json_values).map(replace),
        json_values,
    )


def _client_answering(body: bytes, content_type: str = "application/json") -> DPATAIClient:
    def answer(request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/info") and "/slides/" not in request.url.path:
            return httpx.Response(200, json=INFO)
        return httpx.Response(200, content=body, headers={"Content-Type": content_type})

    return DPATAIClient(
        "http://dpat.test", token="t", app_id="app", transport=httpx.MockTransport(answer), retry=NO_RETRY
    )


@FUZZ
@given(_mutations(IMAGE_INFO_FULL))
def test_slide_info_parsing_raises_only_typed_errors(document: Any) -> None:
    client = _client_answering(json.dumps(document).encode())
    try:
        info = client.get_image_info("s1", extended=True, phi=True)
    except DPATError:
        return
    assert info.id == document["id"]  # parsed: it really was an image info


@FUZZ
@given(_mutations(RESULT_RESPONSE))
def test_result_parsing_raises_only_typed_errors(document: Any) -> None:
    client = _client_answering(json.dumps(document).encode())
    try:
        result = client.get_results(42)
    except DPATError:
        return
    assert result.id == document["id"]


@FUZZ
@given(st.binary(max_size=200), st.sampled_from(["application/json", "text/plain", "application/octet-stream"]))
def test_arbitrary_bytes_as_an_answer_raise_only_typed_errors(body: bytes, content_type: str) -> None:
    client = _client_answering(body, content_type)
    try:
        client.list_results_for_slide("s1")
    except DPATError:
        return


# --- DICOM JSON -------------------------------------------------------------------------------------

vrs = st.sampled_from(["PN", "SQ", "DA", "TM", "DT", "IS", "DS", "US", "FD", "LO", "UI", "OB", "XX"])
attributes = st.fixed_dictionaries(
    {"vr": vrs},
    optional={"Value": st.lists(json_values, max_size=3), "InlineBinary": json_values, "BulkDataURI": json_values},
)
tags = st.sampled_from(["00100010", "00100020", "00080020", "00080030", "00201208", "00400560", "7FE00010", "0010"])
datasets = st.dictionaries(tags, attributes | json_values, max_size=5)


@FUZZ
@given(st.lists(datasets, max_size=3) | json_values)
def test_dicom_json_parsing_and_accessors_raise_only_typed_errors(body: Any) -> None:
    try:
        parsed = parse_datasets(json.dumps(body).encode(), Named("GET", "/studies"), status_code=200)
    except DPATError:
        return
    for dataset in parsed:
        for code in (DicomCodes.PATIENT_ID, DicomCodes.REQUEST_ID):
            with contextlib.suppress(DPATError):
                dataset.get_value_as_string(code)
        for call in (
            lambda d: d.get_person_name("PatientName"),
            lambda d: d.get_date("StudyDate"),
            lambda d: d.get_time("StudyTime"),
            lambda d: d.get_values("NumberOfStudyRelatedInstances"),
            lambda d: d.get_values("SpecimenDescriptionSequence"),
        ):
            with contextlib.suppress(DPATError):
                call(dataset)
        repr(dataset)


@FUZZ
@given(st.binary(max_size=200))
def test_dicom_json_from_arbitrary_bytes(body: bytes) -> None:
    try:
        parse_datasets(body, Named("GET", "/studies"), status_code=200)
    except DPATError:
        return


# --- path parameters ----------------------------------------------------------------------------------


@settings(max_examples=300, deadline=None)
@given(st.text(min_size=1, max_size=40).filter(lambda s: "\x00" not in s))
def test_no_slide_id_changes_the_request_path(slide_id: str) -> None:
    seen: list[httpx.Request] = []

    def answer(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/info":
            return httpx.Response(200, json=INFO)
        seen.append(request)
        return httpx.Response(200, json=IMAGE_INFO_FULL)

    transport = httpx.MockTransport(answer)
    try:
        DPATAIClient("http://dpat.test", token="t", transport=transport, retry=NO_RETRY).get_image_info(slide_id)
    except DPATError:
        return  # refused before sending (e.g. an id that cannot be encoded): fine, nothing was sent
    (request,) = seen
    raw_path = request.url.raw_path.decode("ascii").split("?", 1)[0]
    segments = raw_path.split("/")
    assert segments[:2] == ["", "slides"]
    assert segments[3:] == ["info"]
    assert unquote(segments[2]) == slide_id
    assert not request.url.query or b"scope" in request.url.query or b"includePHI" in request.url.query
