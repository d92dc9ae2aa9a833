"""A slide download's manifest: which files it wrote (name, size, sha256, mtime) and whether it is complete.

Kept next to the files as ``.sectra-dpat-<slide>.download.json``. While a download runs, its first file
rewrites the manifest (atomically, marked incomplete) and every later one is appended as one line to
``<manifest>.journal``, so recording a file costs the same for the 10,000th as for the first; the journal
is folded into the manifest and removed when the slide is complete. Resume trusts a file only when the
manifest (with its journal) of *this* slide records it intact.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import stat
import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..errors import DPATDownloadError
from .filenames import safe_filename

__all__ = [
    "JOURNAL_SUFFIX",
    "MANIFEST_GLOB",
    "MANIFEST_VERSION",
    "Entry",
    "Ledger",
    "Manifest",
    "is_intact",
    "journal_path",
    "load_manifest",
    "manifest_path",
    "other_owners",
    "own_bytes_on_disk",
    "read_complete_manifest",
    "sha256_of",
]

MANIFEST_VERSION = 2
MANIFEST_GLOB = ".sectra-dpat-*.download.json"
JOURNAL_SUFFIX = ".journal"
_HASH_CHUNK = 1024 * 1024


def manifest_path(dest_dir: Path, slide_id: str) -> Path:
    """Where the manifest of a completed slide download is kept."""
    return dest_dir / f".sectra-dpat-{safe_filename(slide_id, fallback='slide')}.download.json"


def journal_path(manifest: Path) -> Path:
    """Where the files recorded after the manifest was last rewritten are appended, one JSON line each."""
    return manifest.with_name(manifest.name + JOURNAL_SUFFIX)


@dataclass(frozen=True, slots=True)
class Entry:
    """One file a slide's manifest records: its size, and (manifest version 2) sha256 and mtime."""

    size: int
    sha256: str | None = None
    mtime_ns: int | None = None


@dataclass(frozen=True, slots=True)
class Manifest:
    slide_id: str
    complete: bool
    files: dict[str, Entry]


def _entry(item: Any) -> tuple[str, Entry] | None:
    """One recorded file (name, entry); None when its name is not a safe one (a damaged manifest)."""
    name, sha, mtime = str(item["name"]), item.get("sha256"), item.get("mtimeNs")
    if name != safe_filename(name, fallback=""):
        return None
    return name, Entry(int(item["size"]), None if sha is None else str(sha), None if mtime is None else int(mtime))


def _journal_entries(path: Path) -> list[tuple[str, Entry] | None]:
    """The entries appended to ``path``; a line cut short (a killed download) is skipped."""
    try:
        lines = path.read_bytes().splitlines()
    except FileNotFoundError:
        return []
    entries: list[tuple[str, Entry] | None] = []
    for line in lines:
        try:
            entries.append(_entry(json.loads(line)))
        except (ValueError, TypeError, KeyError, AttributeError):
            continue
    return entries


def load_manifest(path: Path) -> Manifest | None:
    """The manifest stored at ``path`` (with its journal while incomplete), or None when missing or damaged."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        version, slide_id = data.get("version"), data.get("slideId")
        if version not in (1, MANIFEST_VERSION) or not isinstance(slide_id, str):
            return None
        # version 1 manifests were written only once a slide was complete
        complete = version == 1 or data.get("complete") is True
        entries = [_entry(item) for item in data["files"]]
        if not complete:
            entries += _journal_entries(journal_path(path))
    except (OSError, ValueError, TypeError, KeyError, AttributeError):
        return None
    files: dict[str, Entry] = {}
    for entry in entries:
        if entry is None:
            return None
        files[entry[0]] = entry[1]
    return Manifest(slide_id, complete, files)


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as file:
        while chunk := file.read(_HASH_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def is_intact(path: Path, entry: Entry) -> bool:
    """True when ``path`` still holds the recorded file: same size and, when recorded, same mtime or sha256."""
    try:
        info = path.stat()
        if not stat.S_ISREG(info.st_mode) or info.st_size != entry.size:
            return False
        if entry.sha256 is None or entry.mtime_ns == info.st_mtime_ns:
            return True
        return sha256_of(path) == entry.sha256
    except OSError:
        return False


def read_complete_manifest(dest_dir: Path, slide_id: str) -> list[Path] | None:
    """The slide's files when its manifest says complete and every file listed is intact; else None."""
    manifest = load_manifest(manifest_path(dest_dir, slide_id))
    if manifest is None or manifest.slide_id != slide_id or not manifest.complete or not manifest.files:
        return None
    paths = [dest_dir / name for name in manifest.files]
    if not all(is_intact(path, entry) for path, entry in zip(paths, manifest.files.values(), strict=True)):
        return None
    return paths


def other_owners(dest_dir: Path, slide_id: str) -> dict[str, str]:
    """File name -> slide id, for the files other slides' manifests in ``dest_dir`` record."""
    owners: dict[str, str] = {}
    for path in dest_dir.glob(MANIFEST_GLOB):
        manifest = load_manifest(path)
        if manifest is not None and manifest.slide_id != slide_id:
            owners.update(dict.fromkeys(manifest.files, manifest.slide_id))
    return owners


class Ledger:
    """This slide's manifest while it downloads: the first file recorded rewrites it, later ones are appended.

    Thread-safe. `complete` folds everything into the manifest and removes the journal; `close` (after a
    failure) leaves both for resume.
    """

    def __init__(self, dest_dir: Path, slide_id: str) -> None:
        self._dest_dir = dest_dir
        self._slide_id = slide_id
        self._lock = threading.Lock()
        self._journal: int | None = None
        manifest = load_manifest(manifest_path(dest_dir, slide_id))
        if manifest is not None and manifest.slide_id != slide_id:
            raise DPATDownloadError(
                f"the destination directory holds the download of another slide ({manifest.slide_id}) whose "
                "manifest has the same name; download each slide into a directory of its own"
            )
        self.files: dict[str, Entry] = dict(manifest.files) if manifest is not None else {}

    def record(self, name: str, entry: Entry) -> None:
        """Record a file about to get its final name (before the rename, so resume knows it is this slide's)."""
        with self._lock:
            self.files[name] = entry
            try:
                if self._journal is None:
                    _write_manifest(self._dest_dir, self._slide_id, self.files, complete=False)
                    self._journal = os.open(
                        journal_path(manifest_path(self._dest_dir, self._slide_id)), _JOURNAL_FLAGS, 0o644
                    )
                else:
                    line = {"name": name, "size": entry.size, "sha256": entry.sha256, "mtimeNs": entry.mtime_ns}
                    os.write(self._journal, json.dumps(line).encode() + b"\n")
            except OSError as exc:
                raise DPATDownloadError(f"cannot write the download manifest: {exc.strerror or exc}") from exc

    def complete(self, names: Sequence[str]) -> None:
        """Write the manifest of the complete slide (exactly ``names``) and remove the journal."""
        with self._lock:
            _write_manifest(self._dest_dir, self._slide_id, {n: self.files[n] for n in names}, complete=True)
            self._close()
            with contextlib.suppress(OSError):
                journal_path(manifest_path(self._dest_dir, self._slide_id)).unlink(missing_ok=True)

    def close(self) -> None:
        """Stop recording (the download failed): the manifest and its journal stay for resume."""
        with self._lock:
            self._close()

    def _close(self) -> None:
        journal, self._journal = self._journal, None
        if journal is not None:
            with contextlib.suppress(OSError):
                os.close(journal)


_NO_LINK = getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0)
_JOURNAL_FLAGS = os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_APPEND | _NO_LINK
_NEW_FLAGS = os.O_WRONLY | os.O_CREAT | os.O_EXCL | _NO_LINK


def _write_manifest(dest_dir: Path, slide_id: str, files: Mapping[str, Entry], *, complete: bool) -> None:
    target = manifest_path(dest_dir, slide_id)
    temp = target.with_name(target.name + ".tmp")
    payload = {
        "version": MANIFEST_VERSION,
        "slideId": slide_id,
        "complete": complete,
        "files": [
            {"name": name, "size": entry.size, "sha256": entry.sha256, "mtimeNs": entry.mtime_ns}
            for name, entry in files.items()
        ],
    }
    try:
        temp.unlink(missing_ok=True)  # a leftover, or a planted link: removed, never written through
        fd = os.open(temp, _NEW_FLAGS, 0o644)
        with os.fdopen(fd, "wb") as file:
            file.write(json.dumps(payload, indent=1).encode())
        temp.replace(target)
    except OSError as exc:
        raise DPATDownloadError(f"cannot write the download manifest: {exc.strerror or exc}") from exc


def own_bytes_on_disk(dest_dir: Path, files: Mapping[str, Entry]) -> int:
    """Bytes of this slide's recorded files already on disk (resume skips them, so they need no space)."""
    total = 0
    for name, entry in files.items():
        try:
            if (dest_dir / name).stat().st_size == entry.size:
                total += entry.size
        except OSError:
            continue
    return total
