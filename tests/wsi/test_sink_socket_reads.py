"""Sync slide downloads read the socket in large pieces; every other call keeps httpcore's read size."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
from httpcore._backends.sync import SyncStream

from sectra_dpat_client._core.limits import STREAMED_READ_BYTES
from sectra_dpat_client.ai import DPATAIClient
from sectra_dpat_client.simulator import DPATSimulator, SlideFile
from sectra_dpat_client.simulator.synthetic import file_sha256

HTTPCORE_READ_BYTES = 64 * 1024


def test_a_sync_download_reads_the_socket_in_streamed_read_bytes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    asked: list[int] = []
    real_read = SyncStream.read

    def read(self: SyncStream, max_bytes: int, timeout: float | None = None) -> bytes:
        asked.append(max_bytes)
        return real_read(self, max_bytes, timeout)

    monkeypatch.setattr(SyncStream, "read", read)
    files = [SlideFile("a.dcm", 3 * STREAMED_READ_BYTES + 17), SlideFile("b.dcm", 1000)]
    with DPATSimulator(slides=0) as dpat:
        slide_id = dpat.add_slide(files=files)
        with DPATAIClient(dpat.url, token=dpat.token) as client:
            client.get_image_info(slide_id)
            ordinary = set(asked)
            asked.clear()
            paths = client.download_slide_files(slide_id, tmp_path, resume=False)
            download = set(asked)
            asked.clear()
            client.get_image_info(slide_id)  # the next ordinary call on the same connection
            after = set(asked)
    assert ordinary == {HTTPCORE_READ_BYTES}
    assert download == {STREAMED_READ_BYTES}
    assert after == {HTTPCORE_READ_BYTES}
    assert [p.name for p in paths] == ["a.dcm", "b.dcm"]
    for path, file in zip(paths, files, strict=True):
        assert hashlib.sha256(path.read_bytes()).hexdigest() == file_sha256(slide_id, file)
