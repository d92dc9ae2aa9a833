"""The deprecated ``wsi.download_slide_files_async(http, ...)``: a slide download over a caller's httpx client.

This module exists twice: the async one is hand-written, the sync one is generated from it by
``codegen/unasync.py``. The download runs on an `AsyncDPATAIClient` over the caller's httpx client
(`AsyncDPATAIClient._over`), so it takes the client's one request path; as before it uses that httpx
client as is (base URL, auth, default headers), adds ``headers`` to the request and reads no ``/info``.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping
from pathlib import Path

import httpx

from ...wsi.download_state import MAX_FILES, ProgressCallback
from .client import AsyncDPATAIClient
from .downloads import download_to_async

__all__ = ["RAW_DOWNLOAD_DEPRECATED", "download_slide_files_async"]

RAW_DOWNLOAD_DEPRECATED = (
    "wsi.download_slide_files_async(http, ...) is deprecated: "
    "use AsyncDPATAIClient(url, token, transport=...).download_slide_files(slide_id, dest_dir)"
)


async def download_slide_files_async(
    http: httpx.AsyncClient,
    slide_id: str,
    dest_dir: str | Path,
    *,
    progress: ProgressCallback | None = None,
    resume: bool = True,
    headers: Mapping[str, str] | None = None,
    max_files: int = MAX_FILES,
) -> list[Path]:
    """Deprecated: use `AsyncDPATAIClient.download_slide_files`. Download a slide's files over ``http``.

    ``http`` is used as is (its base URL, auth and default headers); ``headers`` are sent with the
    request (e.g. ``X-Sectra-ApiVersion``); no ``/info`` is read first. Otherwise as
    `AsyncDPATAIClient.download_slide_files`.
    """
    warnings.warn(RAW_DOWNLOAD_DEPRECATED, DeprecationWarning, stacklevel=2)
    client = AsyncDPATAIClient._over(http, headers)
    return await download_to_async(client, slide_id, dest_dir, progress=progress, resume=resume, max_files=max_files)
