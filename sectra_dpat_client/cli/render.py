"""`sectra-dpat render RESULT.json --slide ID -o overlay.png`: a result drawn over the slide, with Pillow."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import click

from ._common import Invocation, api_command_options

__all__ = ["render_command"]


def _region(value: str | None) -> tuple[float, float, float, float] | None:
    if value is None:
        return None
    parts = value.split(",")
    try:
        x, y, w, h = (float(p) for p in parts)
    except ValueError:
        raise click.BadParameter("give X,Y,WIDTH,HEIGHT in full-resolution pixels", param_hint="--region") from None
    return x, y, w, h


@click.command("render")
@click.argument("result_file", metavar="RESULT.json", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--slide", "slide_id", metavar="ID", help="Slide to draw on (default: the result's slideId).")
@click.option("--output", "-o", "out", required=True, metavar="FILE", help="PNG file to write ('-': stdout).")
@click.option("--region", metavar="X,Y,W,H", help="Full-resolution box to draw (default: the whole slide).")
@click.option("--max-size", default=1024, show_default=True, type=click.IntRange(1, 16_384), help="Longer side, px.")
@api_command_options
def render_command(
    result_file: Path,
    slide_id: str | None,
    out: str,
    region: str | None,
    max_size: int,
    run: Invocation,
) -> None:
    """Draw the result in RESULT.json (a Result or ResultResponse) over its slide as DPAT would; save a PNG."""
    from ..render import render_result

    box = _region(region)
    try:
        result: Any = json.loads(result_file.read_bytes())
    except OSError as exc:
        raise click.BadParameter(
            f"cannot read {result_file}: {exc.strerror or exc}", param_hint="RESULT.json"
        ) from None
    except ValueError:
        raise click.BadParameter(f"{result_file} is not JSON", param_hint="RESULT.json") from None
    slide = slide_id or (result.get("slideId") if isinstance(result, dict) else None)
    with run.reporting(slide=slide, result=str(result_file)), run.client() as client:
        image = render_result(client, result, slide_id=slide_id, region=box, max_size=max_size)
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    written = run.write_bytes(buffer.getvalue(), out, slide=slide)
    if out != "-":
        run.emit({"slide": slide, "width": image.width, "height": image.height, **written}, lambda _: written["path"])
