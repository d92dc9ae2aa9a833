"""Download edge cases a real server rarely produces, served by an httpx MockTransport through the shared HTTP layer."""

from __future__ import annotations

import asyncio
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace

import httpx
import pytest

from sectra_dpat_client._core.errors import OPERATION
from sectra_dpat_client._core.http import RetryPolicy, build_async_client, build_client
from sectra_dpat_client.ai import AsyncDPATAIClient, DPATAIClient
from sectra_dpat_client.errors import DPATDownloadError, DPATNotFoundError, DPATQueryError
from sectra_dpat_client.wsi import download as download_module
from sectra_dpat_client.wsi import sink as sink_module
from sectra_dpat_client.wsi.download import (
    download_case,
    download_case_async,
    download_slide_files,
    download_slide_files_async,
    manifest_path,
    read_complete_manifest,
)

NO_RETRY = RetryPolicy(attempts=1)
# The raw-httpx download_slide_files(http, ...) is deprecated but still works; most tests here drive the
# download through it (test_raw_download_is_deprecated checks the warning).
pytestmark = pytest.mark.filterwarnings("ignore:wsi.download_slide_files:DeprecationWarning")


def final_files(folder: Path) -> list[str]:
    """The names of the downloaded files in ``folder`` (manifests left out)."""
    return sorted(p.name for p in folder.iterdir() if not p.name.startswith(".sectra-dpat-"))


def multipart(*parts: tuple[str, bytes], boundary: str = "bnd") -> bytes:
    out = b""
    for headers, data in parts:
        out += f"--{boundary}\r\n{headers}\r\n\r\n".encode() + data + b"\r\n"
    return out + f"--{boundary}--\r\n".encode()


def serve(
    body: bytes | Iterator[bytes], headers: dict[str, str], status: int = 200
) -> tuple[httpx.Client, list[httpx.Request]]:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(status, headers=headers, content=body)

    return build_client("http://dpat.test/v1", retry=NO_RETRY, transport=httpx.MockTransport(handler)), seen


MULTIPART = {"Content-Type": 'multipart/related; type="application/dicom"; boundary="bnd"'}


def test_request_path_is_the_spec_path_with_the_id_encoded_and_extra_headers(tmp_path: Path) -> None:
    http, seen = serve(multipart(('Content-Disposition: attachment; filename="a"', b"x")), MULTIPART)
    download_slide_files(http, "id/with?odd#chars", tmp_path, headers={"X-Sectra-ApiVersion": "1.10"})
    assert seen[0].url.raw_path == b"/v1/slides/id%2Fwith%3Fodd%23chars/files"
    assert seen[0].headers["X-Sectra-ApiVersion"] == "1.10"


def test_part_shorter_than_its_content_length(tmp_path: Path) -> None:
    body = multipart(
        ('Content-Disposition: attachment; filename="ok"', b"fine"),
        ('Content-Disposition: attachment; filename="short"\r\nContent-Length: 10', b"12345"),
    )
    http, _ = serve(body, MULTIPART)
    with pytest.raises(DPATDownloadError, match=r"short: .*part 2 does not end after its Content-Length of 10") as info:
        download_slide_files(http, "s", tmp_path)
    assert info.value.filename == "short"
    assert final_files(tmp_path) == ["ok"]
    assert read_complete_manifest(tmp_path, "s") is None


def test_part_longer_than_its_content_length(tmp_path: Path) -> None:
    body = multipart(('Content-Disposition: attachment; filename="long"\r\nContent-Length: 2', b"12345"))
    http, _ = serve(body, MULTIPART)
    with pytest.raises(DPATDownloadError, match=r"long: .*part 1 does not end after its Content-Length of 2 bytes"):
        download_slide_files(http, "s", tmp_path)


def test_single_file_shorter_than_the_response_content_length(tmp_path: Path) -> None:
    def body() -> Iterator[bytes]:
        yield b"only part"

    headers = {"Content-Type": "application/octet-stream", "Content-Disposition": "attachment; filename=x.svs"}
    http, _ = serve(body(), {**headers, "Content-Length": "100"})
    with pytest.raises(DPATDownloadError, match=r"x\.svs"):
        download_slide_files(http, "s", tmp_path)


def test_single_file_without_a_name_is_named_after_the_slide(tmp_path: Path) -> None:
    http, _ = serve(b"data", {"Content-Type": "application/octet-stream"})
    assert [p.name for p in download_slide_files(http, "../slide:1", tmp_path)] == ["slide_1"]


def test_parts_without_names_are_numbered(tmp_path: Path) -> None:
    http, _ = serve(multipart(("Content-Type: application/dicom", b"1"), ("X-Other: y", b"2")), MULTIPART)
    assert [p.name for p in download_slide_files(http, "s", tmp_path)] == ["s-0001", "s-0002"]


@pytest.mark.parametrize(
    ("body", "headers", "message"),
    [
        (b"--bnd--\r\n", MULTIPART, "without any file"),
        (b"anything", {"Content-Type": "multipart/related"}, "no multipart boundary"),
        (b"no delimiter at all", MULTIPART, "no boundary line"),
        (
            multipart(("Content-Disposition: attachment; filename=a\r\nContent-Length: -3", b"")),
            MULTIPART,
            "Content-Length",
        ),
        (b"x", {"Content-Type": "application/octet-stream", "Content-Length": "1x"}, "Content-Length"),
    ],
)
def test_malformed_bodies_are_typed_errors_and_leave_nothing(
    tmp_path: Path, body: bytes, headers: dict[str, str], message: str
) -> None:
    http, _ = serve(body, headers)
    with pytest.raises(DPATDownloadError, match=message):
        download_slide_files(http, "s", tmp_path / "d")
    assert [p.name for p in (tmp_path / "d").iterdir()] == []


def test_interrupted_stream_names_the_file(tmp_path: Path) -> None:
    def body() -> Iterator[bytes]:
        yield b'--bnd\r\nContent-Disposition: attachment; filename="big.dcm"\r\n\r\n' + b"x" * 1000
        raise httpx.ReadError("connection reset")

    http, _ = serve(body(), MULTIPART)
    with pytest.raises(DPATDownloadError, match=r"download of big\.dcm interrupted") as info:
        download_slide_files(http, "s", tmp_path)
    assert isinstance(info.value.__cause__, httpx.ReadError)


def test_not_enough_disk_space_stops_before_writing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sink_module.shutil, "disk_usage", lambda _: SimpleNamespace(free=10))
    headers = {"Content-Type": "application/octet-stream", "Content-Disposition": "attachment; filename=x.svs"}
    http, _ = serve(b"x" * 100, headers)
    with pytest.raises(DPATDownloadError, match="not enough free disk space"):
        download_slide_files(http, "s", tmp_path)


def test_progress_callback_errors_propagate_and_clean_up(tmp_path: Path) -> None:
    http, _ = serve(multipart(('Content-Disposition: attachment; filename="a"', b"x" * 10)), MULTIPART)

    def progress(_: object) -> None:
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        download_slide_files(http, "s", tmp_path, progress=progress)


def test_damaged_manifest_proves_nothing(tmp_path: Path) -> None:
    """Without an intact manifest the file on disk is of unknown origin: fetched again, never taken nor overwritten."""
    http, seen = serve(multipart(('Content-Disposition: attachment; filename="a"', b"x")), MULTIPART)
    download_slide_files(http, "s", tmp_path)
    for damaged in ("{not json", '{"version": 1, "slideId": "s", "files": [{"name": "../x", "size": 1}]}'):
        manifest_path(tmp_path, "s").write_text(damaged, encoding="utf-8")
        with pytest.raises(DPATDownloadError, match="a: the destination directory already holds a file") as info:
            download_slide_files(http, "s", tmp_path)
        assert info.value.filename == "a"
        assert (tmp_path / "a").read_bytes() == b"x"
    assert len(seen) == 3
    (tmp_path / "a").unlink()
    download_slide_files(http, "s", tmp_path)
    download_slide_files(http, "s", tmp_path)
    assert len(seen) == 4


async def test_sync_and_async_share_the_outcome(tmp_path: Path) -> None:
    body = multipart(
        ('Content-Disposition: attachment; filename="a.dcm"\r\nContent-Length: 3', b"abc"),
        ("Content-Disposition: attachment; filename*=UTF-8''b%C3%A4.dcm", b"\r\n--bnd-not\r\n"),
    )

    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, headers=MULTIPART, content=body)

    sync_events: list[object] = []
    async_events: list[object] = []
    sync_http = build_client("http://dpat.test", retry=NO_RETRY, transport=httpx.MockTransport(handler))
    async_http = build_async_client("http://dpat.test", retry=NO_RETRY, transport=httpx.MockTransport(handler))
    sync_paths = download_slide_files(sync_http, "s", tmp_path / "sync", progress=sync_events.append)
    async_paths = await download_slide_files_async(async_http, "s", tmp_path / "async", progress=async_events.append)
    await async_http.aclose()
    assert [p.name for p in sync_paths] == [p.name for p in async_paths] == ["a.dcm", "b\u00e4.dcm"]
    assert (
        [p.read_bytes() for p in sync_paths] == [p.read_bytes() for p in async_paths] == [b"abc", b"\r\n--bnd-not\r\n"]
    )
    assert sync_events == async_events


class FakeCaseClient:
    """Counts how many slide downloads run at once."""

    def __init__(self, ids: list[str], fail: set[str] = frozenset()) -> None:  # type: ignore[assignment]
        self.ids, self.fail = ids, fail
        self.lock = threading.Lock()
        self.running = self.peak = 0

    def get_image_infos_in_case(self, accession_number: str) -> list[SimpleNamespace]:
        return [SimpleNamespace(id=i) for i in [*self.ids, self.ids[0]]]  # a duplicate is fetched once

    def _enter(self) -> None:
        with self.lock:
            self.running += 1
            self.peak = max(self.peak, self.running)

    def _leave(self, slide_id: str, dest_dir: Path) -> list[Path]:
        with self.lock:
            self.running -= 1
        if slide_id in self.fail:
            raise DPATDownloadError(f"{slide_id} failed")
        return [Path(dest_dir) / "f"]

    def download_slide_files(self, slide_id: str, dest_dir: Path, **_: object) -> list[Path]:
        self._enter()
        threading.Event().wait(0.02)
        return self._leave(slide_id, dest_dir)


class AsyncFakeCaseClient(FakeCaseClient):
    async def get_image_infos_in_case(self, accession_number: str) -> list[SimpleNamespace]:  # type: ignore[override]
        return FakeCaseClient.get_image_infos_in_case(self, accession_number)

    async def download_slide_files(self, slide_id: str, dest_dir: Path, **_: object) -> list[Path]:  # type: ignore[override]
        self._enter()
        await asyncio.sleep(0.02)
        return self._leave(slide_id, dest_dir)


async def test_case_concurrency_is_bounded_and_folders_are_safe(tmp_path: Path) -> None:
    ids = ["a", "b", "../c", "d", "e", "f", "A"]
    sync_client, async_client = FakeCaseClient(ids), AsyncFakeCaseClient(ids)
    sync_result = download_case(sync_client, "ACC", tmp_path, max_concurrency=2)
    async_result = await download_case_async(async_client, "ACC", tmp_path, max_concurrency=3)
    assert sync_client.peak == 2
    assert async_client.peak == 3
    assert list(sync_result) == list(async_result) == ids
    assert [p[0].parent.name for p in sync_result.values()] == ["a", "b", "c", "d", "e", "f", "A_1"]
    assert sync_result == async_result


async def test_case_failures_are_collected(tmp_path: Path) -> None:
    expected = r"2 of 3 slide downloads failed \(slides b, c\); first: slide b: b failed"
    with pytest.raises(DPATDownloadError, match=expected) as info:
        download_case(FakeCaseClient(["a", "b", "c"], {"b", "c"}), "ACC-123", tmp_path)
    with pytest.raises(DPATDownloadError, match=expected) as async_info:
        await download_case_async(AsyncFakeCaseClient(["a", "b", "c"], {"b", "c"}), "ACC-123", tmp_path)
    for error in (info.value, async_info.value):
        assert "ACC-123" not in str(error)
        group = error.__cause__
        assert isinstance(group, ExceptionGroup)
        assert [(e.slide_id, str(e)) for e in group.exceptions] == [
            ("b", "slide b: b failed"),
            ("c", "slide c: c failed"),
        ]
        assert [str(e.__cause__) for e in group.exceptions] == ["b failed", "c failed"]  # the original errors


@pytest.mark.parametrize("bad", [0, -1, True, 1.5])
async def test_case_concurrency_must_be_positive(tmp_path: Path, bad: object) -> None:
    message = "max_concurrency must be a positive integer"
    with pytest.raises(DPATQueryError, match=message):
        download_case(FakeCaseClient(["a"]), "ACC", tmp_path, max_concurrency=bad)  # type: ignore[arg-type]
    with pytest.raises(DPATQueryError, match=message):
        await download_case_async(AsyncFakeCaseClient(["a"]), "ACC", tmp_path, max_concurrency=bad)  # type: ignore[arg-type]


def test_module_exports_are_complete() -> None:
    assert set(download_module.__all__) <= set(dir(download_module))


async def test_a_failing_commit_is_raised_and_cleaned_up(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    real_commit = sink_module.PartFile.commit

    def commit(self: sink_module.PartFile) -> Path:
        if self.name == "b":
            raise DPATDownloadError("cannot store b: disk on fire", filename="b")
        return real_commit(self)

    monkeypatch.setattr(sink_module.PartFile, "commit", commit)
    body = multipart(*[(f'Content-Disposition: attachment; filename="{n}"', n.encode() * 10) for n in "abc"])

    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, headers=MULTIPART, content=body)

    sync_http = build_client("http://dpat.test", retry=NO_RETRY, transport=httpx.MockTransport(handler))
    with pytest.raises(DPATDownloadError, match="disk on fire"):
        download_slide_files(sync_http, "s", tmp_path / "sync")
    async_http = build_async_client("http://dpat.test", retry=NO_RETRY, transport=httpx.MockTransport(handler))
    with pytest.raises(DPATDownloadError, match="disk on fire"):
        await download_slide_files_async(async_http, "s", tmp_path / "async")
    await async_http.aclose()
    for folder in ("sync", "async"):
        assert final_files(tmp_path / folder) == ["a", "c"]  # complete files stay
        assert read_complete_manifest(tmp_path / folder, "s") is None


def test_wsi_alone_hides_path_values_in_urls() -> None:
    """Without the clients imported, wsi still registers the spec's path templates for redaction."""
    code = (
        "import sys, sectra_dpat_client.wsi\n"
        "from sectra_dpat_client._core.redact import redact_url\n"
        "assert not any(m.startswith('sectra_dpat_client.ai') for m in sys.modules)\n"
        "print(redact_url('http://h/api/slides/PATIENT123/files'))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "http://h/api/slides/{slideId}/files"


async def test_raw_download_is_deprecated_for_the_client_method(tmp_path: Path) -> None:
    body = multipart(('Content-Disposition: attachment; filename="a"', b"x"))
    handler = lambda request: httpx.Response(200, headers=MULTIPART, content=body)  # noqa: E731
    sync_http = build_client("http://dpat.test", retry=NO_RETRY, transport=httpx.MockTransport(handler))
    with pytest.deprecated_call(match=r"DPATAIClient\(url, token, transport=...\)\.download_slide_files"):
        download_slide_files(sync_http, "s", tmp_path / "sync")
    async with build_async_client("http://dpat.test", retry=NO_RETRY, transport=httpx.MockTransport(handler)) as http:
        with pytest.deprecated_call(match=r"AsyncDPATAIClient\(url, token, transport=...\)\.download_slide_files"):
            await download_slide_files_async(http, "s", tmp_path / "async")
    assert (tmp_path / "sync" / "a").read_bytes() == (tmp_path / "async" / "a").read_bytes() == b"x"


@pytest.mark.parametrize("status", [200, 404])
def test_raw_download_takes_the_client_request_path_over_the_callers_client(tmp_path: Path, status: int) -> None:
    """One request, sent by the client's request method: the operation on it, no /info, the caller's auth and
    headers (and only those), the caller's client left open; a 404 is the client's error for the operation."""
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(status, headers=MULTIPART, content=multipart(("Content-Disposition: filename=a", b"x")))

    transport = httpx.MockTransport(handler)
    sync_http = httpx.Client(base_url="http://dpat.test/v1", transport=transport, auth=("caller", "secret"))

    async def run_async() -> None:
        async with httpx.AsyncClient(
            base_url="http://dpat.test/v1", transport=transport, headers={"X-Mine": "1"}
        ) as http:
            await download_slide_files_async(http, "s", tmp_path / "async")
            assert not http.is_closed

    for run in (
        lambda: download_slide_files(sync_http, "s", tmp_path / "sync", headers={"X-Extra": "2"}),
        lambda: asyncio.run(run_async()),
    ):
        if status == 200:
            run()
        else:
            with pytest.raises(DPATNotFoundError, match=r"GET /slides/\{slideId\}/files") as info:
                run()
            assert info.value.path == "/slides/{slideId}/files"
    assert [r.url.path for r in seen] == ["/v1/slides/s/files"] * 2
    assert [r.extensions[OPERATION].operation_id for r in seen] == ["getSlideFiles"] * 2
    assert seen[0].headers["Authorization"].startswith("Basic ")
    assert seen[0].headers["X-Extra"] == "2"
    assert "authorization" not in seen[1].headers
    assert seen[1].headers["X-Mine"] == "1"
    assert all("X-Sectra-ApiVersion" not in r.headers for r in seen)
    assert not sync_http.is_closed
    sync_http.close()


def test_the_client_methods_are_the_wsi_functions() -> None:
    """wsi's download and region names are the clients' own methods (one signature each), imported on first use."""
    from sectra_dpat_client import wsi

    assert wsi.download_case is DPATAIClient.download_case
    assert wsi.download_case_async is AsyncDPATAIClient.download_case
    assert wsi.read_region is DPATAIClient.read_region
    assert wsi.read_region_async is AsyncDPATAIClient.read_region
    assert wsi.get_thumbnail is DPATAIClient.get_thumbnail
    assert wsi.get_thumbnail_async is AsyncDPATAIClient.get_thumbnail
    with pytest.raises(AttributeError, match="no attribute 'download_everything'"):
        wsi.download_everything  # noqa: B018
