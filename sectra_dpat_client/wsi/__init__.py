"""Whole-slide data: streamed file downloads, Deep Zoom pyramid math, regions and thumbnails from tiles.

Layout: the loops that fetch through a client are written once as async in ``_async/`` (``regions``:
tiles of a region or thumbnail; ``download``: a slide's files, a case) and generated into ``_sync/`` by
``codegen/unasync.py`` (never edit it; ``make check-generated`` holds it equal). The rest does no network
I/O: ``deepzoom`` (pyramid math), ``stitching`` (region plans, tile decoding, stitching, labels),
``download_state`` (the `SlideDownload` state machine, progress, the lock), ``case_download`` (folders per
slide, the case error), ``manifest``, ``multipart``, ``sink`` (part files), ``filenames``, ``paths``
(the spec's one operation table: templates for errors and redaction). ``regions`` and ``download`` only
re-export the public names; ``slide``, ``readers``, ``patches`` and ``tissue`` give the `WholeSlide`
interface, patch grids and tissue masks over files or tiles.
"""

from __future__ import annotations

from .deepzoom import DeepZoomGeometry, PixelBox
from .download import (
    DownloadProgress,
    ProgressCallback,
    download_case,
    download_case_async,
    download_slide_files,
    download_slide_files_async,
)
from .filenames import NameAllocator, safe_filename
from .multipart import MultipartParser
from .patches import PatchBatch, PatchGrid, aiter_patches, iter_patches, patch_grid
from .readers import open_slide
from .regions import decode_label, get_thumbnail, get_thumbnail_async, read_region, read_region_async
from .slide import AsyncRemoteSlide, RemoteSlide, WholeSlide

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
