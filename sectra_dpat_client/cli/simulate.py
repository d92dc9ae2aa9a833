"""`sectra-dpat simulate`: run the DPAT simulator on loopback until interrupted."""

from __future__ import annotations

import json
import os
import signal
import tempfile
import threading
from pathlib import Path
from types import FrameType
from typing import Literal

import click

from ..simulator import SUPPORTED_API_VERSIONS, DPATSimulator

__all__ = ["simulate_command"]


def _write_credentials(path: Path, simulator: DPATSimulator) -> None:
    """Write the secrets to a file only the user can read (they are never printed)."""
    credentials = {
        "url": simulator.url,
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
    help="Where to write the token and password (mode 600); default: a new file in the temp directory.",
)
def simulate_command(port: int, host: str, slides: int, api_version: str, credentials_file: Path | None) -> None:
    """Serve a simulated Sectra DPAT server (the IA-API) until interrupted (Ctrl-C).

    Prints the IA-API URL, the application id, the slide ids and where the bearer token and the
    /token credentials were written; secrets are never printed.
    """
    loopback: Literal["127.0.0.1", "::1"] = "::1" if host == "::1" else "127.0.0.1"
    simulator = DPATSimulator(slides=slides, api_version=api_version, port=port, host=loopback)
    stop = threading.Event()

    def on_signal(signum: int, frame: FrameType | None) -> None:
        stop.set()

    previous = signal.signal(signal.SIGTERM, on_signal)
    try:
        simulator.start()
    except RuntimeError as exc:
        raise click.ClickException(f"{exc} (is port {port} free?)") from exc
    try:
        if credentials_file is None:
            fd, name = tempfile.mkstemp(prefix="dpat-simulator-", suffix=".json")
            os.close(fd)
            credentials_file = Path(name)
        _write_credentials(credentials_file, simulator)
        click.echo(f"DPAT simulator (IA-API {api_version}) serving at {simulator.url}")
        click.echo(f"application id: {simulator.app_id}")
        click.echo(f"slides: {', '.join(simulator.slide_ids) or '(none)'}")
        click.echo(f"token and credentials: {credentials_file}")
        click.echo("press Ctrl-C to stop", err=True)
        while not stop.wait(0.5):
            pass
    except KeyboardInterrupt:
        pass
    finally:
        simulator.stop()
        signal.signal(signal.SIGTERM, previous)
    click.echo("stopped", err=True)
