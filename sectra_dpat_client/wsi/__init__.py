"""Whole-slide data: streamed file downloads, Deep Zoom pyramid math, regions and thumbnails from tiles."""

from __future__ import annotations

from .deepzoom import DeepZoomGeometry, PixelBox
from .download import (
    DownloadProgress,
    ProgressCallback,
    download_case,
    download_slide_files,
    download_slide_files_async,
)
from .filenames import NameAllocator, safe_filename
from .multipart import MultipartParser

__all__ = [
    "DeepZoomGeometry",
    "DownloadProgress",
    "MultipartParser",
    "NameAllocator",
    "PixelBox",
    "ProgressCallback",
    "download_case",
    "download_slide_files",
    "download_slide_files_async",
    "safe_filename",
]
