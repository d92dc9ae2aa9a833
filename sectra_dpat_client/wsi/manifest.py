"""A slide download's manifest: which files it wrote (name, size, sha256, mtime) and whether it is complete.

Kept next to the files as ``.sectra-dpat-<slide>.download.json`` and rewritten atomically each time a
file is recorded; resume trusts a file only when the manifest of *this* slide records it intact.
"""

from __future__ import annotations

import hashlib
import json
import stat
import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from ..errors import DPATDownloadError
from .filenames import safe_filename

__all__ = [
    "MANIFEST_GLOB",
    "MANIFEST_VERSION",
    "Entry",
    "Ledger",
    "Manifest",
    "is_intact",
    "load_manifest",
    "manifest_path",
    "other_owners",
    "own_bytes_on_disk",
    "read_complete_manifest",
    "sha256_of",
]

MANIFEST_VERSION = 2
MANIFEST_GLOB = ".sectra-dpat-*.download.json"
_HASH_CHUNK = 1024 * 1024


def manifest_path(dest_dir: Path, slide_id: str) -> Path:
    """Where the manifest of a completed slide download is kept."""
    return dest_dir / f".sectra-dpat-{safe_filename(slide_id, fallback='slide')}.download.json"


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


def load_manifest(path: Path) -> Manifest | None:
    """The manifest stored at ``path``, or None when it is missing or damaged."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        version, slide_id = data.get("version"), data.get("slideId")
        if version not in (1, MANIFEST_VERSION) or not isinstance(slide_id, str):
            return None
        files: dict[str, Entry] = {}
        for item in data["files"]:
            name, sha, mtime = str(item["name"]), item.get("sha256"), item.get("mtimeNs")
            if name != safe_filename(name, fallback=""):
                return None
            files[name] = Entry(
                int(item["size"]), None if sha is None else str(sha), None if mtime is None else int(mtime)
            )
    except (OSError, ValueError, TypeError, KeyError, AttributeError):
        return None
    # version 1 manifests were written only once a slide was complete
    return Manifest(slide_id, version == 1 or data.get("complete") is True, files)


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
    """This slide's manifest, rewritten (atomically, thread-safe) each time a file is recorded."""

    def __init__(self, dest_dir: Path, slide_id: str) -> None:
        self._dest_dir = dest_dir
        self._slide_id = slide_id
        self._lock = threading.Lock()
        manifest = load_manifest(manifest_path(dest_dir, slide_id))
        if manifest is not None and manifest.slide_id != slide_id:
            raise DPATDownloadError(
                f"the destination directory holds the download of another slide ({manifest.slide_id}) whose "
                "manifest has the same name; download each slide into a directory of its own"
            )
        self.files: dict[str, Entry] = dict(manifest.files) if manifest is not None else {}

    def record(self, name: str, entry: Entry) -> None:
        with self._lock:
            self.files[name] = entry
            _write_manifest(self._dest_dir, self._slide_id, self.files, complete=False)

    def complete(self, names: Sequence[str]) -> None:
        with self._lock:
            _write_manifest(self._dest_dir, self._slide_id, {n: self.files[n] for n in names}, complete=True)


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
        temp.write_text(json.dumps(payload, indent=1), encoding="utf-8")
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
