"""`sectra-dpat worker MODULE:APP`: a Celery worker running an `AnalysisApp`'s handlers (the [celery] extra)."""

from __future__ import annotations

import importlib
import os
import sys

import click

from ..errors import DPATError

__all__ = ["load_app", "worker_command"]


def load_app(spec: str) -> object:
    """The object ``module:attribute`` names (the current directory is importable, as for uvicorn)."""
    module_name, _, attribute = spec.partition(":")
    if not module_name or not attribute:
        raise click.BadParameter("give MODULE:APP, e.g. mymodule:app", param_hint="APP")
    if os.getcwd() not in sys.path:
        sys.path.insert(0, os.getcwd())
    try:
        target: object = importlib.import_module(module_name)
    except ImportError as error:
        raise click.BadParameter(f"cannot import {module_name!r} ({error})", param_hint="APP") from None
    except DPATError as error:  # e.g. its CeleryBackend.from_env() found DPAT_BROKER_URL unset (texts carry no secret)
        raise click.ClickException(f"{module_name}: {error}") from None
    for part in attribute.split("."):
        try:
            target = getattr(target, part)
        except AttributeError:
            raise click.BadParameter(f"{module_name!r} has no attribute {attribute!r}", param_hint="APP") from None
    return target


@click.command("worker", context_settings={"ignore_unknown_options": True})
@click.argument("app_spec", metavar="MODULE:APP")
@click.option("--pool", type=click.Choice(["prefork", "threads", "solo"]), help="Default: DPAT_WORKER_POOL or prefork.")
@click.option("--concurrency", "-c", type=click.IntRange(min=1), help="Jobs at once (DPAT_WORKER_CONCURRENCY, 1).")
@click.option("--loglevel", "-l", default="INFO", show_default=True)
@click.option("--hostname", "-n", help="Celery node name (default celery@<host>).")
@click.argument("celery_args", nargs=-1, type=click.UNPROCESSED)
def worker_command(
    app_spec: str,
    pool: str | None,
    concurrency: int | None,
    loglevel: str,
    hostname: str | None,
    celery_args: tuple[str, ...],
) -> None:
    """Run the jobs of the AnalysisApp MODULE:APP (built with backend=CeleryBackend.from_env()).

    Configured by the same DPAT_* environment variables as the receiver (DPAT_BROKER_URL,
    DPAT_JOB_KEY, ...). Pool: prefork for CPU work; threads or solo for GPU work (CUDA does not
    survive fork). Further arguments go to `celery worker` as they are.
    """
    from ..app import AnalysisApp

    app = load_app(app_spec)
    if not isinstance(app, AnalysisApp):
        raise click.BadParameter(f"{app_spec} is not an AnalysisApp", param_hint="APP")
    try:
        from ..app.backends.celery_backend import CeleryBackend
    except ImportError as error:
        raise click.ClickException(str(error)) from None
    backend = app.backend
    if not isinstance(backend, CeleryBackend):
        raise click.UsageError(f"{app_spec} has no CeleryBackend: AnalysisApp(..., backend=CeleryBackend.from_env())")
    settings = backend.settings
    argv = [
        "worker",
        f"--pool={pool or settings.pool}",
        f"--concurrency={concurrency or settings.concurrency}",
        f"--queues={settings.queue}",
        f"--loglevel={loglevel}",
        "--without-gossip",
        "--without-mingle",
        *([f"--hostname={hostname}"] if hostname else []),
        *celery_args,
    ]
    backend.celery.worker_main(argv)
