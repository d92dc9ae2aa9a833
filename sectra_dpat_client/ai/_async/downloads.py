"""A slide's original files, or every slide of a case, downloaded to disk through the client's request path.

This module exists twice: the async one is hand-written, the sync one is generated from it by
``codegen/unasync.py``. `download_slide_files_async` and `download_case_async` are the client's
``download_slide_files`` and ``download_case`` (the client class takes them as its methods, so their
signatures exist once). The files answer is streamed by the client's ``_stream`` (its one request
method: version gate, headers, errors). Every decision is in `sectra_dpat_client.wsi.download_state`
(`SlideDownload`, the lock, the error on failure) and `sectra_dpat_client.wsi.case_download` (folders
per slide, the error for failed slides); these loops only move bytes. A finished file is committed
(flushed, recorded, renamed) in a worker thread while the next streams in: the asyncio loop starts each
commit in a thread of its own, the sync loop queues them for one thread. The asyncio case download runs
slides as tasks, the sync one in worker threads.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from sectra_dpat_client._generated.dpat_api.api.slides import get_slide_files

# unasync: from ..._core.primitives import Background, Started, map_settled, run_blocking
from ..._core.primitives import AsyncBackground, AsyncStarted, amap_settled, arun_blocking
from ...wsi.case_download import case_result, case_targets, check_concurrency
from ...wsi.download_state import (
    MAX_FILES,
    ProgressCallback,
    Sink,
    SlideDownload,
    check_max_files,
    download_failure,
    prepare_dest,
    slide_lock,
)
from ...wsi.manifest import read_complete_manifest
from ..arguments import path_segment

if TYPE_CHECKING:
    from .client import AsyncDPATAIClient

__all__ = ["download_case_async", "download_slide_files_async", "download_to_async"]


async def download_slide_files_async(
    client: AsyncDPATAIClient,
    slide_id: str,
    dest_dir: str | Path,
    *,
    progress: ProgressCallback | None = None,
    resume: bool = True,
    max_files: int = MAX_FILES,
) -> list[Path]:
    """Stream the slide's original file(s) into ``dest_dir`` (constant memory, resumable); returns the paths.

    ``progress`` is called with a `DownloadProgress` as bytes arrive and when each file completes. More
    than ``max_files`` files in the answer raise `DPATDownloadError`. A finished file is flushed to disk
    and renamed in a worker thread while the next one streams in (the asyncio client also checks and
    writes the manifest in worker threads).
    """
    slide_id = path_segment("slide_id", slide_id)
    return await download_to_async(client, slide_id, dest_dir, progress=progress, resume=resume, max_files=max_files)


async def download_to_async(
    client: AsyncDPATAIClient,
    slide_id: str,
    dest_dir: str | Path,
    *,
    progress: ProgressCallback | None,
    resume: bool,
    max_files: int,
) -> list[Path]:
    """`download_slide_files_async` for a slide id taken as given (the raw-httpx functions send any id)."""
    check_max_files(max_files)
    dest = prepare_dest(dest_dir)
    with slide_lock(dest, slide_id):
        if resume and (paths := await arun_blocking(read_complete_manifest, dest, slide_id)) is not None:
            return paths
        return await _download_locked(client, slide_id, dest, progress=progress, resume=resume, max_files=max_files)


async def _download_locked(
    client: AsyncDPATAIClient,
    slide_id: str,
    dest: Path,
    *,
    progress: ProgressCallback | None,
    resume: bool,
    max_files: int,
) -> list[Path]:
    job: SlideDownload | None = None
    pending: list[tuple[Sink, AsyncStarted[Path]]] = []
    # unasync: with Background(thread_name_prefix="dpat-commit") as committer:
    async with AsyncBackground() as committer:
        try:
            async with client._stream(get_slide_files, slide_id) as response:
                job = SlideDownload(
                    slide_id, dest, response.headers, progress=progress, resume=resume, max_files=max_files
                )
                if job.body_needed:
                    async for chunk in response.aiter_bytes():
                        pending += [(sink, committer.start(job.commit, sink)) for sink in job.feed(chunk)]
                else:
                    job.skip_body()
                pending += [(sink, committer.start(job.commit, sink)) for sink in job.close()]
            for sink, started in pending:
                job.committed(sink, await started.result())
            return await arun_blocking(job.finish)
        except BaseException as exc:
            await committer.settle()  # commits already running cannot be stopped: let them end first
            failure = download_failure(job, exc)
            if failure is exc:
                raise
            raise failure from exc


async def download_case_async(
    client: AsyncDPATAIClient,
    accession_number: str,
    dest_dir: str | Path,
    *,
    max_concurrency: int = 4,
    progress: ProgressCallback | None = None,
    resume: bool = True,
    max_files: int = MAX_FILES,
) -> dict[str, list[Path]]:
    """Download every slide of a case, each into ``dest_dir/<slide id>``, ``max_concurrency`` at a time.

    Returns the files per slide id. Every slide is attempted; if any failed, `DPATDownloadError` is raised
    once the others are done, saying how many failed, with an `ExceptionGroup` of the failures as cause.
    ``max_files`` bounds each slide's download (see `download_slide_files_async`).
    The sync client runs slides in worker threads, so ``progress`` must be thread-safe there; the asyncio
    client runs them as tasks.
    """
    check_concurrency(max_concurrency)
    check_max_files(max_files)
    dest = prepare_dest(dest_dir)
    targets = case_targets(await client.get_image_infos_in_case(accession_number), dest)

    async def one(target: tuple[str, Path]) -> list[Path]:
        return await client.download_slide_files(
            target[0], target[1], progress=progress, resume=resume, max_files=max_files
        )

    # unasync: outcomes = map_settled(one, targets, max_concurrency, thread_name_prefix="dpat-download")
    outcomes = await amap_settled(one, targets, max_concurrency)
    return case_result(targets, outcomes)
