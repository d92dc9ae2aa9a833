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
live with the IA-API clients (``ai/_async/downloads.py``, generated into ``ai/_sync/downloads.py``):
`download_case` and `download_case_async` are the clients' ``download_case`` (``wsi.download_case(client,
...)`` is ``client.download_case(...)``), re-exported here on first use. `download_slide_files` and
`download_slide_files_async` over a caller's httpx client are deprecated (``ai/_async/caller_http.py``):
use ``DPATAIClient.download_slide_files``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ._from_clients import lazy_dir, lazy_getattr
from .download_state import FILES_PATH, MAX_FILES, DownloadProgress, ProgressCallback, SlideDownload, lock_path
from .manifest import manifest_path, read_complete_manifest

if TYPE_CHECKING:
    from ..ai._async.caller_http import download_slide_files_async
    from ..ai._async.downloads import download_case_async
    from ..ai._sync.caller_http import download_slide_files
    from ..ai._sync.downloads import download_case

__all__ = [
    "FILES_PATH",
    "MAX_FILES",
    "DownloadProgress",
    "ProgressCallback",
    "SlideDownload",
    "download_case",
    "download_case_async",
    "download_slide_files",
    "download_slide_files_async",
    "lock_path",
    "manifest_path",
    "read_complete_manifest",
]

_FROM_CLIENTS = ["download_case", "download_case_async", "download_slide_files", "download_slide_files_async"]
__getattr__ = lazy_getattr(__name__, globals(), _FROM_CLIENTS)
__dir__ = lazy_dir(globals(), _FROM_CLIENTS)
