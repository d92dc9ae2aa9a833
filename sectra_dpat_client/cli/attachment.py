"""`sectra-dpat attachment RESULT_ID NAME -o FILE`: a result's attachment (or a byte range of it)."""

from __future__ import annotations

import click

from ._common import Invocation, api_command_options

__all__ = ["attachment_command"]


def _parse_range(text: str | None) -> tuple[int, int | None] | None:
    if text is None:
        return None
    start, sep, end = text.partition("-")
    try:
        first = int(start)
        last = int(end) if end else None
    except ValueError:
        raise click.BadParameter(f"expected START-END or START-, got {text!r}", param_hint="--range") from None
    if not sep or first < 0 or (last is not None and last < first):
        raise click.BadParameter(f"expected START-END or START- with START <= END, got {text!r}", param_hint="--range")
    return first, last


@click.command("attachment")
@click.argument("result_id", type=click.IntRange(min=0))
@click.argument("name")
@click.option("--output", "-o", "out", required=True, metavar="FILE", help="Where to write it ('-': stdout).")
@click.option("--range", "byte_range", metavar="START-END", help="Only these bytes (inclusive; END may be left out).")
@api_command_options
def attachment_command(result_id: int, name: str, out: str, byte_range: str | None, run: Invocation) -> None:
    """Save the attachment NAME of result RESULT_ID (this application's; needs --app-id)."""
    wanted = _parse_range(byte_range)
    with run.reporting(result=result_id, attachment=name), run.client() as client:
        data = client.download_attachment(result_id, name, byte_range=wanted)
    written = run.write_bytes(data, out, result=result_id)
    if out != "-":
        run.emit({"result": result_id, "name": name, **written}, lambda _: written["path"])
