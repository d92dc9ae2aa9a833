"""`sectra-dpat simulate`: run the DPAT simulator on loopback until interrupted."""

from __future__ import annotations

import contextlib
import json
import logging
import os
import signal
import tempfile
import threading
from collections.abc import Iterator
from pathlib import Path
from types import FrameType
from typing import Literal

import click

from ..simulator import SUPPORTED_API_VERSIONS, DPATSimulator
from ..simulator.qido import QIDO_PATH

__all__ = ["simulate_command"]


def _write_credentials(path: Path, simulator: DPATSimulator) -> None:
    """Write the secrets to a file only the user can read (they are never printed)."""
    credentials = {
        "url": simulator.url,
        "qido_url": simulator.root_url + QIDO_PATH,
        "app_id": simulator.app_id,
        "token": simulator.token,
        "username": simulator.username,
        "password": simulator.password,
        "session_token": simulator.session_token,
    }
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    os.fchmod(fd, 0o600)  # an existing file keeps its mode on open: make it private before writing
    with os.fdopen(fd, "w", encoding="utf-8") as out:
        json.dump(credentials, out, indent=2)
        out.write("\n")


class _NoBindError(logging.Filter):
    """Drops uvicorn's own ``[Errno 98] error while attempting to bind`` line; the CLI says it cleanly."""

    def filter(self, record: logging.LogRecord) -> bool:
        return "attempting to bind" not in record.getMessage()


@contextlib.contextmanager
def _quiet_bind_errors() -> Iterator[None]:
    logger = logging.getLogger("uvicorn.error")
    quiet = _NoBindError()
    logger.addFilter(quiet)
    try:
        yield
    finally:
        logger.removeFilter(quiet)


@click.command("simulate")
@click.option(
    "--port", type=click.IntRange(0, 65535), default=0, show_default=True, help="TCP port; 0 picks a free one."
)
@click.option("--host", type=click.Choice(["127.0.0.1", "::1"]), default="127.0.0.1", show_default=True)
@click.option(
    "--slides", type=click.IntRange(0, 10_000), default=3, show_default=True, help="Synthetic slides to serve."
)
@click.option(
    "--api-version",
    type=click.Choice(SUPPORTED_API_VERSIONS),
    default="1.10",
    show_default=True,
    help="IA-API version.",
)
@click.option(
    "--credentials-file",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Where to write the token and password (mode 600); default: a temporary file, removed on exit.",
)
@click.option("--nulls", is_flag=True, help="Answer like a .NET DPAT: write null for every absent optional property.")
def simulate_command(
    port: int, host: str, slides: int, api_version: str, credentials_file: Path | None, nulls: bool
) -> None:
    """Serve a simulated Sectra DPAT server (the IA-API) until interrupted (Ctrl-C).

    Prints the IA-API URL, the QIDO-RS URL, the application id, the slide ids and where the bearer
    token and the credentials (IA-API /token and QIDO-RS basic auth) were written; secrets are never
    printed. A temporary credentials file is removed when the simulator stops.
    """
    loopback: Literal["127.0.0.1", "::1"] = "::1" if host == "::1" else "127.0.0.1"
    simulator = DPATSimulator(slides=slides, api_version=api_version, port=port, host=loopback, nulls=nulls)
    stop = threading.Event()

    def on_signal(signum: int, frame: FrameType | None) -> None:
        stop.set()

    # SIGINT too: a job started in the background by a script inherits SIGINT ignored, and Ctrl-C
    # (or `kill -INT`) must still stop the simulator
    previous = {signum: signal.signal(signum, on_signal) for signum in (signal.SIGINT, signal.SIGTERM)}

    def restore_signals() -> None:
        for signum, handler in previous.items():
            signal.signal(signum, handler)

    try:
        with _quiet_bind_errors():
            simulator.start()
    except (RuntimeError, SystemExit) as exc:
        restore_signals()
        raise click.ClickException(f"the simulator did not start: is port {port} free?") from exc
    temporary = credentials_file is None
    try:
        if credentials_file is None:
            fd, name = tempfile.mkstemp(prefix="dpat-simulator-", suffix=".json")
            os.close(fd)
            credentials_file = Path(name)
        _write_credentials(credentials_file, simulator)
        for line in _banner(simulator, api_version, credentials_file):
            click.echo(line)
        click.echo("press Ctrl-C to stop", err=True)
        while not stop.wait(0.5):
            pass
    finally:
        simulator.stop()
        restore_signals()
        if temporary and credentials_file is not None:
            credentials_file.unlink(missing_ok=True)
    click.echo("stopped", err=True)


def _banner(simulator: DPATSimulator, api_version: str, credentials_file: Path) -> list[str]:
    """What `simulate` prints on start, one line each (no secrets)."""
    return [
        f"DPAT simulator (IA-API {api_version}) serving at {simulator.url}",
        f"application id: {simulator.app_id}",
        f"slides: {', '.join(simulator.slide_ids) or '(none)'}",
        f"token and credentials: {credentials_file}",
        f"QIDO-RS (DICOMweb) at {simulator.root_url}{QIDO_PATH} (basic auth: user {simulator.username!r}, "
        "password in the credentials file)",
        f"try: sectra-dpat info --credentials {credentials_file}",
        f"result viewer: {simulator.viewer_url}/ (each slide at {simulator.viewer_url}/SLIDE_ID)",
    ]
