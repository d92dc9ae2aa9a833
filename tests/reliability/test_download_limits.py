"""Review 13 gap 7 over a raw loopback server: a slide download takes at most ``max_files`` files."""

from __future__ import annotations

import asyncio
import socket
from pathlib import Path

import pytest

from sectra_dpat_client._core.http import RetryPolicy
from sectra_dpat_client.ai import AsyncDPATAIClient, DPATAIClient
from sectra_dpat_client.errors import DPATDownloadError, DPATQueryError
from sectra_dpat_client.wsi.download import MAX_FILES, read_complete_manifest

from .hostile import hostile_server, send_head

NO_RETRY = RetryPolicy(attempts=1)


def endless_tiny_parts(conn: socket.socket, head: bytes) -> None:
    """One-byte files, one after another, until the client hangs up."""
    send_head(conn, 200, {"Content-Type": "multipart/related; boundary=b", "Transfer-Encoding": "chunked"})
    index = 0
    while True:
        part = f"--b\r\nContent-Disposition: attachment; filename=f{index}.dcm\r\nContent-Length: 1\r\n\r\nx\r\n"
        conn.sendall(b"%x\r\n%s\r\n" % (len(part), part.encode()))
        index += 1


def _assert_stopped(caught: pytest.ExceptionInfo[DPATDownloadError], out: Path, limit: int) -> None:
    assert f"more than {limit} files" in str(caught.value)
    assert "max_files" in str(caught.value)
    assert caught.value.slide_id == "s1"
    assert not list(out.glob("*.part"))
    assert len(list(out.glob("*.dcm"))) <= limit
    assert read_complete_manifest(out, "s1") is None  # nothing looks complete


def test_endless_tiny_parts_stop_at_max_files(tmp_path: Path) -> None:
    with hostile_server(endless_tiny_parts) as url:
        with DPATAIClient(url, token="t", api_version="1.10", retry=NO_RETRY) as client:
            with pytest.raises(DPATDownloadError) as caught:
                client.download_slide_files("s1", tmp_path, max_files=40)
    _assert_stopped(caught, tmp_path, 40)


def test_endless_tiny_parts_stop_at_max_files_async(tmp_path: Path) -> None:
    async def main() -> None:
        async with AsyncDPATAIClient(url, token="t", api_version="1.10", retry=NO_RETRY) as client:
            await client.download_slide_files("s1", tmp_path, max_files=25)

    with hostile_server(endless_tiny_parts) as url:
        with pytest.raises(DPATDownloadError) as caught:
            asyncio.run(main())
    _assert_stopped(caught, tmp_path, 25)


def test_max_files_has_a_safe_default_and_must_be_positive(tmp_path: Path) -> None:
    assert MAX_FILES == 10_000
    with hostile_server(endless_tiny_parts) as url:
        with DPATAIClient(url, token="t", api_version="1.10", retry=NO_RETRY) as client:
            for bad in (0, -1, True, 2.5):
                with pytest.raises(DPATQueryError, match="max_files"):
                    client.download_slide_files("s1", tmp_path / "out", max_files=bad)  # type: ignore[arg-type]
    assert not (tmp_path / "out").exists()  # refused before anything was made or asked
