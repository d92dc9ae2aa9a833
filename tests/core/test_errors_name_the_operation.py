"""Every error about an answer names the request's operation (method and path template), built in `_core.errors`.

Too-large answers, unknown content codings and passed deadlines (`_core.limits`), QIDO-RS answers that are
not DICOM JSON (`qido.result`) and tile/image-info answers wsi cannot use all carry the template on
``.path`` and in their text, never the filled-in path.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator

import httpx
import pytest

from sectra_dpat_client._core.errors import NO_OPERATION, Named, unusable_answer
from sectra_dpat_client._core.http import RetryPolicy
from sectra_dpat_client._core.limits import AnswerLimits
from sectra_dpat_client.ai import AsyncDPATAIClient, DPATAIClient
from sectra_dpat_client.errors import DPATBadRequestError, DPATConnectionError, DPATError, DPATResponseError
from sectra_dpat_client.qido import AsyncDPATQidoClient, DPATQidoClient

NO_RETRY = RetryPolicy(attempts=1)
SMALL = AnswerLimits(json_bytes=1024, image_bytes=1024)
SERVER = {"apiVersion": "1.10", "softwareVersion": "test"}


class _Body(httpx.SyncByteStream, httpx.AsyncByteStream):
    """A body httpx does not read ahead (``content=`` would be read before the limits see it)."""

    def __init__(self, data: bytes) -> None:
        self._data = data

    def __iter__(self) -> Iterator[bytes]:
        yield self._data

    async def __aiter__(self) -> AsyncIterator[bytes]:
        yield self._data


def _big(request: httpx.Request) -> httpx.Response:
    if request.url.path.endswith("/info") and "/slides/" not in request.url.path:
        return httpx.Response(200, json=SERVER)
    body = _Body(b"[" + b"1," * 4000 + b"1]")
    return httpx.Response(200, stream=body, headers={"Content-Type": "application/json"})


def _coded(request: httpx.Request) -> httpx.Response:
    headers = {"Content-Type": "application/dicom+json", "Content-Encoding": "br"}
    return httpx.Response(200, stream=_Body(b"[]"), headers=headers)


def test_too_large_qido_answer_names_the_search_template() -> None:
    with DPATQidoClient("http://pacs.test/dicom-web", transport=httpx.MockTransport(_big), limits=SMALL) as client:
        with pytest.raises(DPATResponseError, match="json_bytes") as caught:
            client.search_studies(PatientName="SECRET^PAT")
    assert caught.value.path == "/studies"
    assert str(caught.value).startswith("GET /studies: ")
    assert "SECRET" not in str(caught.value)


def test_too_large_async_qido_answer_names_the_series_template() -> None:
    async def main() -> DPATResponseError:
        transport = httpx.MockTransport(_big)
        async with AsyncDPATQidoClient("http://pacs.test/dicom-web", transport=transport, limits=SMALL) as client:
            with pytest.raises(DPATResponseError, match="json_bytes") as caught:
                await client.search_series("1.2.3.99", PatientName="SECRET")
        return caught.value

    error = asyncio.run(main())
    assert error.path == "/studies/{study}/series"
    assert "SECRET" not in str(error)


def test_too_large_ia_api_answer_names_the_operation() -> None:
    transport = httpx.MockTransport(_big)
    with DPATAIClient("http://dpat.test/api", token="t", transport=transport, limits=SMALL, retry=NO_RETRY) as client:
        with pytest.raises(DPATResponseError, match="json_bytes") as caught:
            client.get_image_info("SECRET-SLIDE")
    assert caught.value.path == "/slides/{slideId}/info"
    assert str(caught.value).startswith("GET /slides/{slideId}/info: ")
    assert "SECRET" not in str(caught.value)


def test_unknown_content_coding_names_the_search_template() -> None:
    with DPATQidoClient("http://pacs.test/dicom-web", transport=httpx.MockTransport(_coded)) as client:
        with pytest.raises(DPATResponseError, match="content coding") as caught:
            client.search_studies()
    assert caught.value.path == "/studies"


def test_async_ia_api_too_large_answer_names_the_operation() -> None:
    async def main() -> DPATResponseError:
        transport = httpx.MockTransport(_big)
        async with AsyncDPATAIClient(
            "http://dpat.test/api", token="t", transport=transport, limits=SMALL, retry=NO_RETRY
        ) as client:
            with pytest.raises(DPATResponseError, match="json_bytes") as caught:
                await client.get_image_info("SECRET-SLIDE")
        return caught.value

    assert asyncio.run(main()).path == "/slides/{slideId}/info"


@pytest.mark.parametrize(
    ("body", "content_type", "what"),
    [
        (b"[{", "application/dicom+json", "not JSON"),
        (b'"SECRET"', "application/dicom+json", "neither an array nor an object"),
        (b'[{"00100020": "SECRET"}]', "application/dicom+json", "is not a DICOM JSON attribute"),
        (b"<html>SECRET</html>", "text/html", "content type 'text/html'"),
    ],
)
def test_qido_parse_failures_name_the_search_once(body: bytes, content_type: str, what: str) -> None:
    def answer(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, content=body, headers={"Content-Type": content_type})

    with DPATQidoClient("http://pacs.test/dicom-web", transport=httpx.MockTransport(answer)) as client:
        with pytest.raises(DPATResponseError, match=what) as caught:
            client.search_instances("1.2", "3.4")
    error = caught.value
    template = "/studies/{study}/series/{series}/instances"
    assert (error.path, error.status_code) == (template, 200)
    assert str(error).startswith(f"GET {template}: ")
    assert str(error).count(template) == 1
    assert error.__cause__ is None
    assert not isinstance(error.__context__, DPATError)  # built once, not caught and relabelled
    assert "SECRET" not in str(error)


def test_qido_error_status_names_the_search_template() -> None:
    def answer(request: httpx.Request) -> httpx.Response:
        return httpx.Response(413, text="too many SECRET")

    with DPATQidoClient("http://pacs.test/dicom-web", transport=httpx.MockTransport(answer)) as client:
        with pytest.raises(DPATBadRequestError) as caught:
            client.search_studies()
    assert (caught.value.status_code, caught.value.method, caught.value.path) == (413, "GET", "/studies")


def test_unusable_answer_without_an_operation_has_no_empty_prefix() -> None:
    assert str(unusable_answer(NO_OPERATION, "bad")) == "bad"
    assert str(unusable_answer(Named("GET", "/studies"), "bad")) == "GET /studies: bad"


def test_qido_transport_failure_names_the_search_from_the_request() -> None:
    def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("refused", request=request)

    transport = httpx.MockTransport(refuse)
    with DPATQidoClient("http://pacs.test/dicom-web", transport=transport, retry=NO_RETRY) as client:
        with pytest.raises(DPATConnectionError) as caught:
            client.search_series("1.2.3", PatientName="SECRET")
    assert str(caught.value).startswith("GET /studies/{study}/series: the server could not be reached")
    assert "SECRET" not in str(caught.value.__cause__)
