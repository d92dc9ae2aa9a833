"""The core of a slide download, free of network I/O: progress events, the `SlideDownload` state machine, the lock.

It touches only the destination folder (part files, manifest, lock file). `SlideDownload` holds every
decision of one slide download (where each file goes, what resume keeps, when a file is complete, what
a broken body means); the loops of the IA-API clients (``ai/_async/downloads.py`` and its generated
twin ``ai/_sync/downloads.py``) only move bytes between the response and it. `slide_lock` keeps a second
download of the same slide out of the same folder; `download_failure` turns what stopped a download
into the error to raise, after cleaning up.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx

from .._core.errors import download_broken
from ..errors import DPATDownloadError, DPATQueryError
from .filenames import NameAllocator, safe_filename
from .manifest import Entry, Ledger, is_intact, other_owners, own_bytes_on_disk
from .multipart import (
    MultipartParser,
    PartData,
    PartEnd,
    PartStart,
    boundary_from_content_type,
    filename_from_disposition,
    parse_content_length,
    parse_header_params,
)
from .paths import path_template
from .sink import PartFile, ensure_free_space

__all__ = [
    "FILES_PATH",
    "MAX_FILES",
    "Discard",
    "DownloadProgress",
    "ProgressCallback",
    "Sink",
    "SlideDownload",
    "check_max_files",
    "download_failure",
    "lock_path",
    "prepare_dest",
    "slide_lock",
]

FILES_PATH = path_template("getSlideFiles")
MAX_FILES = 10_000
"""Most files one slide download takes by default (``max_files``); a server that sends more is refused."""


@dataclass(frozen=True, slots=True)
class DownloadProgress:
    """Where a slide download stands.

    ``file_*`` describe the current file (``file_total`` is None when its size is unknown);
    ``bytes_done`` counts the files' bytes received (from 0); ``bytes_total`` is the response's
    Content-Length less the multipart framing seen so far (None when the server sends no length), so it
    ends equal to the sum of the file sizes. ``file_done`` is True on the event for a file received in full
    and checked (it gets its final name right after, once flushed to disk).
    """

    slide_id: str
    filename: str
    file_bytes: int
    file_total: int | None
    bytes_done: int
    bytes_total: int | None
    files_done: int
    file_done: bool = False


ProgressCallback = Callable[[DownloadProgress], None]


def check_max_files(max_files: int) -> None:
    """Raise `DPATQueryError` unless ``max_files`` is a positive integer."""
    if isinstance(max_files, bool) or not isinstance(max_files, int) or max_files < 1:
        raise DPATQueryError(f"max_files must be a positive integer, got {max_files!r}")


class Discard:
    """Stands in for a `PartFile` when a file already on disk is complete: reads and drops the bytes."""

    def __init__(self, path: Path, expected_size: int) -> None:
        self.name = path.name
        self.path = path
        self.expected_size: int | None = expected_size
        self.bytes_written = 0

    def write(self, data: bytes) -> None:
        self.bytes_written += len(data)
        if self.bytes_written > (self.expected_size or 0):
            raise DPATDownloadError(f"{self.name}: more data than its Content-Length", filename=self.name)

    def finish(self) -> None:
        if self.bytes_written != self.expected_size:
            raise DPATDownloadError(
                f"{self.name}: received {self.bytes_written} of {self.expected_size} bytes", filename=self.name
            )

    def commit(self) -> Path:
        return self.path

    def abort(self) -> None:
        return None


Sink = PartFile | Discard


class SlideDownload:
    """The I/O-free core of one slide download: feed it the body, commit the files it hands back.

    `feed` and `close` return the files that are complete; the caller passes each to `commit`
    (possibly in a worker thread) and then `committed`. On any failure call `abort`. A body with more than
    ``max_files`` files raises `DPATDownloadError` before the first one too many is opened.
    """

    def __init__(
        self,
        slide_id: str,
        dest_dir: Path,
        headers: httpx.Headers,
        *,
        progress: ProgressCallback | None = None,
        resume: bool = True,
        max_files: int = MAX_FILES,
    ) -> None:
        check_max_files(max_files)
        self.slide_id = slide_id
        self._max_files = max_files
        self._opened = 0
        self.dest_dir = dest_dir
        self._progress = progress
        self._resume = resume
        self._names = NameAllocator()
        self._ledger = Ledger(dest_dir, slide_id)
        self.other_owners = other_owners(dest_dir, slide_id)
        self._current: Sink | None = None
        self._unfinished: list[Sink] = []
        self._written: list[tuple[str, int]] = []
        self._deferred: DPATDownloadError | None = None
        self.paths: list[Path] = []
        self.bytes_done = 0
        self._framing = 0  # multipart boundaries and part headers received, not file bytes
        encoded = headers.get("content-encoding", "identity").strip().lower() not in ("", "identity")
        self._body_total = None if encoded else parse_content_length(headers.get("content-length"), where="response")
        media_type, _ = parse_header_params(headers.get("content-type", ""))
        self._parser: MultipartParser | None = None
        if self._body_total is not None:
            already = own_bytes_on_disk(dest_dir, self._ledger.files) if resume else 0
            ensure_free_space(dest_dir, max(0, self._body_total - already), what="the slide's files")
        if media_type.startswith("multipart/"):
            self._parser = MultipartParser(boundary_from_content_type(headers.get("content-type", "")))
        else:
            disposition = headers.get("content-disposition")
            raw_name = filename_from_disposition(disposition) if disposition else None
            self._open(raw_name, self._body_total)

    @property
    def bytes_total(self) -> int | None:
        """The body's announced length less the framing received so far (None when unannounced)."""
        return None if self._body_total is None else self._body_total - self._framing

    @property
    def body_needed(self) -> bool:
        """False when the response is a single file already complete on disk (resume): skip its body."""
        return not (self._parser is None and isinstance(self._current, Discard))

    def skip_body(self) -> None:
        """Count the already complete single file as received without reading the body."""
        current = self._current
        if self.body_needed or not isinstance(current, Discard) or current.expected_size is None:
            raise DPATDownloadError("only a single file already complete on disk can be skipped")
        current.bytes_written = current.expected_size
        self.bytes_done = self.bytes_total or current.expected_size

    @property
    def current_filename(self) -> str | None:
        """The file being received, if any."""
        return self._current.name if self._current is not None else None

    def _open(self, raw_name: str | None, size: int | None, index: int | None = None) -> None:
        if self._opened >= self._max_files:
            raise DPATDownloadError(
                f"the server sent more than {self._max_files} files for slide {self.slide_id} (the limit, "
                "max_files): stopped; the files received so far stay, the download is not complete",
                slide_id=self.slide_id,
            )
        self._opened += 1
        base = safe_filename(self.slide_id, fallback="slide")
        name = self._names.allocate(raw_name, fallback=base if index is None else f"{base}-{index:04d}")
        path = self.dest_dir / name
        own = self._ledger.files.get(name)
        if own is None and os.path.lexists(path):
            raise self._not_ours(name)
        if self._resume and own is not None and size == own.size and is_intact(path, own):
            self._current = Discard(path, size)
        else:
            part = PartFile(self.dest_dir, name, expected_size=size)
            if own is None and os.path.lexists(path):  # another download gave it its final name meanwhile
                part.abort()
                raise self._not_ours(name)
            self._current = part
        self._unfinished.append(self._current)
        self._report(file_done=False)

    def _not_ours(self, name: str) -> DPATDownloadError:
        owner = self.other_owners.get(name)
        whose = f"a file of slide {owner}" if owner is not None else "a file this slide's download did not write"
        return DPATDownloadError(
            f"{name}: the destination directory already holds {whose} under this name; it is neither taken as "
            "complete nor overwritten: download each slide into a directory of its own, or remove the file",
            filename=name,
        )

    def _report(self, *, file_done: bool) -> None:
        if self._progress is None or self._current is None:
            return
        current = self._current
        self._progress(
            DownloadProgress(
                slide_id=self.slide_id,
                filename=current.name,
                file_bytes=current.bytes_written,
                file_total=current.expected_size,
                bytes_done=self.bytes_done,
                bytes_total=self.bytes_total,
                files_done=len(self._written),
                file_done=file_done,
            )
        )

    def _complete_current(self) -> Sink:
        current = self._current
        if current is None:
            raise DPATDownloadError("malformed multipart body: a part ended that never began")
        current.finish()
        self._written.append((current.name, current.bytes_written))
        self._report(file_done=True)
        self._current = None
        return current

    def feed(self, chunk: bytes) -> list[Sink]:
        """Take the next piece of the body; returns the files it completed (to be committed).

        A fault after a completed file is raised by the next call, so that file is committed first.
        """
        if self._deferred is not None:
            raise self._deferred
        if self._parser is None:
            self.bytes_done += len(chunk)
            if self._current is None:
                raise DPATDownloadError("data after the end of the file")
            self._current.write(chunk)
            self._report(file_done=False)
            return []
        try:
            events = self._parser.feed(chunk)
        except DPATDownloadError as exc:
            raise self._named(exc) from exc
        self._framing += len(chunk) - sum(len(event.data) for event in events if isinstance(event, PartData))
        done: list[Sink] = []
        try:
            for event in events:
                self._apply(event, done)
        except DPATDownloadError as exc:
            if not done:
                raise
            self._deferred = exc
            return done
        if events and self._current is not None:
            self._report(file_done=False)
        return done

    def _apply(self, event: PartStart | PartData | PartEnd, done: list[Sink]) -> None:
        if isinstance(event, PartData):
            if self._current is None:
                raise DPATDownloadError("malformed multipart body: data outside a part")
            self._current.write(event.data)
            self.bytes_done += len(event.data)  # counted as written, so a file's first event starts at 0
        elif isinstance(event, PartStart):
            try:
                self._open(event.filename, event.content_length, event.index)
            except DPATDownloadError as exc:
                raise self._named(exc) from exc
        else:
            done.append(self._complete_current())

    def close(self) -> list[Sink]:
        """The body has ended; returns the files still to be committed, raises if anything is missing."""
        if self._deferred is not None:
            raise self._deferred
        if self._parser is None:
            return [self._complete_current()] if self._current is not None else []
        try:
            self._parser.close()
        except DPATDownloadError as exc:
            raise self._named(exc) from exc
        if not self._written:
            raise DPATDownloadError("the server sent a multipart body without any file")
        return []

    def commit(self, sink: Sink) -> Path:
        """Record a finished file in this slide's manifest, then give it its final name; returns that path.

        The sha256 was computed while the file was written (blocking: run it in a worker thread).
        """
        if isinstance(sink, PartFile):
            try:
                mtime_ns, sha256 = sink.temp_path.stat().st_mtime_ns, sink.sha256
            except OSError as exc:
                raise DPATDownloadError(f"cannot store {sink.name}: {exc.strerror or exc}", filename=sink.name) from exc
            self._ledger.record(sink.name, Entry(sink.bytes_written, sha256, mtime_ns))
        return sink.commit()

    def committed(self, sink: Sink, path: Path) -> None:
        """Record that ``sink`` now lies at its final ``path``."""
        self._unfinished.remove(sink)
        self.paths.append(path)

    def finish(self) -> list[Path]:
        """Write the manifest and return every file's final path."""
        if self._unfinished or self._current is not None:
            raise DPATDownloadError("download finished with uncommitted files")
        self._ledger.complete([name for name, _ in self._written])
        return list(self.paths)

    def abort(self) -> None:
        """Delete every temporary file of this download (completed files stay, and the manifest, for resume)."""
        self._ledger.close()
        for sink in self._unfinished:
            sink.abort()
        self._unfinished.clear()
        self._current = None

    def _named(self, exc: DPATDownloadError) -> DPATDownloadError:
        name = exc.filename or self.current_filename
        if name is None or exc.filename is not None:
            return exc
        return DPATDownloadError(f"{name}: {exc}", filename=name)


def lock_path(dest_dir: Path, slide_id: str) -> Path:
    """The file whose lock marks a slide being downloaded into ``dest_dir``."""
    return dest_dir / f".sectra-dpat-{safe_filename(slide_id, fallback='slide')}.download.lock"


@contextlib.contextmanager
def slide_lock(dest_dir: Path, slide_id: str) -> Iterator[None]:
    """Hold the slide's lock in ``dest_dir`` (an ``flock``, across processes and threads) or fail at once.

    A second download of the same slide into the same folder raises `DPATDownloadError` ("already being
    downloaded") instead of writing the same files at the same time. The lock file is removed on release;
    a holder checks after locking that the name still leads to its file, so a removal never lets two in.
    """
    try:
        import fcntl
    except ImportError:  # pragma: no cover - not POSIX: no cross-process lock
        yield
        return
    path = lock_path(dest_dir, slide_id)
    flags = os.O_RDWR | os.O_CREAT | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0)
    while True:
        try:
            fd = os.open(path, flags, 0o644)
        except OSError as exc:
            raise DPATDownloadError(f"cannot lock the download: {exc.strerror or exc}", slide_id=slide_id) from exc
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            raise DPATDownloadError(
                f"slide {slide_id} is already being downloaded into {dest_dir} (by another process or thread); "
                "wait for it to finish, then download again to resume",
                slide_id=slide_id,
            ) from None
        try:
            same = os.path.samestat(os.fstat(fd), os.lstat(path))
        except OSError:
            same = False
        if same:
            break
        os.close(fd)  # the holder before us removed that file: lock the new one
    try:
        yield
    finally:
        with contextlib.suppress(OSError):
            os.unlink(path)
        os.close(fd)  # releases the lock


def prepare_dest(dest_dir: str | Path) -> Path:
    dest = Path(dest_dir)
    try:
        dest.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise DPATDownloadError(f"cannot create {dest}: {exc.strerror or exc}") from exc
    return dest


def download_failure(job: SlideDownload | None, exc: BaseException) -> BaseException:
    """Clean up after ``exc`` (temporary files go, complete files stay) and return the error to raise.

    The request's own failures (no answer, an error status) are already the client's errors; what httpx
    raises while the body streams (connection lost, a corrupt gzip body) becomes `DPATDownloadError`.
    """
    name = None if job is None else job.current_filename
    failure: BaseException = exc
    if isinstance(exc, httpx.DecodingError | httpx.TransportError):
        failure = download_broken(exc, name)
    if job is not None:
        job.abort()
    return failure
