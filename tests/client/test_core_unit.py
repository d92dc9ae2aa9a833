"""The I/O-free core shared by both clients, and the token bookkeeping, as tables."""

from __future__ import annotations

import httpx
import pytest
from pytest_httpx import HTTPXMock

from sectra_dpat_client._core.errors import (
    error_for_failure,
    error_for_response,
    operation_extension,
    unusable_answer,
)
from sectra_dpat_client._generated import dpat_spec
from sectra_dpat_client._generated.dpat_api.api.slides import get_image_info
from sectra_dpat_client._generated.dpat_api.types import Unset
from sectra_dpat_client.ai import (
    AsyncDPATAIClient,
    DPATAIClient,
    ImageInfo,
    Result,
    ResultContent,
    ResultData,
    ResultResponse,
    ResultType,
    ResultUpdate,
    Token,
    arguments,
    results,
    tiles,
)
from sectra_dpat_client.ai import operations as ops
from sectra_dpat_client.ai.auth import TokenAuth, TokenState
from sectra_dpat_client.errors import (
    DPATBadRequestError,
    DPATConnectionError,
    DPATQueryError,
    DPATResponseError,
    DPATServerError,
    DPATTimeoutError,
    DPATVersionError,
)

from .conftest import FAST_RETRY


@pytest.mark.parametrize(
    ("low", "high"), [("1.9", "1.10"), ("1.5", "1.6"), ("1.10", "2.0"), ("1.10", "1.10.1"), ("4.2-beta", "4.3")]
)
def test_versions_compare_numerically(low: str, high: str) -> None:
    assert ops.parse_version(low) < ops.parse_version(high)


@pytest.mark.parametrize("text", ["", "abc", "v1.10", ".1"])
def test_unreadable_versions(text: str) -> None:
    with pytest.raises(ValueError, match="not a version"):
        ops.parse_version(text)


def test_operation_table_comes_from_the_spec() -> None:
    spec = dpat_spec.ia_api()
    table = ops.operations()
    for path, item in spec["paths"].items():
        for method, op in item.items():
            if method == "parameters":
                continue
            found = next(o for o in table.values() if o.operation_id == op["operationId"])
            assert (found.method, found.path, found.since) == (method.upper(), path, op["x-ia-api-since"])
    assert ops.operation_for(get_image_info) == ops.operation_for("get_image_info")
    assert ops.operation_for(get_image_info).path == "/slides/{slideId}/info"
    assert spec["info"]["version"] == ops.SPEC_VERSION


def test_version_check_names_both_versions() -> None:
    qc = ops.operations()["set_quality_control"]
    ops.check_version(qc, "1.10")
    ops.check_version(qc, "1.11")
    with pytest.raises(DPATVersionError) as info:
        ops.check_version(qc, "1.9")
    assert (info.value.operation, info.value.required, info.value.server) == ("setQualityControl", "1.10", "1.9")


@pytest.mark.parametrize(
    ("configured", "server", "expected"),
    [(None, None, "1.10"), (None, "1.9", "1.9"), (None, "1.11", "1.10"), ("1.6", "1.10", "1.6"), ("1.6", None, "1.6")],
)
def test_header_version(configured: str | None, server: str | None, expected: str) -> None:
    assert ops.header_version(configured, server) == expected


def test_bare_result_content_is_wrapped_once() -> None:
    content = ResultContent(type=ResultType.PRIMITIVES, content=[])
    result = Result(slideId="s", data=content)  # the seed README form, typed: the field converts it
    assert result.data == ResultData(result=content)
    assert result.to_dict()["data"] == {"result": {"type": "primitive", "content": []}}
    result.data = ResultData(result=content)
    assert result.data.result is content  # a ResultData is kept as it is
    result.data = content  # type: ignore[assignment]  # setting converts too
    assert result.data == ResultData(result=content)
    assert Result.from_dict(result.to_dict()) == result
    assert ResultResponse(slideId="s", id=1, versionId="v", data=content).data == ResultData(result=content)
    assert ResultUpdate(slideId="s", versionId="v", data=content).data == ResultData(result=content)


def test_result_update_takes_the_version_from_the_answer_or_the_argument() -> None:
    answer = ResultResponse(slideId="s", id=4, versionId="v1", displayResult="x")
    assert results.result_update(answer, None).version_id == "v1"
    assert results.result_update(answer, "v2").version_id == "v2"
    plain = Result(slideId="s", data=ResultContent(type=ResultType.PRIMITIVES, content=[]))  # type: ignore[arg-type]
    update = results.result_update(plain, "v3").to_dict()
    assert update["versionId"] == "v3"
    assert update["data"] == {"result": {"type": "primitive", "content": []}}
    with pytest.raises(DPATQueryError, match="versionId"):
        results.result_update(Result(slideId="s"), None)


@pytest.mark.parametrize(
    ("byte_range", "header", "body_200"),
    [
        (None, None, b"0123456789"),
        ((2, 4), "bytes=2-4", b"234"),
        ((7, None), "bytes=7-", b"789"),
        ((0, 0), "bytes=0-0", b"0"),
    ],
)
def test_ranges(byte_range: tuple[int, int | None] | None, header: str | None, body_200: bytes) -> None:
    sent = arguments.range_header(byte_range)
    assert (None if isinstance(sent, Unset) else sent) == header
    assert arguments.apply_range(200, b"0123456789", byte_range) == body_200
    assert arguments.apply_range(206, b"partial", byte_range) == b"partial"


@pytest.mark.parametrize("bad", [(-1, 3), (5, 2)])
def test_bad_ranges(bad: tuple[int, int]) -> None:
    with pytest.raises(DPATQueryError):
        arguments.range_header(bad)


def _image_info(formats: list[dict[str, str]]) -> ImageInfo:
    return ImageInfo.from_dict(
        {
            "id": "s",
            "isStreamable": True,
            "imageSize": {"width": 1, "height": 1},
            "tileSize": {"width": 256, "height": 256},
            "micronsPerPixel": 0.25,
            "focalPlanes": [],
            "opticalPaths": [],
            "storedTileFormat": {"mimeType": "image/jpeg", "extension": "jpg"},
            "availableTileFormats": formats,
            "fileFormat": {"mimeType": "application/dicom"},
            "staining": {"displayName": "HE"},
            "block": {"displayName": "A"},
        }
    )


def test_tile_extension() -> None:
    assert tiles.tile_extension(_image_info([{"mimeType": "image/png", "extension": ".png"}])) == "png"
    assert tiles.tile_extension(_image_info([])) == "jpg"


def test_errors_are_built_from_the_operation_the_request_carries() -> None:
    op = ops.operations()["get_image_info"]
    request = httpx.Request("GET", "http://dpat.test/slides/PATIENT-SLIDE/info", extensions=operation_extension(op))
    odd = error_for_response(httpx.Response(499, text="x", request=request))
    assert (type(odd), odd.status_code, odd.path, odd.method) == (DPATBadRequestError, 499, op.path, "GET")
    assert isinstance(error_for_response(httpx.Response(503, request=request)), DPATServerError)
    assert isinstance(error_for_failure(httpx.ConnectError("no", request=request)), DPATConnectionError)
    timeout = error_for_failure(httpx.ReadTimeout("slow", request=request))
    assert isinstance(timeout, DPATTimeoutError)
    assert "/slides/{slideId}/info" in str(timeout)
    assert "PATIENT" not in str(timeout) + str(odd) + repr(odd)
    unusable = unusable_answer(op, "the answer does not match the API (KeyError)")
    assert isinstance(unusable, DPATResponseError)
    assert unusable.path == op.path


def test_an_error_without_an_operation_names_only_the_method() -> None:
    request = httpx.Request("GET", "http://dpat.test/slides/PATIENT-SLIDE/info")
    error = error_for_response(httpx.Response(404, request=request))
    assert (error.method, error.path) == ("GET", "")


def test_expect_helpers() -> None:
    op = ops.operations()["get_image_info"]
    with pytest.raises(DPATResponseError, match="expected ImageInfo"):
        results.expect_one(ImageInfo, None, op)
    with pytest.raises(DPATResponseError, match="list of ImageInfo"):
        results.expect_list(ImageInfo, [1], op)


def test_tile_format_cache_is_bounded() -> None:
    cache = tiles.TileFormatCache(size=2)
    for name in "abc":
        cache.put(name, "jpg")
    assert (cache.get("a"), cache.get("c")) == (None, "jpg")


@pytest.mark.parametrize("cls", [DPATAIClient, AsyncDPATAIClient])
@pytest.mark.parametrize(
    "kwargs",
    [
        {"url": "ftp://x"},
        {"url": "http://x", "token": "t", "username": "u", "password": "p", "app_id": "a"},
        {"url": "http://x", "username": "u", "app_id": "a"},
        {"url": "http://x", "username": "u", "password": "p"},
        {"url": "http://x", "token": "t", "api_version": "new"},
        {"url": "http://x", "token": "t", "app_id": ".."},
    ],
)
def test_constructor_rejects_nonsense(cls: type, kwargs: dict[str, str]) -> None:
    with pytest.raises(DPATQueryError):
        cls(**kwargs)


# -- tokens ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(("expires_in", "renew_after"), [(3600, 3540), (60, 30), (1, 1), (0, 0)])
def test_token_is_renewed_early(expires_in: int, renew_after: float) -> None:
    state = TokenState().renewed(
        Token(access_token="SECRET-TOKEN", token_type="Bearer", expires_in=expires_in), now=100.0
    )
    assert state.renew_at == 100.0 + renew_after
    assert state.generation == 1
    assert "SECRET-TOKEN" not in repr(state)


def test_token_auth_renews_before_expiry(httpx_mock: HTTPXMock) -> None:
    now = [0.0]
    fetched: list[int] = []

    def fetch() -> Token:
        fetched.append(1)
        return Token(access_token=f"tok{len(fetched)}", token_type="Bearer", expires_in=120)

    auth = TokenAuth("http://dpat.test/v1", "user", "pw", fetch, clock=lambda: now[0])
    httpx_mock.add_response(is_reusable=True, json={})
    with httpx.Client(base_url="http://dpat.test/v1", auth=auth) as http:
        http.get("/info")
        now[0] = 59.0
        http.get("/info")
        now[0] = 61.0  # 120 s lifetime, renewed 60 s early
        http.get("/info")
    sent = [r.headers["Authorization"] for r in httpx_mock.get_requests()]
    assert sent == ["Bearer tok1", "Bearer tok1", "Bearer tok2"]
    assert "pw" not in repr(auth)


def test_token_auth_renews_once_after_401(httpx_mock: HTTPXMock) -> None:
    tokens = iter(["old", "new", "newer"])

    def fetch() -> Token:
        return Token(access_token=next(tokens), token_type="Bearer", expires_in=3600)

    auth = TokenAuth("http://dpat.test/v1", "user", "pw", fetch)
    httpx_mock.add_response(status_code=401)
    httpx_mock.add_response(status_code=401)
    with httpx.Client(base_url="http://dpat.test/v1", auth=auth) as http:
        assert http.get("/info").status_code == 401  # renewed once, then the 401 stands
    requests = httpx_mock.get_requests()
    assert len(requests) == 2
    assert requests[-1].headers["Authorization"] == "Bearer new"  # the same request object, re-sent
    assert next(tokens) == "newer"  # fetched exactly twice


def test_token_request_uses_basic_credentials(httpx_mock: HTTPXMock) -> None:
    httpx_mock.add_response(
        method="POST",
        url="http://dpat.test/v1/token?applicationId=app",
        json={"access_token": "T", "token_type": "Bearer", "expires_in": 60},
    )
    httpx_mock.add_response(method="GET", json={"apiVersion": "1.10", "softwareVersion": "4.2"})
    with DPATAIClient.from_credentials("http://dpat.test/v1", "app", "user", "pw", retry=FAST_RETRY) as client:
        assert client.get_info().api_version == "1.10"
    token_request, info_request = httpx_mock.get_requests()
    assert token_request.headers["Authorization"] == "Basic dXNlcjpwdw=="
    assert token_request.content == b"grant_type=client_credentials"
    assert info_request.headers["Authorization"] == "Bearer T"


def test_unreadable_server_version_is_a_response_error(httpx_mock: HTTPXMock) -> None:
    httpx_mock.add_response(json={"apiVersion": "unknown", "softwareVersion": "4.2"})
    with DPATAIClient("http://dpat.test/v1", token="t", retry=FAST_RETRY) as client, pytest.raises(DPATResponseError):
        client.get_image_info("s")


def test_non_standard_status_names_the_operation(httpx_mock: HTTPXMock) -> None:
    httpx_mock.add_response(json={"apiVersion": "1.10", "softwareVersion": "4.2"})
    httpx_mock.add_response(status_code=520, text="origin error")
    with (
        DPATAIClient("http://dpat.test/v1", token="t", retry=FAST_RETRY) as client,
        pytest.raises(DPATServerError) as info,
    ):
        client.get_image_info("s")
    assert (info.value.status_code, info.value.path) == (520, "/slides/{slideId}/info")


def test_wrong_shape_is_a_response_error(httpx_mock: HTTPXMock) -> None:
    httpx_mock.add_response(json={"apiVersion": "1.10", "softwareVersion": "4.2"})
    httpx_mock.add_response(json={"id": "s"})  # most required fields missing
    with (
        DPATAIClient("http://dpat.test/v1", token="t", retry=FAST_RETRY) as client,
        pytest.raises(DPATResponseError) as info,
    ):
        client.get_image_info("s")
    assert info.value.__cause__ is None
    assert info.value.path == "/slides/{slideId}/info"


async def test_async_token_request(async_httpx_mock: HTTPXMock) -> None:
    async_httpx_mock.add_response(method="POST", json={"access_token": "T", "token_type": "Bearer", "expires_in": 60})
    async_httpx_mock.add_response(method="GET", json={"apiVersion": "1.9", "softwareVersion": "4.1"})
    async with AsyncDPATAIClient.from_credentials("http://dpat.test/v1", "app", "u", "p", retry=FAST_RETRY) as client:
        assert (await client.get_info()).api_version == "1.9"
        with pytest.raises(DPATVersionError):
            await client.get_application()


def test_result_data_type_is_exported() -> None:
    assert (
        ResultData(result=ResultContent(type=ResultType.PATCHES, content=[])).to_dict()["result"]["type"]
        == "patchCollection"
    )
