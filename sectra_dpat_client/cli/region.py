"""`sectra-dpat region SLIDE_ID X Y WIDTH HEIGHT -o FILE.png`: a region stitched from tiles."""

from __future__ import annotations

import io

import click

from ._common import Invocation, api_command_options

__all__ = ["region_command"]


@click.command("region")
@click.argument("slide_id")
@click.argument("x", type=float)
@click.argument("y", type=float)
@click.argument("width", type=click.IntRange(min=1))
@click.argument("height", type=click.IntRange(min=1))
@click.option("--output", "-o", "out", required=True, metavar="FILE", help="PNG file to write ('-': stdout).")
@click.option("--level", type=click.IntRange(min=0), help="Deep Zoom level (default: full resolution).")
@click.option("--mpp", type=click.FloatRange(min=0, min_open=True), help="Microns per pixel, instead of --level.")
@click.option("--focal-plane", metavar="Z", help="Focal plane (z-stacked slides).")
@click.option("--optical-path", metavar="ID", help="Optical path (fluorescence channels).")
@api_command_options
def region_command(
    slide_id: str,
    x: float,
    y: float,
    width: int,
    height: int,
    out: str,
    level: int | None,
    mpp: float | None,
    focal_plane: str | None,
    optical_path: str | None,
    run: Invocation,
) -> None:
    """Save WIDTH x HEIGHT pixels of SLIDE_ID from (X, Y) (full-resolution coordinates) as a PNG."""
    if level is not None and mpp is not None:
        raise click.UsageError("give --level or --mpp, not both")
    from PIL import Image

    with run.reporting(slide=slide_id), run.client() as client:
        pixels = client.read_region(
            slide_id, x, y, width, height, level=level, mpp=mpp, focal_plane=focal_plane, optical_path=optical_path
        )
    buffer = io.BytesIO()
    Image.fromarray(pixels).save(buffer, format="PNG")
    written = run.write_bytes(buffer.getvalue(), out, slide=slide_id)
    if out != "-":
        region = {"slide": slide_id, "x": x, "y": y, "width": pixels.shape[1], "height": pixels.shape[0], **written}
        run.emit(region, lambda _: written["path"])
