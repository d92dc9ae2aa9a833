"""`sectra-dpat case ACCESSION` / `case --slide ID`: every image of a case (IA-API 1.9)."""

from __future__ import annotations

from typing import Any

import click

from ._common import Invocation, api_command_options

__all__ = ["case_command"]


def _table(images: Any, *, phi: bool) -> str:
    """One line per image: its id and name (the LIS slide id, marked sensitive in the spec, only with --phi)."""
    rows = [f"{len(images)} image(s)"]
    for image in images:
        data = image.to_dict()
        name = (data.get("lisSlideId") if phi else None) or data.get("displayName") or ""
        rows.append(f"{data.get('id', '-')}\t{name}".rstrip())
    return "\n".join(rows)


@click.command("case")
@click.argument("accession_number", metavar="[ACCESSION]", required=False)
@click.option("--slide", "slide_id", metavar="ID", help="The case that contains this slide, instead of ACCESSION.")
@click.option("--issuer", metavar="ISSUER", help="Accession number issuer.")
@click.option("--phi", is_flag=True, help="Add patient-identifying fields (includePHI).")
@api_command_options
def case_command(
    accession_number: str | None, slide_id: str | None, issuer: str | None, phi: bool, run: Invocation
) -> None:
    """List the images of the case ACCESSION, or of the case that holds --slide ID."""
    if bool(accession_number) == bool(slide_id):
        raise click.UsageError("give ACCESSION or --slide ID (one of them)")
    with run.reporting(case=accession_number, slide=slide_id), run.client() as client:
        if slide_id:
            images = client.get_image_infos_in_case_by_slide_id(slide_id, issuer=issuer, phi=phi)
        else:
            images = client.get_image_infos_in_case(accession_number, issuer=issuer, phi=phi)
        run.emit(images, lambda found: _table(found, phi=phi))
