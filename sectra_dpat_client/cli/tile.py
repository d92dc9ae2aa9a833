"""`sectra-dpat tile SLIDE_ID LEVEL COL ROW -o FILE`: one Deep Zoom tile, as the server sends it."""

from __future__ import annotations

import click

from ._common import Invocation, api_command_options

__all__ = ["tile_command"]


@click.command("tile")
@click.argument("slide_id")
@click.argument("level", type=click.IntRange(min=0))
@click.argument("col", type=click.IntRange(min=0))
@click.argument("row", type=click.IntRange(min=0))
@click.option("--output", "-o", "out", required=True, metavar="FILE", help="Where to write the tile ('-': stdout).")
@click.option("--format", "fmt", metavar="EXT", help="Tile format, e.g. jpg or png (default: the slide's first).")
@click.option("--focal-plane", metavar="Z", help="Focal plane (z-stacked slides).")
@click.option("--optical-path", metavar="ID", help="Optical path (fluorescence channels).")
@api_command_options
def tile_command(
    slide_id: str,
    level: int,
    col: int,
    row: int,
    out: str,
    fmt: str | None,
    focal_plane: str | None,
    optical_path: str | None,
    run: Invocation,
) -> None:
    """Save the tile at Deep Zoom LEVEL, column COL, row ROW of SLIDE_ID."""
    with run.reporting(slide=slide_id), run.client() as client:
        data = client.get_tile(slide_id, level, col, row, focal_plane=focal_plane, optical_path=optical_path, fmt=fmt)
    written = run.write_bytes(data, out, slide=slide_id)
    if out != "-":
        tile = {"slide": slide_id, "level": level, "col": col, "row": row, **written}
        run.emit(tile, lambda _: written["path"])
