"""`sectra-dpat slide SLIDE_ID`: one slide's metadata (image info)."""

from __future__ import annotations

import click

from ._common import Invocation, api_command_options

__all__ = ["slide_command"]


@click.command("slide")
@click.argument("slide_id")
@click.option("--extended", is_flag=True, help="Add the LIS / examination fields (scope=extended).")
@click.option("--phi", is_flag=True, help="Add patient-identifying fields (includePHI; printed as they come).")
@api_command_options
def slide_command(slide_id: str, extended: bool, phi: bool, run: Invocation) -> None:
    """Show the image info of SLIDE_ID: size, resolution, tile formats, QC, and more with --extended/--phi."""
    with run.reporting(slide=slide_id), run.client() as client:
        run.emit(client.get_image_info(slide_id, extended=extended, phi=phi))
