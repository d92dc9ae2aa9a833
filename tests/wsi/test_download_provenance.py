"""Resume takes only files this slide's own manifest records: never another slide's, never one of unknown origin."""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

import pytest

from sectra_dpat_client.ai import AsyncDPATAIClient, DPATAIClient
from sectra_dpat_client.errors import DPATDownloadError
from sectra_dpat_client.simulator import DPATSimulator, SlideFile, synthetic
from sectra_dpat_client.wsi.download import manifest_path, read_complete_manifest

# DICOM part names repeat from slide to slide
PARTS = (SlideFile("i0000,0000b.dcm", 40_000), SlideFile("i0001,0000b.dcm", 9_000))


def digests(folder: Path, names: list[str]) -> list[str]:
    return [hashlib.sha256((folder / name).read_bytes()).hexdigest() for name in names]


def expected(dpat: DPATSimulator, slide_id: str) -> list[str]:
    return [synthetic.file_sha256(slide_id, file) for file in dpat.slide(slide_id).files]


async def test_a_second_slide_in_the_same_folder_does_not_get_the_first_ones_bytes(
    dpat: DPATSimulator, client: DPATAIClient, aclient: AsyncDPATAIClient, tmp_path: Path
) -> None:
    first, second = dpat.add_slide(files=PARTS), dpat.add_slide(files=PARTS)
    names = [f.name for f in PARTS]
    client.download_slide_files(first, tmp_path)
    assert digests(tmp_path, names) == expected(dpat, first)
    assert expected(dpat, first) != expected(dpat, second)
    with pytest.raises(DPATDownloadError, match=f"already holds a file of slide {first}") as info:
        client.download_slide_files(second, tmp_path)
    assert info.value.filename == "i0000,0000b.dcm"
    with pytest.raises(DPATDownloadError, match=f"already holds a file of slide {first}"):
        await aclient.download_slide_files(second, tmp_path)
    assert read_complete_manifest(tmp_path, second) is None  # nothing claims the second slide is complete
    assert digests(tmp_path, names) == expected(dpat, first)  # the first slide's files are untouched
    assert read_complete_manifest(tmp_path, first) == [tmp_path / n for n in names]
    assert not list(tmp_path.glob("*.part"))  # noqa: ASYNC240 - a test's own temporary directory
    # each slide in a folder of its own works
    paths = client.download_slide_files(second, tmp_path / second)
    assert digests(tmp_path / second, [p.name for p in paths]) == expected(dpat, second)


def test_a_same_named_file_of_unknown_origin_is_neither_taken_nor_overwritten(
    dpat: DPATSimulator, client: DPATAIClient, tmp_path: Path
) -> None:
    slide_id = dpat.add_slide(files=PARTS[:1])
    stranger = tmp_path / PARTS[0].name
    stranger.write_bytes(b"\0" * PARTS[0].size)  # same name, same size, no manifest
    with pytest.raises(DPATDownloadError, match="already holds a file this slide's download did not write"):
        client.download_slide_files(slide_id, tmp_path)
    with pytest.raises(DPATDownloadError, match="already holds a file"):
        client.download_slide_files(slide_id, tmp_path, resume=False)
    assert stranger.read_bytes() == b"\0" * PARTS[0].size
    assert not manifest_path(tmp_path, slide_id).exists()


def test_manifest_records_sha256_and_a_same_size_change_is_fetched_again(
    dpat: DPATSimulator, client: DPATAIClient, tmp_path: Path
) -> None:
    slide_id = dpat.add_slide(files=PARTS)
    paths = client.download_slide_files(slide_id, tmp_path)
    manifest = json.loads(manifest_path(tmp_path, slide_id).read_text(encoding="utf-8"))
    assert manifest["complete"] is True
    assert [(f["name"], f["size"], f["sha256"]) for f in manifest["files"]] == [
        (f.name, f.size, synthetic.file_sha256(slide_id, f)) for f in PARTS
    ]
    requests = dpat.request_count("getSlideFiles")
    damaged = paths[1]
    stat = damaged.stat()
    damaged.write_bytes(b"x" * PARTS[1].size)  # same size, other bytes
    os.utime(damaged, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000_000))
    untouched = paths[0].stat()
    assert client.download_slide_files(slide_id, tmp_path) == paths
    assert dpat.request_count("getSlideFiles") == requests + 1  # not trusted: fetched again
    assert digests(tmp_path, [p.name for p in paths]) == expected(dpat, slide_id)
    assert paths[0].stat().st_ino == untouched.st_ino  # the intact file was skipped, not rewritten
