"""`sectra-dpat launchdata REQUEST_ID`: what an external launch from IDS7 carries (``GET /launchdata``).

The callback token in the answer is a secret: it is printed masked, and written (mode 600) only to
the file named by ``--token-file``.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import click

from .._core.redact import MASK
from ._common import Invocation, api_command_options, jsonable

__all__ = ["launchdata_command"]


def _write_secret(path: Path, secret: str) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    os.fchmod(fd, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as out:
        out.write(secret + "\n")


@click.command("launchdata")
@click.argument("request_id")
@click.option(
    "--session-token",
    envvar="SECTRA_DPAT_SESSION_TOKEN",
    show_envvar=True,
    required=True,
    help="The launch URL's sessionToken.",
)
@click.option(
    "--token-file",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write the callback token here (mode 600); it is never printed.",
)
@api_command_options
def launchdata_command(request_id: str, session_token: str, token_file: Path | None, run: Invocation) -> None:
    """Show the callback URL and slides of the external launch REQUEST_ID (needs no bearer token)."""
    with run.reporting(request=request_id), run.client(need_auth=False) as client:
        launch = client.get_launch_data(request_id, session_token)
    data: dict[str, Any] = jsonable(launch)
    callback = data.get("callbackInfo")
    if isinstance(callback, dict) and callback.get("token"):
        if token_file is not None:
            _write_secret(token_file, str(callback["token"]))
        callback["token"] = MASK
    run.emit(data)
