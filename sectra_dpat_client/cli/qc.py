"""`sectra-dpat qc get|set SLIDE_ID`: a slide's quality-control status (IA-API 1.10)."""

from __future__ import annotations

from typing import Any

import click

from ._common import Invocation, api_command_options

__all__ = ["qc_command"]

_STATUSES = {"notset": "NotSet", "qualityok": "QualityOk", "ok": "QualityOk", "rejected": "Rejected"}


def _current(client: Any, slide_id: str) -> dict[str, Any]:
    """``{"status": ..., "versionId": ...}`` of the slide; both None when the server sent none."""
    info = client.get_image_info(slide_id)
    qc = info.quality_control
    data = qc.to_dict() if hasattr(qc, "to_dict") else {}
    return {"slide": slide_id, "status": data.get("status"), "versionId": data.get("versionId")}


def _line(data: dict[str, Any]) -> str:
    return f"{data['slide']}: {data['status'] or 'no QC status'} (version {data['versionId'] or '-'})"


@click.group("qc")
def qc_command() -> None:
    """Read or set a slide's quality-control status."""


@qc_command.command("get")
@click.argument("slide_id")
@api_command_options
def qc_get_command(slide_id: str, run: Invocation) -> None:
    """Show the QC status and its versionId."""
    with run.reporting(slide=slide_id), run.client() as client:
        run.emit(_current(client, slide_id), _line)


@qc_command.command("set")
@click.argument("slide_id")
@click.argument("status", metavar="STATUS")
@click.option("--version-id", metavar="V", help="The versionId read with `qc get` (default: read it now).")
@click.option("--app-version", default="cli", show_default=True, help="applicationVersion sent with the status.")
@api_command_options
def qc_set_command(slide_id: str, status: str, version_id: str | None, app_version: str, run: Invocation) -> None:
    """Set the QC STATUS of SLIDE_ID: QualityOk, Rejected or NotSet (any case).

    A stale --version-id is refused by the server (409, exit status 1).
    """
    from ..models import QualityControl, QualityControlData, QualityControlStatus

    wire = _STATUSES.get(status.replace("_", "").replace("-", "").lower())
    if wire is None:
        raise click.BadParameter(f"{status!r} is not one of QualityOk, Rejected, NotSet", param_hint="STATUS")
    with run.reporting(slide=slide_id), run.client() as client:
        if version_id is None:
            version_id = _current(client, slide_id)["versionId"]
            if not version_id:
                run.fail("the server sent no QC versionId; give --version-id", {"slide": slide_id})
        body = QualityControl(
            applicationVersion=app_version,
            qualityControl=QualityControlData(status=QualityControlStatus(wire), versionId=version_id),
        )
        client.set_quality_control(slide_id, body)
        run.emit(_current(client, slide_id), _line)
