"""`sectra-dpat application [APP_ID]`: a registered application as DPAT knows it."""

from __future__ import annotations

import click

from ._common import Invocation, api_command_options

__all__ = ["application_command"]


@click.command("application")
@click.argument("app_id_argument", metavar="[APP_ID]", required=False)
@api_command_options
def application_command(app_id_argument: str | None, run: Invocation) -> None:
    """Show the registration of APP_ID (default: --app-id / SECTRA_DPAT_APP_ID)."""
    chosen = app_id_argument or run.connection.app_id
    if not chosen:
        raise click.UsageError("give APP_ID, --app-id or SECTRA_DPAT_APP_ID")
    with run.reporting(application=chosen), run.client() as client:
        run.emit(client.get_application(chosen))
