"""The I/O-free parts of a case download: one folder per slide, and one error for the slides that failed.

The loops (``download_case`` and ``download_case_async``) live with the IA-API clients, in
``ai/_async/downloads.py`` and its generated twin ``ai/_sync/downloads.py``.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path

from ..errors import DPATDownloadError, DPATQueryError
from .filenames import NameAllocator

__all__ = ["case_result", "case_targets", "check_concurrency", "slide_failure"]


def case_targets(images: Iterable[object], dest: Path) -> list[tuple[str, Path]]:
    """(slide id, folder) per distinct image of a case; folders are safe, unique slide-id names."""
    folders = NameAllocator()
    targets: list[tuple[str, Path]] = []
    for image in images:
        slide_id = getattr(image, "id", None)
        if not isinstance(slide_id, str) or not slide_id:
            raise DPATDownloadError("the case image list holds an image without an id")
        if all(slide_id != known for known, _ in targets):
            targets.append((slide_id, dest / folders.allocate(slide_id, fallback="slide")))
    return targets


def case_result(
    targets: Sequence[tuple[str, Path]], outcomes: Sequence[list[Path] | BaseException]
) -> dict[str, list[Path]]:
    """The files per slide id; raises one `DPATDownloadError` (cause: an `ExceptionGroup`) if any slide failed.

    Each member of the group is a `DPATDownloadError` whose ``slide_id`` and message name the slide; its
    cause is the original error. The message lists the failed slide ids (never the accession number).
    """
    results: dict[str, list[Path]] = {}
    failures: list[DPATDownloadError] = []
    for (slide_id, _), outcome in zip(targets, outcomes, strict=True):
        if isinstance(outcome, BaseException):
            if not isinstance(outcome, Exception):
                raise outcome
            failures.append(slide_failure(slide_id, outcome))
        else:
            results[slide_id] = outcome
    if failures:
        failed = ", ".join(f.slide_id or "" for f in failures)
        raise DPATDownloadError(
            f"{len(failures)} of {len(targets)} slide downloads failed (slides {failed}); first: {failures[0]}"
        ) from ExceptionGroup("slide download failures", failures)
    return results


def slide_failure(slide_id: str, exc: Exception) -> DPATDownloadError:
    """``exc`` as a `DPATDownloadError` naming the slide (the original error is its cause)."""
    filename = exc.filename if isinstance(exc, DPATDownloadError) else None
    failure = DPATDownloadError(f"slide {slide_id}: {exc}", filename=filename, slide_id=slide_id)
    failure.__cause__ = exc
    return failure


def check_concurrency(max_concurrency: int) -> None:
    """`DPATQueryError` unless ``max_concurrency`` (slides downloaded at once) is a positive integer."""
    if isinstance(max_concurrency, bool) or not isinstance(max_concurrency, int) or max_concurrency < 1:
        raise DPATQueryError(f"max_concurrency must be a positive integer, got {max_concurrency!r}")
