"""`sectra-dpat results list|get|create|update|upsert`: this application's results on DPAT.

Payload files are validated against the spec's schema before anything is sent: a file that is not
JSON is a usage error (exit status 2), a payload that does not match is a failure (1) listing every
fault with its JSON path.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import click

from ..errors import DPATValidationError
from ..validate import iter_faults
from ._common import EXIT_FAILURE, Invocation, api_command_options

__all__ = ["results_command"]

_FILE = click.Path(dir_okay=False, allow_dash=True, path_type=Path)


def _summary(result: Any) -> str:
    data = result.to_dict()
    shown = data.get("displayResult")
    return f"result {data.get('id')} v{data.get('versionId')} on {data.get('slideId')}" + (
        f": {shown}" if shown else ""
    )


def _summaries(results: Any) -> str:
    return "\n".join([f"{len(results)} result(s)", *(_summary(r) for r in results)])


def _load(run: Invocation, file: Path, schema: str, drop: tuple[str, ...] = ()) -> dict[str, Any]:
    """The JSON object in ``file`` ('-': standard input), checked against ``schema``."""
    try:
        text = sys.stdin.read() if str(file) == "-" else file.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise click.BadParameter(f"cannot read {file}: {exc.__class__.__name__}", param_hint="FILE") from None
    try:
        payload = json.loads(text)
    except json.JSONDecodeError as exc:
        raise click.BadParameter(
            f"{file} is not JSON (line {exc.lineno}, column {exc.colno}: {exc.msg})", param_hint="FILE"
        ) from None
    if not isinstance(payload, dict):
        raise click.BadParameter(f"{file} holds a JSON {type(payload).__name__}, not an object", param_hint="FILE")
    for key in drop:
        payload.pop(key, None)
    _check(run, payload, schema, file=file, slide=payload.get("slideId"))
    return payload


def _check(run: Invocation, payload: dict[str, Any], schema: str, **subject: object) -> None:
    """Fail (exit status 1, nothing sent) when ``payload`` does not match ``schema``."""
    faults = iter_faults(payload, schema)
    if faults:
        run.fail(DPATValidationError(schema, faults), subject, EXIT_FAILURE)


@click.group("results")
def results_command() -> None:
    """List, read, create and update this application's results (need --app-id)."""


@results_command.command("list")
@click.argument("slide_id")
@api_command_options
def list_command(slide_id: str, run: Invocation) -> None:
    """This application's results on SLIDE_ID (possibly none)."""
    with run.reporting(slide=slide_id), run.client() as client:
        run.emit(client.list_results_for_slide(slide_id), _summaries)


@results_command.command("get")
@click.argument("result_id", type=click.IntRange(min=0))
@api_command_options
def get_command(result_id: int, run: Invocation) -> None:
    """One result, with its data."""
    with run.reporting(result=result_id), run.client() as client:
        run.emit(client.get_results(result_id))


@results_command.command("create")
@click.argument("file", type=_FILE)
@api_command_options
def create_command(file: Path, run: Invocation) -> None:
    """Store the Result in FILE (JSON; '-' for stdin) as a new result; ``id``/``versionId`` in it are ignored."""
    from ..models import Result

    payload = _load(run, file, "Result", drop=("id", "versionId"))
    with run.reporting(slide=payload.get("slideId")), run.client() as client:
        run.emit(client.create_results(Result.from_dict(payload)), _summary)


@results_command.command("upsert")
@click.argument("file", type=_FILE)
@api_command_options
def upsert_command(file: Path, run: Invocation) -> None:
    """Create the Result in FILE, or replace this application's newest result on its slide."""
    from ..models import Result

    payload = _load(run, file, "Result", drop=("id", "versionId"))
    with run.reporting(slide=payload.get("slideId")), run.client() as client:
        run.emit(client.upsert_results(Result.from_dict(payload)), _summary)


@results_command.command("update")
@click.argument("file", type=_FILE)
@click.option("--id", "result_id", type=click.IntRange(min=0), help="Result to replace (default: the file's id).")
@click.option("--version-id", metavar="V", help="Expected versionId (default: the file's, else the stored one).")
@api_command_options
def update_command(file: Path, result_id: int | None, version_id: str | None, run: Invocation) -> None:
    """Replace a result with FILE (a Result, or a ResultResponse as `results get --json` prints it).

    A stale versionId is refused by the server (409 conflict, exit status 1).
    """
    from ..models import ResultUpdate

    payload = _load(run, file, "Result")
    chosen = result_id if result_id is not None else payload.get("id")
    if not isinstance(chosen, int) or isinstance(chosen, bool):
        raise click.UsageError(f"{file} has no integer 'id': give --id RESULT_ID")
    with run.reporting(result=chosen, slide=payload.get("slideId")), run.client() as client:
        version = version_id or payload.get("versionId") or client.get_results(chosen).version_id
        payload = {**payload, "versionId": version}
        payload.pop("id", None)
        _check(run, payload, "ResultUpdate", file=file, result=chosen)
        run.emit(client.update_results(chosen, ResultUpdate.from_dict(payload)), _summary)
