"""The `sectra-dpat` command line.

Each command lives in its own module of this package and is listed in `COMMANDS` (module, attribute):
add a line there to add a command. Every IA-API command takes the options of `_common`
(``--url``, ``--token``, ``--app-id``, ``--username``, ``--password`` with their ``SECTRA_DPAT_*``
environment variables, ``--json``, ``-v``, ``--debug``). Exit status: 0 done, 1 failed, 2 usage error.
"""

from __future__ import annotations

import importlib

import click

from ._common import logging_options

__all__ = ["COMMANDS", "main"]

# (module of this package, click command in it). One command per module.
COMMANDS: tuple[tuple[str, str], ...] = (
    # set-up and tooling
    ("validate", "validate_command"),
    ("simulate", "simulate_command"),
    ("qido", "qido_command"),
    ("download", "download_command"),
    ("download", "thumbnail_command"),
    # the IA-API, one call per command
    ("info", "info_command"),
    ("application", "application_command"),
    ("launchdata", "launchdata_command"),
    ("slide", "slide_command"),
    ("case", "case_command"),
    ("label", "label_command"),
    ("tile", "tile_command"),
    ("region", "region_command"),
    ("qc", "qc_command"),
    ("results", "results_command"),
    ("attachment", "attachment_command"),
    # a result drawn over its slide with Pillow (CI artefacts, reports)
    ("render", "render_command"),
    # scale-out: a Celery worker running an AnalysisApp's jobs ([celery] extra)
    ("worker", "worker_command"),
)

_EPILOG = """\b
Credentials: --url/--token (SECTRA_DPAT_URL, SECTRA_DPAT_TOKEN), or --username/--password
(SECTRA_DPAT_USERNAME, SECTRA_DPAT_PASSWORD) with --app-id (SECTRA_DPAT_APP_ID).
Exit status: 0 done, 1 failed (the error names the slide or result), 2 usage error.
"""


@click.group(context_settings={"help_option_names": ["-h", "--help"]}, epilog=_EPILOG)
@click.version_option(package_name="sectra-dpat-client")
@logging_options
def main() -> None:
    """Tools for Sectra DPAT image-analysis apps: call the IA-API, validate, simulate, download, query."""


def _register() -> None:
    for module_name, attribute in COMMANDS:
        module = importlib.import_module(f"{__name__}.{module_name}")
        main.add_command(getattr(module, attribute))


_register()
