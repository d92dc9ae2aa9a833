"""Whole-slide data: streamed file downloads, Deep Zoom pyramid math, regions and thumbnails from tiles."""

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
