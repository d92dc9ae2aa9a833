"""`sectra-dpat label SLIDE_ID -o FILE`: the slide's label image (it may show patient data)."""

from __future__ import annotations

import click

from ._common import Invocation, api_command_options

__all__ = ["label_command"]


@click.command("label")
@click.argument("slide_id")
@click.option("--output", "-o", "out", required=True, metavar="FILE", help="Where to write the image ('-': stdout).")
@api_command_options
def label_command(slide_id: str, out: str, run: Invocation) -> None:
    """Save the label image of SLIDE_ID. Exit status 1 when the slide has no label (204)."""
    with run.reporting(slide=slide_id), run.client() as client:
        data = client.get_label(slide_id)
    if data is None:
        run.fail("the slide has no label image", {"slide": slide_id})
    written = run.write_bytes(data, out, slide=slide_id)
    if out != "-":
        run.emit({"slide": slide_id, **written}, lambda _: written["path"])
