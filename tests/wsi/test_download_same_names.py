"""Review 13 gap 1 over the simulator on loopback: two different slides whose files share a name, downloaded
at once into one folder, never both "succeed": a download that reports success has its own slide's bytes."""

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
from sectra_dpat_client.wsi.download import DownloadProgress

FILES = (SlideFile("whole.svs", 3 * 1024 * 1024 + 3),)
Outcome = list[Path] | DPATDownloadError


def _check_successes(dpat: DPATSimulator, outcomes: dict[str, Outcome]) -> None:
    for slide_id, outcome in outcomes.items():
        assert isinstance(outcome, list | DPATDownloadError), outcome
        if isinstance(outcome, list):
            for path, file in zip(outcome, dpat.slide(slide_id).files, strict=True):
                assert path.stat().st_size == file.size
                assert hashlib.sha256(path.read_bytes()).hexdigest() == synthetic.file_sha256(slide_id, file)


def _download(dpat: DPATSimulator, slide_id: str, out: Path, outcomes: dict[str, Outcome], **kwargs: object) -> None:
    with DPATAIClient(dpat.url, token=dpat.token, app_id=dpat.app_id) as client:
        try:
            outcomes[slide_id] = client.download_slide_files(slide_id, out, resume=False, **kwargs)  # type: ignore[arg-type]
        except DPATDownloadError as exc:
            outcomes[slide_id] = exc


def test_a_second_slide_with_the_same_file_name_waits_out_or_fails_never_corrupts(
    dpat: DPATSimulator, tmp_path: Path
) -> None:
    """Interleaved by the progress callbacks: the second download opens its file while the first one is
    halfway through, and holds its finished file uncommitted while the first one commits."""
    first, second = dpat.add_slide(files=FILES), dpat.add_slide(files=FILES)
    outcomes: dict[str, Outcome] = {}
    second_received, first_done = threading.Event(), threading.Event()

    def first_progress(event: DownloadProgress) -> None:
        if event.file_bytes > 0 and not second_received.is_set():
            threading.Thread(target=run_second, daemon=True).start()
            assert second_received.wait(30)

    def second_progress(event: DownloadProgress) -> None:
        if event.file_done:
            second_received.set()
            first_done.wait(30)

    def run_second() -> None:
        try:
            _download(dpat, second, tmp_path, outcomes, progress=second_progress)
        finally:
            second_received.set()

    try:
        _download(dpat, first, tmp_path, outcomes, progress=first_progress)
    finally:
        first_done.set()
    for _ in range(300):
        if second in outcomes:
            break
        first_done.wait(0.1)
    _check_successes(dpat, outcomes)
    assert isinstance(outcomes[first], list)
    failure = outcomes[second]
    assert isinstance(failure, DPATDownloadError)
    assert "already being downloaded" in str(failure) or "already holds" in str(failure)
    assert not list(tmp_path.glob("*.part"))


@pytest.mark.parametrize("trial", range(4))
def test_two_slides_with_the_same_file_name_at_once(dpat: DPATSimulator, tmp_path: Path, trial: int) -> None:
    """The reviewer's probe: started together from a barrier; whichever succeeds has its own bytes."""
    slides = (dpat.add_slide(files=FILES), dpat.add_slide(files=FILES))
    outcomes: dict[str, Outcome] = {}
    barrier = threading.Barrier(2)

    def one(slide_id: str) -> None:
        barrier.wait()
        _download(dpat, slide_id, tmp_path, outcomes)

    threads = [threading.Thread(target=one, args=(slide_id,)) for slide_id in slides]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert set(outcomes) == set(slides)
    _check_successes(dpat, outcomes)
    assert sum(isinstance(outcome, list) for outcome in outcomes.values()) >= 1
    assert not list(tmp_path.glob("*.part"))


def test_a_part_file_another_process_holds_is_left_alone(dpat: DPATSimulator, tmp_path: Path) -> None:
    slide_id = dpat.add_slide(files=FILES)
    held = tmp_path / "whole.svs.part"
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import fcntl, os, sys; fd = os.open(sys.argv[1], os.O_WRONLY | os.O_CREAT | os.O_EXCL); "
            "fcntl.flock(fd, fcntl.LOCK_EX); os.write(fd, b'theirs'); print('locked', flush=True); sys.stdin.read()",
            str(held),
        ],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None
        assert holder.stdout.readline().strip() == "locked"
        outcomes: dict[str, Outcome] = {}
        _download(dpat, slide_id, tmp_path, outcomes)
        assert isinstance(outcomes[slide_id], DPATDownloadError)
        assert "already being downloaded" in str(outcomes[slide_id])
        assert held.read_bytes() == b"theirs"
        assert not (tmp_path / "whole.svs").exists()
    finally:
        assert holder.stdin is not None
        holder.stdin.close()
        holder.wait(10)
