"""Slide file downloads against the DPAT simulator over real sockets: both wire forms, faults, resume."""

from __future__ import annotations

import hashlib
import json
import tracemalloc
from pathlib import Path

import httpx
import pytest

from sectra_dpat_client.ai import AsyncDPATAIClient, DPATAIClient
from sectra_dpat_client.errors import DPATDownloadError, DPATNotFoundError, DPATServerError
from sectra_dpat_client.simulator import DPATSimulator, SlideFile, single_file, synthetic
from sectra_dpat_client.wsi import DownloadProgress
from sectra_dpat_client.wsi.download import manifest_path, read_complete_manifest

DICOM_FILES = (
    SlideFile("i0000,0000b.dcm", 300_000),
    SlideFile("i0001,0000b.dcm", 2 * 1024 * 1024 + 17),
    SlideFile("i0003,0000b.dcm", 0),
    SlideFile("i0004,0000b.dcm", 5),
)


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def assert_files(dpat: DPATSimulator, slide_id: str, paths: list[Path], names: list[str]) -> None:
    assert [p.name for p in paths] == names
    for path, file in zip(paths, dpat.slide(slide_id).files, strict=True):
        assert path.stat().st_size == file.size
        assert sha(path.read_bytes()) == synthetic.file_sha256(slide_id, file)


def final_files(folder: Path) -> list[str]:
    """The names of the downloaded files in ``folder`` (manifests left out)."""
    return sorted(p.name for p in folder.iterdir() if not p.name.startswith(".sectra-dpat-"))


def leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.rglob("*") if p.name.endswith((".part", ".tmp")))


def test_multipart_slide_downloads_every_file(dpat: DPATSimulator, client: DPATAIClient, tmp_path: Path) -> None:
    slide_id = dpat.add_slide(files=DICOM_FILES)
    events: list[DownloadProgress] = []
    paths = client.download_slide_files(slide_id, tmp_path / "out", progress=events.append)
    assert_files(dpat, slide_id, paths, [f.name for f in DICOM_FILES])
    assert all(p.parent == tmp_path / "out" for p in paths)
    assert leftovers(tmp_path) == []
    assert manifest_path(tmp_path / "out", slide_id).is_file()
    # progress: per file up to its size, overall monotonic up to the Content-Length
    finished = [e for e in events if e.file_done]
    assert [(e.filename, e.file_bytes, e.file_total) for e in finished] == [
        (f.name, f.size, f.size) for f in DICOM_FILES
    ]
    assert [e.files_done for e in finished] == [1, 2, 3, 4]
    overall = [e.bytes_done for e in events]
    assert overall == sorted(overall)
    assert events[-1].bytes_total is not None
    assert overall[-1] == events[-1].bytes_total
    assert all(e.file_bytes <= (e.file_total or 0) for e in events)
    # overall counts file bytes only: from 0, ending at the sum of the file sizes (no multipart framing)
    sizes = sum(f.size for f in DICOM_FILES)
    assert overall[0] == 0
    assert overall[-1] == events[-1].bytes_total == sizes
    assert all(e.bytes_total is not None and e.bytes_done <= e.bytes_total for e in events)


async def test_async_download_gives_the_same_files(
    dpat: DPATSimulator, client: DPATAIClient, aclient: AsyncDPATAIClient, tmp_path: Path
) -> None:
    slide_id = dpat.add_slide(files=DICOM_FILES)
    sync_events: list[DownloadProgress] = []
    async_events: list[DownloadProgress] = []
    sync_paths = client.download_slide_files(slide_id, tmp_path / "sync", progress=sync_events.append)
    async_paths = await aclient.download_slide_files(slide_id, tmp_path / "async", progress=async_events.append)
    assert [p.name for p in async_paths] == [p.name for p in sync_paths]
    for a, s in zip(async_paths, sync_paths, strict=True):
        assert a.read_bytes() == s.read_bytes()
    done = [(e.filename, e.file_bytes, e.files_done) for e in sync_events if e.file_done]
    assert done == [(e.filename, e.file_bytes, e.files_done) for e in async_events if e.file_done]
    assert sync_events[-1] == async_events[-1]


def test_single_file_slide_with_a_non_ascii_name(dpat: DPATSimulator, client: DPATAIClient, tmp_path: Path) -> None:
    slide_id = dpat.add_slide(files=single_file("sn\u00f6 slide \u00e5.svs", 3 * 1024 * 1024 + 5))
    events: list[DownloadProgress] = []
    paths = client.download_slide_files(slide_id, tmp_path, progress=events.append)
    assert_files(dpat, slide_id, paths, ["sn\u00f6 slide \u00e5.svs"])
    assert events[-1].file_done
    assert events[-1].bytes_total == events[-1].file_total == 3 * 1024 * 1024 + 5


def test_hostile_names_stay_inside_the_destination(dpat: DPATSimulator, client: DPATAIClient, tmp_path: Path) -> None:
    files = (
        SlideFile("../../escape.dcm", 10),
        SlideFile("C:\\Windows\\escape.dcm", 11),
        SlideFile("/etc/escape.dcm", 12),
        SlideFile("..", 13),
        SlideFile("ESCAPE.DCM", 14),
    )
    slide_id = dpat.add_slide("hostile", files=files)
    dest = tmp_path / "dest"
    paths = client.download_slide_files(slide_id, dest)
    assert [p.name for p in paths] == ["escape.dcm", "escape_1.dcm", "escape_2.dcm", "hostile-0004", "ESCAPE_3.DCM"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["dest"]
    assert all(p.parent == dest for p in paths)
    assert_files(dpat, slide_id, paths, [p.name for p in paths])


def test_truncated_multipart_names_the_file_and_leaves_no_final_file(
    dpat: DPATSimulator, client: DPATAIClient, tmp_path: Path
) -> None:
    slide_id = dpat.add_slide(files=DICOM_FILES)
    # Cut inside the second file (the first is 300,000 bytes plus its headers).
    dpat.faults.truncate_multipart(after_bytes=300_000 + 100_000)
    with pytest.raises(DPATDownloadError, match=r"i0001,0000b\.dcm") as info:
        client.download_slide_files(slide_id, tmp_path)
    assert info.value.filename == "i0001,0000b.dcm"
    assert "truncated" in str(info.value)
    assert final_files(tmp_path) == ["i0000,0000b.dcm"]  # the complete first file only
    assert read_complete_manifest(tmp_path, slide_id) is None


def test_resume_skips_complete_files_and_then_the_whole_slide(
    dpat: DPATSimulator, client: DPATAIClient, tmp_path: Path
) -> None:
    slide_id = dpat.add_slide(files=DICOM_FILES)
    dpat.faults.truncate_multipart(after_bytes=300_000 + 100_000)
    with pytest.raises(DPATDownloadError):
        client.download_slide_files(slide_id, tmp_path)
    first = tmp_path / "i0000,0000b.dcm"
    before = first.stat()
    (tmp_path / "i0001,0000b.dcm.part").write_bytes(b"stale part of a killed run")
    paths = client.download_slide_files(slide_id, tmp_path)
    assert_files(dpat, slide_id, paths, [f.name for f in DICOM_FILES])
    assert first.stat().st_ino == before.st_ino  # skipped, not rewritten
    assert first.stat().st_mtime_ns == before.st_mtime_ns
    assert leftovers(tmp_path) == []
    requests = dpat.request_count("getSlideFiles")
    assert client.download_slide_files(slide_id, tmp_path) == paths
    assert dpat.request_count("getSlideFiles") == requests  # complete: not fetched again
    (tmp_path / "i0004,0000b.dcm").write_bytes(b"12")  # damaged: fetched again
    assert_files(dpat, slide_id, client.download_slide_files(slide_id, tmp_path), [f.name for f in DICOM_FILES])
    assert dpat.request_count("getSlideFiles") == requests + 1
    client.download_slide_files(slide_id, tmp_path, resume=False)
    assert dpat.request_count("getSlideFiles") == requests + 2
    assert first.stat().st_ino != before.st_ino  # rewritten


def test_dropped_connection_on_a_single_file(dpat: DPATSimulator, client: DPATAIClient, tmp_path: Path) -> None:
    slide_id = dpat.add_slide(files=single_file("whole.svs", 2 * 1024 * 1024))
    dpat.faults.drop_connection("getSlideFiles", after_bytes=1024 * 1024 + 3, times=None)
    with pytest.raises(DPATDownloadError, match=r"whole\.svs") as info:
        client.download_slide_files(slide_id, tmp_path)
    assert info.value.filename == "whole.svs"
    assert list(tmp_path.iterdir()) == []


async def test_dropped_connection_async(dpat: DPATSimulator, aclient: AsyncDPATAIClient, tmp_path: Path) -> None:
    slide_id = dpat.add_slide(files=DICOM_FILES)
    dpat.faults.drop_connection("getSlideFiles", after_bytes=200_000, times=None)
    with pytest.raises(DPATDownloadError, match=r"i0000,0000b\.dcm"):
        await aclient.download_slide_files(slide_id, tmp_path)
    assert leftovers(tmp_path) == []
    assert not any(tmp_path.glob("*.dcm"))  # noqa: ASYNC240 - a test's own temporary directory


def _secrets_in_chain(error: BaseException) -> list[str]:
    """Every place in ``error``'s causes where a request still holds its Authorization header or real path."""
    found = []
    cause: BaseException | None = error
    while cause is not None:
        request = getattr(cause, "_request", None)
        if isinstance(request, httpx.Request):
            if "authorization" in request.headers:
                found.append(f"{type(cause).__name__}: Authorization header")
            if "PATIENT" in str(request.url):
                found.append(f"{type(cause).__name__}: filled-in URL")
        found += [f"{type(cause).__name__}: text" for arg in cause.args if "PATIENT" in str(arg)]
        cause = cause.__cause__ or cause.__context__
    return found


def test_a_broken_download_chains_no_token_and_no_slide_id(
    dpat: DPATSimulator, client: DPATAIClient, tmp_path: Path
) -> None:
    slide_id = dpat.add_slide(slide_id="PATIENT-SLIDE", files=single_file("whole.svs", 2 * 1024 * 1024))
    dpat.faults.drop_connection("getSlideFiles", after_bytes=1024 * 1024 + 3, times=None)
    with pytest.raises(DPATDownloadError) as info:
        client.download_slide_files(slide_id, tmp_path)
    assert _secrets_in_chain(info.value) == []


async def test_a_broken_async_download_chains_no_token_and_no_slide_id(
    dpat: DPATSimulator, aclient: AsyncDPATAIClient, tmp_path: Path
) -> None:
    slide_id = dpat.add_slide(slide_id="PATIENT-SLIDE", files=DICOM_FILES)
    dpat.faults.drop_connection("getSlideFiles", after_bytes=200_000, times=None)
    with pytest.raises(DPATDownloadError) as info:
        await aclient.download_slide_files(slide_id, tmp_path)
    assert _secrets_in_chain(info.value) == []


def test_http_errors_map_to_the_error_hierarchy(dpat: DPATSimulator, client: DPATAIClient, tmp_path: Path) -> None:
    with pytest.raises(DPATNotFoundError) as info:
        client.download_slide_files("no-such-slide", tmp_path)
    assert info.value.path == "/slides/{slideId}/files"
    assert "no-such-slide" not in str(info.value)
    slide_id = dpat.add_slide(files=DICOM_FILES[:1])
    dpat.faults.fail("getSlideFiles", 503, times=1)
    assert len(client.download_slide_files(slide_id, tmp_path)) == 1  # retried by the shared HTTP layer
    dpat.faults.fail("getSlideFiles", 500, times=1)
    with pytest.raises(DPATServerError):
        client.download_slide_files(slide_id, tmp_path / "other")
    assert not (tmp_path / "other").exists() or list((tmp_path / "other").iterdir()) == []


def test_case_download_sync(dpat: DPATSimulator, client: DPATAIClient, tmp_path: Path) -> None:
    ids = [
        dpat.add_slide(accession_number="CASE1", files=DICOM_FILES[:2]),
        dpat.add_slide(accession_number="CASE1", files=single_file("b.svs", 70_000)),
        dpat.add_slide(accession_number="CASE1", files=DICOM_FILES[2:]),
    ]
    dpat.add_slide(accession_number="OTHER", files=DICOM_FILES[:1])
    result = client.download_case("CASE1", tmp_path, max_concurrency=2)
    assert list(result) == ids
    for slide_id in ids:
        assert_files(dpat, slide_id, result[slide_id], [f.name for f in dpat.slide(slide_id).files])
        assert all(p.parent == tmp_path / slide_id for p in result[slide_id])


def test_case_download_passes_max_files_to_every_slide(
    dpat: DPATSimulator, client: DPATAIClient, tmp_path: Path
) -> None:
    few = dpat.add_slide(accession_number="CASE3", files=DICOM_FILES[:2])
    many = dpat.add_slide(accession_number="CASE3", files=DICOM_FILES[:3])
    with pytest.raises(DPATDownloadError, match="1 of 2 slide downloads failed") as info:
        client.download_case("CASE3", tmp_path, max_files=2)
    group = info.value.__cause__
    assert isinstance(group, ExceptionGroup)
    assert [e.slide_id for e in group.exceptions] == [many]
    assert "max_files" in str(group.exceptions[0])
    assert read_complete_manifest(tmp_path / few, few) is not None
    assert read_complete_manifest(tmp_path / many, many) is None


async def test_case_download_async_reports_failures_after_finishing_the_rest(
    dpat: DPATSimulator, aclient: AsyncDPATAIClient, tmp_path: Path
) -> None:
    ids = [dpat.add_slide(accession_number="CASE2", files=DICOM_FILES[:2]) for _ in range(3)]
    dpat.faults.fail("getSlideFiles", 500, times=1)
    with pytest.raises(DPATDownloadError, match="1 of 3 slide downloads failed") as info:
        await aclient.download_case("CASE2", tmp_path, max_concurrency=3)
    group = info.value.__cause__
    assert isinstance(group, ExceptionGroup)
    assert [type(e.__cause__) for e in group.exceptions] == [DPATServerError]
    complete = [s for s in ids if read_complete_manifest(tmp_path / s, s) is not None]
    assert len(complete) == 2
    (failed,) = set(ids) - set(complete)
    assert [e.slide_id for e in group.exceptions] == [failed]
    assert f"(slides {failed}); first: slide {failed}: HTTP 500" in str(info.value)
    assert "CASE2" not in str(info.value)
    again = await aclient.download_case("CASE2", tmp_path)
    assert sorted(again) == sorted(ids)
    assert dpat.request_count("getSlideFiles") == 3 + 1  # the two complete slides were not fetched again


def test_memory_stays_flat_while_streaming(dpat: DPATSimulator, client: DPATAIClient, tmp_path: Path) -> None:
    """64 MiB come through while at most a few MiB are allocated at once (the simulator's included)."""
    slide_id = dpat.add_slide(
        files=(SlideFile("big-1.dcm", 32 * 1024 * 1024), SlideFile("big-2.dcm", 32 * 1024 * 1024))
    )
    client.get_info()
    tracemalloc.start()
    try:
        paths = client.download_slide_files(slide_id, tmp_path)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert sum(p.stat().st_size for p in paths) == 64 * 1024 * 1024
    assert peak < 12 * 1024 * 1024, f"peak {peak / 2**20:.1f} MiB"


async def test_complete_single_file_is_not_read_again(
    dpat: DPATSimulator, client: DPATAIClient, aclient: AsyncDPATAIClient, tmp_path: Path
) -> None:
    size = 5 * 1024 * 1024
    slide_id = dpat.add_slide(files=single_file("whole.svs", size))
    (path,) = client.download_slide_files(slide_id, tmp_path)
    before = path.stat()
    sync_events: list[DownloadProgress] = []
    async_events: list[DownloadProgress] = []
    manifest = manifest_path(tmp_path, slide_id)
    incomplete = {**json.loads(manifest.read_text(encoding="utf-8")), "complete": False}
    manifest.write_text(json.dumps(incomplete), encoding="utf-8")  # killed after the file, before the end
    assert client.download_slide_files(slide_id, tmp_path, progress=sync_events.append) == [path]
    manifest.write_text(json.dumps(incomplete), encoding="utf-8")
    assert await aclient.download_slide_files(slide_id, tmp_path, progress=async_events.append) == [path]
    assert path.stat().st_ino == before.st_ino  # neither rewritten
    for events in (sync_events, async_events):
        assert [(e.file_bytes, e.file_done) for e in events] == [(0, False), (size, True)]  # body not read
        assert events[-1].bytes_done == events[-1].bytes_total == size
