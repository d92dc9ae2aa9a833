"""Answers whose body cannot be decoded (corrupt gzip) end in the library's typed errors, over real HTTP.

The raw-socket server sends ``Content-Encoding: gzip`` with a body whose gzip trailer (CRC and size) is
damaged, so httpx raises `httpx.DecodingError` only after the whole body was decoded: the worst case for
a download, which must still leave no file under its final name.
"""

from __future__ import annotations

import gzip
import json
import random
from pathlib import Path

import httpx
import pytest

from sectra_dpat_client._core.errors import Named, error_for_failure
from sectra_dpat_client.ai import AsyncDPATAIClient, DPATAIClient, Result
from sectra_dpat_client.errors import (
    DPATConnectionError,
    DPATDownloadError,
    DPATResponseError,
    DPATServerError,
    DPATTimeoutError,
)
from sectra_dpat_client.qido import AsyncDPATQidoClient, DPATQidoClient

from .conftest import FAST, SLIDE_INFO
from .rawserver import Behaviour, raw_server


def corrupt_gzip(data: bytes) -> bytes:
    """``data`` gzip-compressed, with its trailer (CRC-32 and size) inverted."""
    good = gzip.compress(data)
    return good[:-8] + bytes(byte ^ 0xFF for byte in good[-8:])


def _undecodable(body: bytes, content_type: str = "application/json", status: int = 200, **headers: str) -> Behaviour:
    headers = {"Content-Type": content_type, "Content-Encoding": "gzip", **headers}
    return Behaviour("respond", status=status, body=corrupt_gzip(body), headers=headers)


def _client(url: str) -> DPATAIClient:
    return DPATAIClient(url, token="t0k3n", app_id="app", api_version="1.10", retry=FAST)


def test_corrupt_gzip_image_info_is_a_response_error() -> None:
    with raw_server([_undecodable(json.dumps(SLIDE_INFO).encode())]) as server, _client(server.url) as client:
        with pytest.raises(DPATResponseError, match="could not be decoded") as caught:
            client.get_image_info("s1")
    assert caught.value.path == "/slides/{slideId}/info"
    assert len(server.wait_for(1)) == 1  # a decoding failure is not retried: the same bytes would come again


async def test_corrupt_gzip_image_info_async() -> None:
    with raw_server([_undecodable(json.dumps(SLIDE_INFO).encode())]) as server:
        async with AsyncDPATAIClient(server.url, token="t", api_version="1.10", retry=FAST) as client:
            with pytest.raises(DPATResponseError, match="could not be decoded"):
                await client.get_image_info("s1")


def test_corrupt_gzip_tile_is_a_response_error() -> None:
    tile = _undecodable(random.Random(1).randbytes(20_000), "image/jpeg")
    with raw_server([tile]) as server, _client(server.url) as client:
        with pytest.raises(DPATResponseError) as caught:
            client.get_tile("s1", 10, 0, 0, fmt="jpg")
    assert "{slideId}" in caught.value.path
    assert "s1/" not in str(caught.value)


def test_corrupt_gzip_result_write_is_a_response_error() -> None:
    answer = _undecodable(b'{"id": 1, "versionId": "v1", "slideId": "s1"}', status=201)
    with raw_server([answer]) as server, _client(server.url) as client:
        with pytest.raises(DPATResponseError):
            client.create_results(Result(slideId="s1"))


def test_corrupt_gzip_qido_answer_is_a_response_error() -> None:
    body = json.dumps([{"0020000D": {"vr": "UI", "Value": ["1.2.3"]}}]).encode()
    with raw_server([_undecodable(body, "application/dicom+json")]) as server:
        with DPATQidoClient(server.url, token="t", retry=FAST) as client:
            with pytest.raises(DPATResponseError, match="could not be decoded") as caught:
                client.search_studies()
    assert caught.value.path == "/studies"


async def test_corrupt_gzip_qido_answer_async() -> None:
    body = json.dumps([{"0020000D": {"vr": "UI", "Value": ["1.2.3"]}}]).encode()
    with raw_server([_undecodable(body, "application/dicom+json")]) as server:
        async with AsyncDPATQidoClient(server.url, token="t", retry=FAST) as client:
            with pytest.raises(DPATResponseError, match="could not be decoded"):
                await client.search_studies()


def _slide_file() -> Behaviour:
    data = random.Random(2).randbytes(400_000)  # incompressible: the body arrives in many chunks
    return _undecodable(data, "application/octet-stream", **{"Content-Disposition": 'attachment; filename="slide.svs"'})


def _final_files(dest: Path) -> list[str]:
    return sorted(p.name for p in dest.rglob("*") if p.is_file() and not p.name.endswith(".part"))


def test_corrupt_gzip_download_names_the_file_and_leaves_no_final_file(tmp_path: Path) -> None:
    with raw_server([_slide_file()]) as server, _client(server.url) as client:
        with pytest.raises(DPATDownloadError, match=r"slide\.svs") as caught:
            client.download_slide_files("s1", tmp_path)
    assert caught.value.filename == "slide.svs"
    assert "slide.svs" not in _final_files(tmp_path)
    assert not list(tmp_path.glob("*.part"))


async def test_corrupt_gzip_download_async(tmp_path: Path) -> None:
    with raw_server([_slide_file()]) as server:
        async with AsyncDPATAIClient(server.url, token="t", api_version="1.10", retry=FAST) as client:
            with pytest.raises(DPATDownloadError, match=r"slide\.svs") as caught:
                await client.download_slide_files("s1", tmp_path)
    assert caught.value.filename == "slide.svs"
    assert "slide.svs" not in _final_files(tmp_path)


# --- the mapping itself, for every kind of httpx failure -------------------------------------------------


def test_error_for_failure_maps_every_httpx_error_family() -> None:
    request = httpx.Request("GET", "http://dpat.test/slides/PHI-123/info")
    response = httpx.Response(502, request=request, text="bad gateway")
    cases: list[tuple[httpx.HTTPError, type[Exception]]] = [
        (httpx.ConnectError("refused", request=request), DPATConnectionError),
        (httpx.ReadTimeout("slow", request=request), DPATTimeoutError),
        (httpx.DecodingError("bad gzip", request=request), DPATResponseError),
        (httpx.TooManyRedirects("loop", request=request), DPATResponseError),
        (httpx.HTTPStatusError("502", request=request, response=response), DPATServerError),
    ]
    for exc, expected in cases:
        mapped = error_for_failure(exc, Named("GET", "/slides/{slideId}/info"))
        assert type(mapped) is expected, exc
        assert "PHI-123" not in str(mapped)
