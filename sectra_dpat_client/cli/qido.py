"""`sectra-dpat qido studies|series|instances`: search a DICOMweb (QIDO-RS) server from the shell."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from typing import Any, TypeVar

import click
from rich.console import Console
from rich.table import Table

from ..errors import DPATError, DPATQueryError
from ..qido import DPATQidoClient, QidoResult, keyword_for, normalize_tag
from ..qido.query import Level
from ._common import logging_options

__all__ = ["qido_command"]

F = TypeVar("F", bound=Callable[..., Any])

_COLUMNS: dict[str, tuple[str, ...]] = {
    "studies": (
        "PatientID",
        "PatientName",
        "AccessionNumber",
        "StudyID",
        "StudyDate",
        "ModalitiesInStudy",
        "StudyInstanceUID",
    ),
    "series": ("SeriesInstanceUID", "Modality", "SeriesNumber", "SeriesDescription", "NumberOfSeriesRelatedInstances"),
    "instances": ("SOPInstanceUID", "SOPClassUID", "InstanceNumber", "Rows", "Columns", "NumberOfFrames"),
}


def _search_options(function: F) -> F:
    options = [
        click.option(
            "--url", envvar="SECTRA_DPAT_QIDO_URL", required=True, help="DICOMweb root [SECTRA_DPAT_QIDO_URL]."
        ),
        click.option(
            "--username", envvar="SECTRA_DPAT_QIDO_USERNAME", help="Basic auth user [SECTRA_DPAT_QIDO_USERNAME]."
        ),
        click.option(
            "--password", envvar="SECTRA_DPAT_QIDO_PASSWORD", help="Basic auth password [SECTRA_DPAT_QIDO_PASSWORD]."
        ),
        click.option("--token", envvar="SECTRA_DPAT_QIDO_TOKEN", help="Bearer token [SECTRA_DPAT_QIDO_TOKEN]."),
        click.option(
            "--filter",
            "-f",
            "filters",
            multiple=True,
            metavar="KEY=VALUE",
            help="Match by keyword or tag: PatientID=PAT*, 00080050=ACC1, StudyDate=20240101-20240131, "
            "StudyInstanceUID=1.2.3,1.2.4. Repeatable.",
        ),
        click.option("--field", "fields", multiple=True, metavar="NAME", help="includefield (or 'all'). Repeatable."),
        click.option("--limit", type=click.IntRange(min=1), help="At most N matches."),
        click.option("--offset", type=click.IntRange(min=0), help="Skip the first N matches."),
        click.option("--fuzzy", is_flag=True, default=None, help="Ask for fuzzy matching of person names."),
        click.option("--json", "as_json", is_flag=True, help="Print the DICOM JSON array instead of a table."),
    ]
    for option in reversed(options):
        function = option(function)
    return logging_options(function)


@click.group("qido")
def qido_command() -> None:
    """Search a DICOMweb server (QIDO-RS): studies, series or instances."""


@qido_command.command("studies")
@_search_options
def studies_command(**options: Any) -> None:
    """Studies matching the filters."""
    _run("studies", None, None, **options)


@qido_command.command("series")
@click.option("--study", "study_uid", metavar="UID", help="Only the series of this study.")
@_search_options
def series_command(study_uid: str | None, **options: Any) -> None:
    """Series matching the filters (optionally within one study)."""
    _run("series", study_uid, None, **options)


@qido_command.command("instances")
@click.option("--study", "study_uid", metavar="UID", help="Only the instances of this study.")
@click.option("--series", "series_uid", metavar="UID", help="Only the instances of this series (needs --study).")
@_search_options
def instances_command(study_uid: str | None, series_uid: str | None, **options: Any) -> None:
    """Instances matching the filters (optionally within one study or series)."""
    _run("instances", study_uid, series_uid, **options)


def _run(
    level: Level,
    study_uid: str | None,
    series_uid: str | None,
    *,
    url: str,
    username: str | None,
    password: str | None,
    token: str | None,
    filters: tuple[str, ...],
    fields: tuple[str, ...],
    limit: int | None,
    offset: int | None,
    fuzzy: bool | None,
    as_json: bool,
) -> None:
    if bool(username) != bool(password):
        missing = "--password (SECTRA_DPAT_QIDO_PASSWORD)" if username else "--username (SECTRA_DPAT_QIDO_USERNAME)"
        raise click.UsageError(f"--username and --password go together: give {missing}")
    if token and username:
        raise click.UsageError("give either --token or --username/--password, not both")
    matches = _parse_filters(filters)
    includes: list[str] | str | None = list(fields) or None
    if includes == ["all"]:
        includes = "all"
    try:
        with DPATQidoClient(url, username, password, token=token) as client:
            result = client.search(
                level,
                matches,
                study_instance_uid=study_uid,
                series_instance_uid=series_uid,
                fields=includes,
                limit=limit,
                offset=offset,
                fuzzymatching=fuzzy,
            )
    except DPATQueryError as exc:
        raise click.UsageError(str(exc)) from None
    except DPATError as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(1)
    for warning in result.warnings:
        click.echo(f"warning from server: {warning}", err=True)
    if as_json:
        click.echo(json.dumps([item.to_json() for item in result], indent=1, ensure_ascii=False))
    else:
        _print_table(level, result, fields)


def _parse_filters(filters: tuple[str, ...]) -> dict[str, str]:
    parsed: dict[str, str] = {}
    for item in filters:
        key, sep, value = item.partition("=")
        if not sep or not key:
            raise click.BadParameter(f"expected KEY=VALUE, got {key or item!r}", param_hint="--filter")
        if key in parsed:
            raise click.BadParameter(f"{key} is given twice", param_hint="--filter")
        parsed[key] = value
    return parsed


def _print_table(level: Level, result: QidoResult, fields: tuple[str, ...]) -> None:
    columns = list(_COLUMNS[level])
    for name in fields:
        if name == "all":
            continue
        try:
            keyword = keyword_for(normalize_tag(name))
        except KeyError:
            keyword = name
        if keyword not in columns:
            columns.append(keyword)
    table = Table(title=f"{len(result)} {level}", title_justify="left")
    for column in columns:
        table.add_column(column, overflow="fold")
    for item in result:
        table.add_row(*(", ".join(item.get_strings(column)) for column in columns))
    # A pipe or file gets whole values (UIDs are long); a terminal gets its own width.
    Console(width=None if sys.stdout.isatty() else 1000).print(table)
