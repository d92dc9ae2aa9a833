"""The `sectra-dpat` command line.

Each sub-command lives in its own module of this package and is registered below.
"""

from __future__ import annotations

import click

__all__ = ["main"]


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="sectra-dpat-client")
def main() -> None:
    """Tools for Sectra DPAT image-analysis apps: validate, simulate, download, query."""


def _register() -> None:
    from .download import download_command, thumbnail_command
    from .qido import qido_command
    from .simulate import simulate_command
    from .validate import validate_command

    main.add_command(validate_command)
    main.add_command(qido_command)
    main.add_command(simulate_command)
    main.add_command(download_command)
    main.add_command(thumbnail_command)


_register()
