"""Whole-slide data: streamed file downloads, Deep Zoom pyramid math, regions and thumbnails from tiles.

Layout: wsi does no network I/O of its own. ``deepzoom`` (pyramid math), ``stitching`` (region plans,
tile decoding, stitching, labels), ``download_state`` (the `SlideDownload` state machine, progress, the
lock), ``case_download`` (folders per slide, the case error), ``manifest``, ``multipart``, ``sink`` (part
files), ``filenames``, ``paths`` (the spec's one operation table: templates for errors and redaction).
The loops that fetch through a client live with the IA-API clients (``ai/_async/regions.py``,
``ai/_async/downloads.py``, generated into ``ai/_sync/``); ``regions`` and ``download`` re-export the
public names, the clients' functions imported on first use (``_from_clients``), so wsi alone imports no
client. ``slide``, ``readers``, ``patches`` and ``tissue`` give the `WholeSlide` interface, patch grids
and tissue masks over files or tiles.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ._from_clients import CLIENT_FUNCTIONS, lazy_dir, lazy_getattr
from .deepzoom import DeepZoomGeometry, PixelBox
from .download import DownloadProgress, ProgressCallback
from .filenames import NameAllocator, safe_filename
from .multipart import MultipartParser
from .patches import PatchBatch, PatchGrid, aiter_patches, iter_patches, patch_grid
from .readers import open_slide
from .regions import decode_label
from .slide import AsyncRemoteSlide, RemoteSlide, WholeSlide

if TYPE_CHECKING:
    from .download import download_case, download_case_async, download_slide_files, download_slide_files_async
    from .regions import get_thumbnail, get_thumbnail_async, read_region, read_region_async

__all__ = [
    "AsyncRemoteSlide",
    "DeepZoomGeometry",
    "DownloadProgress",
    "MultipartParser",
    "NameAllocator",
    "PatchBatch",
    "PatchGrid",
    "PixelBox",
    "ProgressCallback",
    "RemoteSlide",
    "WholeSlide",
    "aiter_patches",
    "decode_label",
    "download_case",
    "download_case_async",
    "download_slide_files",
    "download_slide_files_async",
    "get_thumbnail",
    "get_thumbnail_async",
    "iter_patches",
    "open_slide",
    "patch_grid",
    "read_region",
    "read_region_async",
    "safe_filename",
]

__getattr__ = lazy_getattr(__name__, globals(), CLIENT_FUNCTIONS)
__dir__ = lazy_dir(globals(), CLIENT_FUNCTIONS)
