"""`sectra-dpat info`: the server's IA-API and software versions (``GET /info``)."""

from __future__ import annotations

import click

from ._common import Invocation, api_command_options

__all__ = ["info_command"]


@click.command("info")
@api_command_options
def info_command(run: Invocation) -> None:
    """Show the server's IA-API version and software version."""
    with run.reporting(), run.client() as client:
        run.emit(client.get_info())
