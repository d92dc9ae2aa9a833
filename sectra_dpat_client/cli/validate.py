"""`sectra-dpat validate FILE --schema NAME`: check a JSON payload against a schema of the spec."""

from __future__ import annotations

import difflib
import json
import sys
from pathlib import Path

import click

from ..validate import iter_faults, schema_names

__all__ = ["validate_command"]


@click.command("validate")
@click.argument("file", required=False, type=click.Path(dir_okay=False, allow_dash=True, path_type=Path))
@click.option("--schema", "-s", "schema", metavar="NAME", help="Schema name, e.g. Result, ImageInfo, Invocation.")
@click.option("--list", "list_schemas", is_flag=True, help="List the schema names and exit.")
def validate_command(file: Path | None, schema: str | None, list_schemas: bool) -> None:
    """Validate FILE (JSON; '-' for standard input) against a schema of the IA-API or QIDO spec.

    Schema names match in any case (``result`` is ``Result``). Exit status: 0 valid, 1 invalid (every
    fault listed with its JSON path), 2 usage error (also when FILE is not JSON).
    """
    if list_schemas:
        click.echo("\n".join(schema_names()))
        return
    if file is None or schema is None:
        raise click.UsageError("give a FILE and --schema NAME (or --list)")
    schema = _schema_named(schema)
    try:
        text = sys.stdin.read() if str(file) == "-" else file.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise click.BadParameter(f"cannot read {file}: {exc.__class__.__name__}", param_hint="FILE") from exc
    try:
        payload = json.loads(text)
    except json.JSONDecodeError as exc:
        raise click.BadParameter(
            f"{file} is not JSON (line {exc.lineno}, column {exc.colno}: {exc.msg})", param_hint="FILE"
        ) from None
    faults = iter_faults(payload, schema)
    if not faults:
        click.echo(f"{file}: valid {schema}")
        return
    click.echo(f"{file}: {len(faults)} fault(s) against {schema}", err=True)
    for fault in faults:
        click.echo(f"  {fault.path}: {fault.message}", err=True)
    sys.exit(1)


def _schema_named(name: str) -> str:
    """The schema called ``name`` in any case; unknown names are a usage error suggesting close ones."""
    names = schema_names()
    by_lower = {known.lower(): known for known in names}
    found = by_lower.get(name.lower())
    if found is not None:
        return found
    close = difflib.get_close_matches(name.lower(), list(by_lower), n=3, cutoff=0.6)
    hint = f"did you mean {', '.join(by_lower[c] for c in close)}?" if close else "see --list"
    raise click.BadParameter(f"unknown schema {name!r}; {hint}", param_hint="--schema")
