"""`sectra-dpat download` and `sectra-dpat thumbnail`: whole-slide files and overview images from DPAT.

Credentials come from options or the environment (``SECTRA_DPAT_URL``, ``SECTRA_DPAT_TOKEN``, or
``SECTRA_DPAT_APP_ID`` with ``SECTRA_DPAT_USERNAME`` / ``SECTRA_DPAT_PASSWORD``); they are never printed.
"""

from __future__ import annotations

import contextlib
import json
import os
import sys
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click
from rich.console import Console
from rich.progress import (
    BarColumn,
    DownloadColumn,
    Progress,
    TaskID,
    TextColumn,
    TimeRemainingColumn,
    TransferSpeedColumn,
)

from ..ai import DPATAIClient
from ..errors import DPATDownloadError, DPATError
from ..wsi import DownloadProgress, NameAllocator
from ._common import logging_options

__all__ = ["download_command", "thumbnail_command"]

F = TypeVar("F", bound=Callable[..., Any])
EXIT_FAILURE = 1
EXIT_INTERRUPTED = 130


def _connection_options(function: F) -> F:
    options = [
        click.option("--url", envvar="SECTRA_DPAT_URL", required=True, help="IA-API base URL [SECTRA_DPAT_URL]."),
        click.option("--token", envvar="SECTRA_DPAT_TOKEN", help="Bearer (callback) token [SECTRA_DPAT_TOKEN]."),
        click.option("--app-id", envvar="SECTRA_DPAT_APP_ID", help="Application id [SECTRA_DPAT_APP_ID]."),
        click.option(
            "--username", envvar="SECTRA_DPAT_USERNAME", help="DPAT user, instead of a token [SECTRA_DPAT_USERNAME]."
        ),
        click.option("--password", envvar="SECTRA_DPAT_PASSWORD", help="DPAT password [SECTRA_DPAT_PASSWORD]."),
    ]
    for option in reversed(options):
        function = option(function)
    return logging_options(function)


def _client(
    url: str, token: str | None, app_id: str | None, username: str | None, password: str | None
) -> DPATAIClient:
    if token and (username or password):
        raise click.UsageError("give either --token or --username/--password, not both")
    if not token and not (username and password):
        raise click.UsageError("give --token (or SECTRA_DPAT_TOKEN), or --username and --password with --app-id")
    try:
        if token:
            return DPATAIClient(url, token=token, app_id=app_id)
        if not app_id:
            raise click.UsageError("--username/--password need --app-id (or SECTRA_DPAT_APP_ID)")
        return DPATAIClient.from_credentials(url, app_id, username or "", password or "")
    except DPATError as exc:
        raise click.UsageError(str(exc)) from None


class _ProgressBars:
    """Rich bars: one per file and one for the total; safe to call from several threads."""

    def __init__(self, progress: Progress) -> None:
        self._progress = progress
        self._lock = threading.Lock()
        self._files: dict[tuple[str, str], TaskID] = {}
        self._slides: dict[str, tuple[int, int | None]] = {}
        # Shown once a second file starts: one file's own bar says it all, and an empty
        # "total 0/? bytes" line is noise (a resumed or failed download may send no bytes at all).
        self._total = progress.add_task("total", total=None, visible=False)

    def __call__(self, event: DownloadProgress) -> None:
        with self._lock:
            key = (event.slide_id, event.filename)
            task = self._files.get(key)
            if task is None:
                label = event.filename if len(self._slides) <= 1 else f"{event.slide_id}/{event.filename}"
                task = self._files[key] = self._progress.add_task(label, total=event.file_total)
            self._progress.update(task, completed=event.file_bytes, total=event.file_total or event.file_bytes or None)
            self._slides[event.slide_id] = (event.bytes_done, event.bytes_total)
            done = sum(d for d, _ in self._slides.values())
            totals = [t for _, t in self._slides.values()]
            total = None if any(t is None for t in totals) else sum(t for t in totals if t is not None)
            self._progress.update(self._total, completed=done, total=total, visible=len(self._files) > 1)


def _bars(console: Console) -> Progress:
    return Progress(
        TextColumn("{task.description}", markup=False),
        BarColumn(),
        DownloadColumn(),
        TransferSpeedColumn(),
        TimeRemainingColumn(),
        console=console,
    )


@click.command("download")
@click.argument("slide_ids", nargs=-1, metavar="[SLIDE_ID]...")
@click.option("--case", "accession_number", metavar="ACCESSION", help="Download every slide of this case instead.")
@click.option(
    "--dest",
    required=True,
    type=click.Path(file_okay=False, path_type=Path),
    help="Directory; each slide's files go to DEST/<slide id>/.",
)
@click.option("--no-resume", is_flag=True, help="Fetch and rewrite files even if a complete copy is on disk.")
@click.option("--max-concurrency", default=4, show_default=True, type=click.IntRange(min=1), help="Slides at a time.")
@click.option("--quiet", "-q", is_flag=True, help="No progress bars.")
@click.option("--fail-fast", is_flag=True, help="Stop at the first slide that fails (default: go on with the others).")
@click.option("--json", "as_json", is_flag=True, help="Print {slides: {id: [paths]}, failed: {id: message}} as JSON.")
@_connection_options
def download_command(
    slide_ids: tuple[str, ...],
    accession_number: str | None,
    dest: Path,
    no_resume: bool,
    max_concurrency: int,
    quiet: bool,
    fail_fast: bool,
    as_json: bool,
    url: str,
    token: str | None,
    app_id: str | None,
    username: str | None,
    password: str | None,
) -> None:
    """Download the original whole-slide files of SLIDE_ID(s), or of every slide of --case ACCESSION.

    Files are written as NAME.part and renamed only when complete; a re-run skips what is complete.
    The paths written are printed, one per line, as each slide finishes. A slide that fails is reported
    by id and the others are still fetched (--fail-fast stops); a failed slide leaves no empty folder.
    Exit status: 0 done, 1 a download failed, 2 usage.
    """
    if bool(slide_ids) == bool(accession_number):
        raise click.UsageError("give SLIDE_ID(s) or --case ACCESSION (not both)")
    console = Console(stderr=True, quiet=quiet)
    done: dict[str, list[Path]] = {}
    failed: dict[str, DPATError] = {}
    with _client(url, token, app_id, username, password) as client, _bars(console) as progress:
        bars = _ProgressBars(progress)
        try:
            if accession_number is not None:
                try:
                    done = client.download_case(
                        accession_number, dest, max_concurrency=max_concurrency, progress=bars, resume=not no_resume
                    )
                except DPATError as exc:
                    progress.stop()
                    _fail(exc)
                if not as_json:
                    for path in (p for files in done.values() for p in files):
                        click.echo(str(path))
            else:
                folders = NameAllocator()
                for slide_id in dict.fromkeys(slide_ids):
                    folder = dest / folders.allocate(slide_id, fallback="slide")
                    existed = folder.exists()
                    try:
                        files = client.download_slide_files(slide_id, folder, progress=bars, resume=not no_resume)
                    except DPATError as exc:
                        failed[slide_id] = exc
                        _remove_if_empty(folder, existed)
                        if not as_json:
                            progress.console.print(f"error: slide {slide_id}: {exc}", markup=False, highlight=False)
                            if quiet:
                                click.echo(f"error: slide {slide_id}: {exc}", err=True)
                        if fail_fast:
                            break
                        continue
                    done[slide_id] = files
                    if not as_json:
                        for path in files:
                            click.echo(str(path))
        except KeyboardInterrupt:
            progress.stop()
            click.echo("interrupted; incomplete files were removed, a re-run resumes", err=True)
            sys.exit(EXIT_INTERRUPTED)
    if as_json:
        report = {
            "slides": {slide: [str(path) for path in files] for slide, files in done.items()},
            "failed": {slide: str(exc) for slide, exc in failed.items()},
        }
        click.echo(json.dumps(report, indent=2, sort_keys=True))
    if failed:
        skipped = [s for s in dict.fromkeys(slide_ids) if s not in done and s not in failed]
        click.echo(f"failed slides: {' '.join(failed)}", err=True)
        if skipped:
            click.echo(f"not fetched (--fail-fast): {' '.join(skipped)}", err=True)
        sys.exit(EXIT_FAILURE)


def _remove_if_empty(folder: Path, existed: bool) -> None:
    """Remove a slide folder this run created when nothing was written into it."""
    if existed:
        return
    with contextlib.suppress(OSError):
        folder.rmdir()  # only succeeds when empty


def _fail(exc: DPATError) -> None:
    click.echo(f"error: {exc}", err=True)
    group = exc.__cause__
    if isinstance(group, ExceptionGroup):
        for failure in group.exceptions:
            click.echo(f"  - {failure}", err=True)
        failed = [f.slide_id for f in group.exceptions if isinstance(f, DPATDownloadError) and f.slide_id]
        if failed:
            click.echo(f"failed slides: {' '.join(failed)}", err=True)
    sys.exit(EXIT_FAILURE)


@click.command("thumbnail")
@click.argument("slide_id")
@click.argument("out", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--max-size", default=512, show_default=True, type=click.IntRange(min=1), help="Longer side, pixels.")
@click.option("--tile-format", "fmt", metavar="EXT", help="Tile format to request (default: the server's first).")
@_connection_options
def thumbnail_command(
    slide_id: str,
    out: Path,
    max_size: int,
    fmt: str | None,
    url: str,
    token: str | None,
    app_id: str | None,
    username: str | None,
    password: str | None,
) -> None:
    """Save an overview image of SLIDE_ID to OUT (format from its extension, e.g. .png or .jpg)."""
    try:
        image_format = _format_for(out)
        with _client(url, token, app_id, username, password) as client:
            image = client.get_thumbnail(slide_id, max_size, fmt=fmt)
        temp = out.with_name(out.name + ".part")
        try:
            image.save(temp, format=image_format)
            os.replace(temp, out)
        except OSError as exc:
            temp.unlink(missing_ok=True)
            raise click.ClickException(f"cannot write {out}: {exc.strerror or exc}") from None
    except DPATError as exc:
        _fail(exc)
    click.echo(str(out))


def _format_for(out: Path) -> str:
    from PIL import Image

    Image.init()
    image_format = Image.EXTENSION.get(out.suffix.lower())
    if image_format is None:
        raise click.BadParameter(
            f"unknown image type {out.suffix or '(none)'!r}; use e.g. .png or .jpg", param_hint="OUT"
        )
    return image_format
