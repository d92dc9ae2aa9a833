"""Safe local file names for names a server sends.

`safe_filename` reduces a name to one harmless path component: no directories, no ``..``, no
absolute paths or drive letters, no control characters, no reserved Windows device names.
`NameAllocator` hands out such names for one download and disambiguates collisions
(case-insensitively, and never clashing with another file's ``.part`` temporary name).
"""

from __future__ import annotations

import re
import unicodedata

__all__ = ["PART_SUFFIX", "NameAllocator", "safe_filename"]

PART_SUFFIX = ".part"
MAX_NAME_BYTES = 200  # leaves room for a disambiguation counter and PART_SUFFIX under 255

_DRIVE = re.compile(r"^[A-Za-z]:")
_HOSTILE = frozenset('<>:"|?*')
_RESERVED = re.compile(r"^(con|prn|aux|nul|com[0-9¹²³]|lpt[0-9¹²³])(\..*)?$", re.IGNORECASE)


def safe_filename(raw: str | None, *, fallback: str) -> str:
    """One safe path component derived from ``raw``, or ``fallback`` when nothing usable is left.

    Only the last path component (``/`` or ``\\`` separated) is kept; drive letters are dropped;
    control/format characters and characters Windows forbids become ``_``; leading and trailing dots and spaces go.
    ``fallback`` must itself be safe.
    """
    name = unicodedata.normalize("NFC", raw or "")
    name = re.split(r"[/\\]", name)[-1]
    name = _DRIVE.sub("", name)
    name = "".join("_" if ch in _HOSTILE or unicodedata.category(ch)[0] == "C" else ch for ch in name)
    name = name.strip(" .")
    if not name or set(name) <= {"_"}:
        return fallback
    if _RESERVED.match(name):
        name = "_" + name
    return _truncate(name)


def _truncate(name: str) -> str:
    if len(name.encode("utf-8")) <= MAX_NAME_BYTES:
        return name
    stem, dot, ext = name.rpartition(".")
    if not dot or len(ext.encode("utf-8")) > 16:
        stem, ext = name, ""
    suffix = f".{ext}" if ext else ""
    budget = MAX_NAME_BYTES - len(suffix.encode("utf-8"))
    cut = stem.encode("utf-8")[:budget].decode("utf-8", "ignore")
    return cut + suffix


def _split_ext(name: str) -> tuple[str, str]:
    stem, dot, ext = name.rpartition(".")
    if not dot or not stem:
        return name, ""
    return stem, "." + ext


class NameAllocator:
    """Unique, safe names within one destination directory, deterministic for the same input order."""

    def __init__(self) -> None:
        self._taken: set[str] = set()

    def allocate(self, raw: str | None, *, fallback: str) -> str:
        """A safe name for ``raw`` not yet handed out (``stem_1.ext``, ``stem_2.ext``, … on collision)."""
        name = safe_filename(raw, fallback=fallback)
        stem, ext = _split_ext(name)
        candidate, counter = name, 0
        while self._clashes(candidate):
            counter += 1
            candidate = f"{stem}_{counter}{ext}"
        self._taken.update({candidate.casefold(), (candidate + PART_SUFFIX).casefold()})
        return candidate

    def _clashes(self, name: str) -> bool:
        return name.casefold() in self._taken or (name + PART_SUFFIX).casefold() in self._taken
