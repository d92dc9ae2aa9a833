"""Writing one downloaded file so that an incomplete file never carries its final name.

`PartFile` writes to ``name.part`` (created anew, never through a symbolic link or into an existing file)
and hashes (sha256) what it writes as it goes; a large file is written on one thread and hashed on another, each
at most `PIPELINE_BATCHES` batches behind, so that work overlaps the network and the multipart parsing.
A download holds its part file's ``flock`` from creation to rename, so a second download of a file of the
same name into the same folder fails ("already being downloaded") instead of removing it, and only a
leftover of an ended download is replaced.
`PartFile.finish` closes it and checks the size against the expected length; `PartFile.commit` fsyncs and
renames it atomically through the descriptor it wrote (the slow step, which the async client runs off the
event loop); `PartFile.abort` removes the temporary file.
`ensure_free_space` refuses a download that cannot fit; `is_complete` tells resume which files to skip.
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import os
import queue
import shutil
import stat
import threading
from pathlib import Path
from typing import BinaryIO

from ..errors import DPATDownloadError
from .filenames import PART_SUFFIX

__all__ = [
    "FREE_SPACE_MARGIN",
    "PIPELINE_BATCH",
    "PIPELINE_BATCHES",
    "PIPELINE_MIN_SIZE",
    "PartFile",
    "ensure_free_space",
    "is_complete",
]

FREE_SPACE_MARGIN = 64 * 1024 * 1024
"""Bytes kept free beyond a download's own size."""

PIPELINE_MIN_SIZE = 8 * 1024 * 1024
"""Files of at least this many bytes (or of unknown size) are written and hashed on threads of their own."""

PIPELINE_BATCH = 1024 * 1024
"""Received chunks are handed to those threads in batches of about this many bytes (fewer thread switches)."""

PIPELINE_BATCHES = 1
"""How many batches may wait for each of those threads (with `PIPELINE_BATCH`, the bound on the memory it holds).

One: the thread then holds at most about two batches (the one it writes and the one waiting), so the
received chunks it holds stay in memory malloc keeps; with four (about 5 MiB in flight at 1 MiB socket
reads) freed chunks were handed back to the system and faulted in again, which cost more system time
than the queue saved (P3 on tmpfs, 256 MiB: 0.31 s of system time instead of 0.43-0.47 s)."""


class _Writer:
    """Writes batches of chunks on one thread of its own and hashes them on another (hashlib and file writes
    release the GIL, so on two cores the hash costs no wall time); the first write failure is kept."""

    def __init__(self, file: BinaryIO, digest: hashlib._Hash) -> None:
        self.error: OSError | None = None
        self._file = file
        self._digest = digest
        self._queues: tuple[queue.Queue[list[bytes] | None], ...] = (
            queue.Queue(maxsize=PIPELINE_BATCHES),
            queue.Queue(maxsize=PIPELINE_BATCHES),
        )
        self._batch: list[bytes] = []
        self._batched = 0
        self._threads = (
            threading.Thread(target=self._write, name="sectra-dpat-part-writer", daemon=True),
            threading.Thread(target=self._hash, name="sectra-dpat-part-hasher", daemon=True),
        )
        for thread in self._threads:
            thread.start()

    def _write(self) -> None:
        while (batch := self._queues[0].get()) is not None:
            if self.error is None:  # after a failure, keep draining so the producer never blocks
                try:
                    for data in batch:  # chunk by chunk: joining them would hold each batch twice
                        self._file.write(data)
                except OSError as exc:
                    self.error = exc

    def _hash(self) -> None:
        update = self._digest.update
        while (batch := self._queues[1].get()) is not None:
            for data in batch:
                update(data)

    def _hand_over(self, batch: list[bytes] | None) -> None:
        for waiting in self._queues:
            waiting.put(batch)

    def put(self, data: bytes) -> None:
        self._batch.append(data)
        self._batched += len(data)
        if self._batched >= PIPELINE_BATCH:
            self._hand_over(self._batch)
            self._batch, self._batched = [], 0

    def join(self) -> None:
        """Wait until everything put is written (or dropped after a failure) and hashed."""
        if self._batch:
            self._hand_over(self._batch)
            self._batch, self._batched = [], 0
        self._hand_over(None)
        for thread in self._threads:
            thread.join()


def ensure_free_space(directory: Path, needed: int, *, what: str) -> None:
    """Raise `DPATDownloadError` when ``directory``'s file system has less than ``needed`` bytes free (plus margin)."""
    free = shutil.disk_usage(directory).free
    if needed + FREE_SPACE_MARGIN > free:
        raise DPATDownloadError(
            f"not enough free disk space for {what}: {needed} bytes needed, {free} free in {directory}",
            filename=what,
        )


def is_complete(path: Path, expected_size: int | None) -> bool:
    """True when ``path`` is a regular file of ``expected_size`` bytes (when that is known)."""
    try:
        size = path.stat().st_size
    except OSError:
        return False
    return path.is_file() and (expected_size is None or size == expected_size)


def _fsync_directory(directory: Path) -> None:
    if os.name != "posix":  # pragma: no cover - directories cannot be opened for fsync on Windows
        return
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


_NEW_FILE_FLAGS = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0)
_PEEK_FLAGS = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0) | getattr(os, "O_NONBLOCK", 0)
_CREATE_ATTEMPTS = 8


def _try_lock(fd: int) -> bool:
    """Take an exclusive ``flock`` on ``fd`` without waiting; True when taken (always, where there is none)."""
    if os.name != "posix":  # pragma: no cover - no flock: no cross-download protection
        return True
    import fcntl

    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    return True


def _is_at(fd: int, path: Path) -> bool:
    """True when ``path`` (not followed) is still the file open as ``fd``."""
    try:
        return os.path.samestat(os.fstat(fd), os.lstat(path))
    except OSError:
        return False


def _not_regular(path: Path, name: str) -> DPATDownloadError:
    return DPATDownloadError(
        f"{name}: its temporary file {path.name} is a symbolic link or not a regular file; "
        "it is neither followed nor overwritten: remove it",
        filename=name,
    )


def _remove_leftover(path: Path, name: str) -> None:
    """Remove the ``.part`` of a download that ended (killed); refuse a link, or one another download holds.

    A download holds its part file's ``flock`` from creation to rename, so a part file that can be locked
    is a leftover. Unlinking a name never touches another file, even a hard link's.
    """
    try:
        if not stat.S_ISREG(os.lstat(path).st_mode):
            raise _not_regular(path, name)
        fd = os.open(path, _PEEK_FLAGS)
    except FileNotFoundError:
        return
    except OSError as exc:
        if exc.errno == errno.ELOOP:  # became a symbolic link after the lstat
            raise _not_regular(path, name) from None
        raise DPATDownloadError(f"cannot write {name}: {exc.strerror or exc}", filename=name) from exc
    try:
        if not _is_at(fd, path):
            return  # replaced meanwhile: look again
        if not _try_lock(fd):
            raise DPATDownloadError(
                f"{name} is already being downloaded into {path.parent} (another download holds its temporary "
                f"file {path.name}); wait for it to finish, or download each slide into a directory of its own",
                filename=name,
            )
        if _is_at(fd, path):
            with contextlib.suppress(FileNotFoundError):
                os.unlink(path)
    finally:
        os.close(fd)


def _create_new(path: Path, name: str) -> int:
    """Create ``path`` as a new file and hold its ``flock``: never through a symbolic link, never an existing file.

    A leftover ``.part`` of an ended download is removed first; one that another download holds stops this
    one ("already being downloaded"), as does a symbolic link or anything but a regular file under that name.
    """
    for _ in range(_CREATE_ATTEMPTS):
        try:
            fd = os.open(path, _NEW_FILE_FLAGS, 0o644)
        except FileExistsError:
            _remove_leftover(path, name)
            continue
        except OSError as exc:
            raise DPATDownloadError(f"cannot write {name}: {exc.strerror or exc}", filename=name) from exc
        if _try_lock(fd) and _is_at(fd, path):
            return fd
        os.close(fd)  # taken for a leftover between creation and lock (and removed): create another
    raise DPATDownloadError(f"cannot create {path.name}: it keeps reappearing", filename=name)


def _writer_of(fd: int) -> BinaryIO:
    """A buffered file object writing to ``fd``; closing it leaves ``fd`` (and its lock) open."""
    return os.fdopen(fd, "wb", closefd=False)


class PartFile:
    """A file being downloaded into ``directory/name`` via ``directory/name.part``."""

    def __init__(self, directory: Path, name: str, *, expected_size: int | None = None) -> None:
        self.name = name
        self.path = directory / name
        self.temp_path = directory / (name + PART_SUFFIX)
        self.expected_size = expected_size
        self.bytes_written = 0
        if expected_size is not None:
            ensure_free_space(directory, expected_size, what=name)
        self._digest = hashlib.sha256()
        self._fd: int | None = _create_new(self.temp_path, name)  # held (locked) until renamed or removed
        self._file: BinaryIO | None = _writer_of(self._fd)
        self._writer = (
            _Writer(self._file, self._digest) if expected_size is None or expected_size >= PIPELINE_MIN_SIZE else None
        )

    @property
    def sha256(self) -> str:
        """The hex sha256 of the bytes written so far (all of them once finished)."""
        return self._digest.hexdigest()

    def write(self, data: bytes) -> None:
        """Append ``data``; raises `DPATDownloadError` if it goes past the expected size."""
        if self._file is None:
            raise DPATDownloadError(f"{self.name} is already closed", filename=self.name)
        self.bytes_written += len(data)
        if self.expected_size is not None and self.bytes_written > self.expected_size:
            raise DPATDownloadError(
                f"{self.name}: more data than its Content-Length of {self.expected_size} bytes", filename=self.name
            )
        writer = self._writer
        if writer is not None:
            if writer.error is not None:
                raise self._write_failure(writer.error)
            writer.put(data)
            return
        try:
            self._file.write(data)
            self._digest.update(data)
        except OSError as exc:
            raise self._write_failure(exc) from exc

    def _write_failure(self, exc: OSError) -> DPATDownloadError:
        failure = DPATDownloadError(f"cannot write {self.name}: {exc.strerror or exc}", filename=self.name)
        failure.__cause__ = exc
        return failure

    def _drain(self) -> OSError | None:
        """Wait for the writer thread (if any) to write what is queued; its failure, if one happened."""
        writer, self._writer = self._writer, None
        if writer is None:
            return None
        writer.join()
        return writer.error

    def finish(self) -> None:
        """Close the temporary file; raises `DPATDownloadError` when the size does not match."""
        failure = self._drain()
        file, self._file = self._file, None
        if failure is not None:
            if file is not None:
                with contextlib.suppress(OSError):
                    file.close()
            raise self._write_failure(failure)
        if file is not None:
            try:
                file.close()
            except OSError as exc:
                raise DPATDownloadError(f"cannot write {self.name}: {exc.strerror or exc}", filename=self.name) from exc
        if self.expected_size is not None and self.bytes_written != self.expected_size:
            raise DPATDownloadError(
                f"{self.name}: received {self.bytes_written} of {self.expected_size} bytes", filename=self.name
            )

    def commit(self) -> Path:
        """Flush the finished temporary file to disk, rename it atomically to its final name, return that path.

        It is flushed and renamed through the descriptor it was written by, only while ``name.part`` is still
        that file (a download holds its part file locked, so no other one removes or replaces it).
        """
        fd = self._fd
        if self._file is not None or fd is None:
            raise DPATDownloadError(f"{self.name} committed before it was finished", filename=self.name)
        try:
            os.fsync(fd)
            if not _is_at(fd, self.temp_path):
                raise DPATDownloadError(
                    f"cannot store {self.name}: its temporary file {self.temp_path.name} was removed or replaced "
                    "during the download",
                    filename=self.name,
                )
            os.replace(self.temp_path, self.path)
            self._fd = None
            os.close(fd)  # releases the lock: the part file's name is gone
            _fsync_directory(self.path.parent)
        except OSError as exc:
            raise DPATDownloadError(f"cannot store {self.name}: {exc.strerror or exc}", filename=self.name) from exc
        return self.path

    def abort(self) -> None:
        """Close and delete the temporary file (best effort; only while it is still this download's file)."""
        self._drain()
        file, self._file = self._file, None
        fd, self._fd = self._fd, None
        with contextlib.suppress(OSError):
            if file is not None:
                file.close()
        if fd is not None:
            with contextlib.suppress(OSError):
                if _is_at(fd, self.temp_path):
                    self.temp_path.unlink()
            os.close(fd)
