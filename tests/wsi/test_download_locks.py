"""Issue 13 items 13 and 14 over the simulator on loopback: one download per slide and folder at a time,
and part files that never follow a planted symbolic link nor reuse an existing file."""

from __future__ import annotations

import hashlib
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from sectra_dpat_client.ai import DPATAIClient
from sectra_dpat_client.errors import DPATDownloadError
from sectra_dpat_client.simulator import DPATSimulator, SlideFile, synthetic
from sectra_dpat_client.wsi.download import lock_path

FILES = (SlideFile("a.dcm", 3 * 1024 * 1024 + 1), SlideFile("b.dcm", 1024 * 1024 + 7))


def _assert_intact(dpat: DPATSimulator, slide_id: str, paths: list[Path]) -> None:
    for path, file in zip(paths, dpat.slide(slide_id).files, strict=True):
        assert path.stat().st_size == file.size
        assert hashlib.sha256(path.read_bytes()).hexdigest() == synthetic.file_sha256(slide_id, file)


def test_a_planted_part_symlink_is_not_followed(dpat: DPATSimulator, client: DPATAIClient, tmp_path: Path) -> None:
    slide_id = dpat.add_slide(files=FILES)
    outside = tmp_path / "outside.txt"
    outside.write_bytes(b"precious")
    out = tmp_path / "out"
    out.mkdir()
    (out / "a.dcm.part").symlink_to(outside)
    with pytest.raises(DPATDownloadError, match="symbolic link"):
        client.download_slide_files(slide_id, out)
    assert outside.read_bytes() == b"precious"
    assert not (out / "a.dcm").exists()


def test_a_leftover_part_file_is_replaced_not_reused(dpat: DPATSimulator, client: DPATAIClient, tmp_path: Path) -> None:
    slide_id = dpat.add_slide(files=FILES)
    out = tmp_path / "out"
    out.mkdir()
    other = tmp_path / "other.bin"
    other.write_bytes(b"x" * 10)
    (out / "a.dcm.part").hardlink_to(other)  # a hard link: writing into it would change `other`
    paths = client.download_slide_files(slide_id, out)
    _assert_intact(dpat, slide_id, paths)
    assert other.read_bytes() == b"x" * 10


def test_a_slide_locked_by_another_process_is_refused(
    dpat: DPATSimulator, client: DPATAIClient, tmp_path: Path
) -> None:
    slide_id = dpat.add_slide(files=FILES)
    out = tmp_path / "out"
    out.mkdir()
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import fcntl, os, sys, time; fd = os.open(sys.argv[1], os.O_RDWR | os.O_CREAT); "
            "fcntl.flock(fd, fcntl.LOCK_EX); print('locked', flush=True); sys.stdin.read()",
            str(lock_path(out, slide_id)),
        ],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None
        assert holder.stdout.readline().strip() == "locked"
        with pytest.raises(DPATDownloadError, match="already being downloaded") as caught:
            client.download_slide_files(slide_id, out)
        assert caught.value.slide_id == slide_id
        assert not (out / "a.dcm").exists()
    finally:
        assert holder.stdin is not None
        holder.stdin.close()
        holder.wait(timeout=10)
    _assert_intact(dpat, slide_id, client.download_slide_files(slide_id, out))


def test_two_downloads_of_one_slide_never_both_succeed_corrupt(
    dpat: DPATSimulator, client: DPATAIClient, tmp_path: Path
) -> None:
    slide_id = dpat.add_slide(files=FILES)
    out = tmp_path / "out"
    outcomes: list[object] = []
    barrier = threading.Barrier(4)

    def one() -> None:
        barrier.wait()
        try:
            outcomes.append(client.download_slide_files(slide_id, out, resume=False))
        except DPATDownloadError as exc:
            outcomes.append(exc)

    threads = [threading.Thread(target=one) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    successes = [o for o in outcomes if isinstance(o, list)]
    failures = [o for o in outcomes if isinstance(o, DPATDownloadError)]
    assert len(successes) + len(failures) == 4
    assert successes, failures
    assert all("already being downloaded" in str(f) for f in failures)
    for paths in successes:
        _assert_intact(dpat, slide_id, paths)
