"""Streaming download of a slide's original files (``GET /slides/{slideId}/files``) to a directory.

Both wire forms are handled in constant memory: ``multipart/related`` (one part per file) and a single
file with a ``Content-Disposition`` header. Each file goes to ``name.part`` and is renamed only when
complete and of the announced size. A truncated or broken stream raises `DPATDownloadError` naming the
file and leaves nothing under a final name. A per-slide manifest records each file (name, size, sha256)
just before it gets its final name, and is marked complete when the slide is. With ``resume=True`` a
slide whose complete manifest and files are intact is not fetched again, files this slide's manifest
records as intact (same size, and same mtime or else same sha256) are not rewritten, and a single-file
answer for such a file is not read. A file under the same name that this slide did not write (e.g.
another slide's part in the same directory) is never taken as complete nor overwritten: the download
stops with `DPATDownloadError`.

This module holds the public names in one place. `SlideDownload` (every decision, I/O-free) and the
lock are in `sectra_dpat_client.wsi.download_state`, the case helpers in
`sectra_dpat_client.wsi.case_download`, the manifest in `sectra_dpat_client.wsi.manifest`. The loops
(`download_slide_files_async`, `download_case_async`) are written once in ``wsi/_async/download.py``
and generated into ``wsi/_sync/download.py`` (`download_slide_files`, `download_case`) by
codegen/unasync.py.
"""

from __future__ import annotations

from ._async.download import AsyncSlideClient, download_case_async, download_slide_files_async
from ._sync.download import SlideClient, download_case, download_slide_files
from .download_state import FILES_PATH, MAX_FILES, DownloadProgress, ProgressCallback, SlideDownload, lock_path
from .manifest import manifest_path, read_complete_manifest

__all__ = [
    "FILES_PATH",
    "MAX_FILES",
    "AsyncSlideClient",
    "DownloadProgress",
    "ProgressCallback",
    "SlideClient",
    "SlideDownload",
    "download_case",
    "download_case_async",
    "download_slide_files",
    "download_slide_files_async",
    "lock_path",
    "manifest_path",
    "read_complete_manifest",
]
