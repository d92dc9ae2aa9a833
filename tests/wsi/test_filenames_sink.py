"""Safe names for server-sent file names, and the write-then-rename file sink."""

from __future__ import annotations

import errno
import hashlib
import os
import threading
from collections.abc import Callable
from pathlib import Path
from typing import BinaryIO, cast

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sectra_dpat_client.errors import DPATDownloadError
from sectra_dpat_client.wsi import sink as sink_module
from sectra_dpat_client.wsi.filenames import NameAllocator, safe_filename
from sectra_dpat_client.wsi.sink import PartFile, ensure_free_space, is_complete


@pytest.mark.parametrize(
    ("raw", "safe"),
    [
        ("i0000,0000b.dcm", "i0000,0000b.dcm"),
        ("../../etc/passwd", "passwd"),
        ("..", "fallback"),
        ("...", "fallback"),
        ("/abs/path.dcm", "path.dcm"),
        ("C:\\Windows\\System32\\evil.dll", "evil.dll"),
        ("C:evil.dcm", "evil.dcm"),
        ("c:", "fallback"),
        ("dir/", "fallback"),
        ("a\x00b\x1fc\x7f.dcm", "a_b_c_.dcm"),
        ("right\u202eto-left.dcm", "right_to-left.dcm"),
        ("file:stream.dcm", "file_stream.dcm"),
        (" spaced name. ", "spaced name"),
        ("CON", "_CON"),
        ("nul.txt", "_nul.txt"),
        ("", "fallback"),
        (None, "fallback"),
        ("\u00e5\u00e4\u00f6.ndpi", "\u00e5\u00e4\u00f6.ndpi"),
    ],
)
def test_safe_filename(raw: str | None, safe: str) -> None:
    assert safe_filename(raw, fallback="fallback") == safe


def test_long_names_are_cut_keeping_the_extension() -> None:
    name = safe_filename("x" * 400 + ".dcm", fallback="f")
    assert name.endswith(".dcm")
    assert len(name.encode()) <= 200
    multibyte = safe_filename("\u00e5" * 300, fallback="f")
    assert len(multibyte.encode()) <= 200
    assert multibyte == "\u00e5" * 100


@settings(max_examples=400, deadline=None)
@given(raw=st.text(max_size=300))
def test_safe_filename_is_always_one_plain_component(raw: str) -> None:
    name = safe_filename(raw, fallback="fallback")
    assert name
    assert name not in (".", "..")
    assert "/" not in name
    assert "\\" not in name
    assert ":" not in name
    assert all(ord(ch) >= 0x20 and ch != "\x7f" for ch in name)
    assert len(name.encode("utf-8")) <= 200
    base = Path("/base")
    assert (base / name).parent == base


def test_allocator_disambiguates_collisions_case_insensitively() -> None:
    names = NameAllocator()
    got = [
        names.allocate(raw, fallback="part")
        for raw in ["a.dcm", "A.DCM", "x/a.dcm", "a_1.dcm", "a.dcm.part", None, None]
    ]
    assert got == ["a.dcm", "A_1.DCM", "a_2.dcm", "a_1_1.dcm", "a.dcm_1.part", "part", "part_1"]
    assert len({g.casefold() for g in got}) == len(got)


def test_allocator_is_deterministic() -> None:
    raws = ["../x", "x", "X", "..\\x"]
    first, second = NameAllocator(), NameAllocator()
    assert [first.allocate(r, fallback="f") for r in raws] == ["x", "x_1", "X_2", "x_3"]
    assert [second.allocate(r, fallback="f") for r in raws] == ["x", "x_1", "X_2", "x_3"]


def test_part_file_commits_only_when_complete(tmp_path: Path) -> None:
    part = PartFile(tmp_path, "f.dcm", expected_size=6)
    part.write(b"abc")
    assert (tmp_path / "f.dcm.part").exists()
    assert not (tmp_path / "f.dcm").exists()
    part.write(b"def")
    part.finish()
    assert part.commit() == tmp_path / "f.dcm"
    assert (tmp_path / "f.dcm").read_bytes() == b"abcdef"
    assert not (tmp_path / "f.dcm.part").exists()


def test_part_file_short_or_long_is_refused_and_cleaned_up(tmp_path: Path) -> None:
    short = PartFile(tmp_path, "short", expected_size=10)
    short.write(b"abc")
    with pytest.raises(DPATDownloadError, match="short: received 3 of 10 bytes") as info:
        short.finish()
    assert info.value.filename == "short"
    short.abort()
    long = PartFile(tmp_path, "long", expected_size=2)
    with pytest.raises(DPATDownloadError, match="more data than its Content-Length"):
        long.write(b"abc")
    long.abort()
    assert list(tmp_path.iterdir()) == []


def test_part_file_restarts_a_stale_part(tmp_path: Path) -> None:
    (tmp_path / "f.part").write_bytes(b"stale bytes from an interrupted run")
    part = PartFile(tmp_path, "f")
    part.write(b"new")
    part.finish()
    part.commit()
    assert (tmp_path / "f").read_bytes() == b"new"


def test_commit_before_finish_is_refused(tmp_path: Path) -> None:
    part = PartFile(tmp_path, "f")
    with pytest.raises(DPATDownloadError, match="before it was finished"):
        part.commit()
    part.abort()


def test_unwritable_directory_is_a_typed_error(tmp_path: Path) -> None:
    with pytest.raises(DPATDownloadError, match="cannot write f"):
        PartFile(tmp_path / "missing", "f")


def test_free_space_check(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    ensure_free_space(tmp_path, 1, what="x")
    monkeypatch.setattr(sink_module.shutil, "disk_usage", lambda _: _Usage(1000))
    with pytest.raises(DPATDownloadError, match=r"not enough free disk space for big\.svs"):
        PartFile(tmp_path, "big.svs", expected_size=10)
    assert not (tmp_path / "big.svs.part").exists()


class _Usage:
    def __init__(self, free: int) -> None:
        self.free = free


def test_is_complete(tmp_path: Path) -> None:
    (tmp_path / "f").write_bytes(b"1234")
    assert is_complete(tmp_path / "f", 4)
    assert is_complete(tmp_path / "f", None)
    assert not is_complete(tmp_path / "f", 5)
    assert not is_complete(tmp_path / "missing", None)
    assert not is_complete(tmp_path, None)


class _FailingFile:
    """A file that takes ``room`` bytes and then fails as a full disk does."""

    def __init__(self, real: BinaryIO, room: int, gate: threading.Event | None = None) -> None:
        self.real, self.room, self.gate, self.writes = real, room, gate, 0

    def write(self, data: bytes) -> int:
        if self.gate is not None:
            self.gate.wait(10)
        self.writes += 1
        if len(data) > self.room:
            raise OSError(errno.ENOSPC, "No space left on device")
        self.room -= len(data)
        return self.real.write(data)

    def close(self) -> None:
        self.real.close()


def _with_file(monkeypatch: pytest.MonkeyPatch, make: Callable[[BinaryIO], _FailingFile]) -> list[_FailingFile]:
    made: list[_FailingFile] = []
    real_writer = sink_module._writer_of

    def writer(fd: int) -> BinaryIO:
        made.append(make(real_writer(fd)))
        return cast(BinaryIO, made[-1])

    monkeypatch.setattr(sink_module, "_writer_of", writer)
    return made


def test_large_file_is_written_on_one_thread_and_hashed_on_another(tmp_path: Path) -> None:
    size = sink_module.PIPELINE_MIN_SIZE + 12345
    data = os.urandom(size)
    part = PartFile(tmp_path, "big.dcm", expected_size=size)
    assert part._writer is not None  # pipelined
    names = {thread.name for thread in threading.enumerate()}
    assert {"sectra-dpat-part-writer", "sectra-dpat-part-hasher"} <= names
    for start in range(0, size, 65536):
        part.write(data[start : start + 65536])
    part.finish()
    assert part.sha256 == hashlib.sha256(data).hexdigest()
    assert part.commit().read_bytes() == data
    assert not any(thread.name.startswith("sectra-dpat-part-") for thread in threading.enumerate())


@pytest.mark.parametrize("size", [None, sink_module.PIPELINE_MIN_SIZE, 100])
def test_a_full_disk_is_a_typed_error_and_leaves_no_part(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, size: int | None
) -> None:
    _with_file(monkeypatch, lambda real: _FailingFile(real, room=50))
    part = PartFile(tmp_path, "f.dcm", expected_size=size)

    def write_all() -> None:
        for _ in range(20):  # inline: the second write fails; pipelined: a later write or finish reports it
            part.write(b"x" * 40)
        part.finish()

    with pytest.raises(DPATDownloadError, match=r"cannot write f\.dcm: No space left on device") as info:
        write_all()
    assert isinstance(info.value.__cause__, OSError)
    assert info.value.filename == "f.dcm"
    part.abort()
    assert list(tmp_path.iterdir()) == []


def test_the_writer_thread_holds_a_bounded_number_of_chunks(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    gate = threading.Event()
    made = _with_file(monkeypatch, lambda real: _FailingFile(real, room=1 << 30, gate=gate))
    part = PartFile(tmp_path, "f.dcm")  # unknown size: pipelined
    sent = 0
    chunk = sink_module.PIPELINE_BATCH // 4
    chunks = sink_module.PIPELINE_BATCHES * 4 * 4

    def produce() -> None:
        nonlocal sent
        for _ in range(chunks):
            part.write(b"y" * chunk)
            sent += 1

    producer = threading.Thread(target=produce)
    producer.start()
    producer.join(1.0)  # the disk is stuck: the producer must be held back, not queue everything
    assert producer.is_alive()
    assert sent * chunk <= (sink_module.PIPELINE_BATCHES + 2) * sink_module.PIPELINE_BATCH  # bounded memory
    gate.set()
    producer.join(10)
    part.finish()
    assert made[0].writes == chunks  # chunk by chunk: a batch is never joined into a second copy
    assert part.bytes_written == chunk * chunks
    part.abort()


def test_a_part_file_another_download_holds_is_neither_removed_nor_reused(tmp_path: Path) -> None:
    first = PartFile(tmp_path, "f.dcm", expected_size=3)
    with pytest.raises(DPATDownloadError, match=r"f\.dcm is already being downloaded") as info:
        PartFile(tmp_path, "f.dcm", expected_size=5)
    assert info.value.filename == "f.dcm"
    first.write(b"abc")
    first.finish()
    assert first.commit().read_bytes() == b"abc"
    second = PartFile(tmp_path, "f.dcm", expected_size=5)  # the name is free again once renamed
    second.abort()
    assert sorted(path.name for path in tmp_path.iterdir()) == ["f.dcm"]


def test_a_replaced_part_file_is_not_committed(tmp_path: Path) -> None:
    part = PartFile(tmp_path, "f.dcm", expected_size=3)
    part.write(b"abc")
    part.finish()
    part.temp_path.unlink()  # not by a download of this library (they hold its lock): by hand
    part.temp_path.write_bytes(b"xyz")
    with pytest.raises(DPATDownloadError, match="removed or replaced"):
        part.commit()
    part.abort()
    assert part.temp_path.read_bytes() == b"xyz"  # not ours: left alone
    assert not part.path.exists()
