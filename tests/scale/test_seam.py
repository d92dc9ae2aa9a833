"""Backends reach the app through `AppJobs` only, never through `AnalysisApp`'s private attributes."""

from __future__ import annotations

import re
from pathlib import Path

from sectra_dpat_client.app import AnalysisApp, InvocationContext
from sectra_dpat_client.app.jobs import AppJobs, JobRegistry
from sectra_dpat_client.models import Result

BACKENDS = Path(__file__).resolve().parents[2] / "sectra_dpat_client" / "app" / "backends"


def test_backends_use_no_private_app_attribute() -> None:
    offenders = [
        f"{path.name}:{number}: {line.strip()}"
        for path in sorted(BACKENDS.glob("*.py"))
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if re.search(r"\bapp\._[a-z]", line)
    ]
    assert offenders == []


def test_app_jobs_seam() -> None:
    app = AnalysisApp(application_id="seam", display_name="Seam", manufacturer="tests")

    @app.on_create
    async def create(ctx: InvocationContext) -> Result:
        return Result(slideId=ctx.slide_id, displayResult="x")

    @app.on_image_notification
    def notified(ctx: InvocationContext) -> None:
        return None

    seam = AppJobs(app)
    assert seam.handler("create") is create
    assert seam.handler("modify") is not None  # the default keeps the user's edits
    assert not seam.is_blocking(create)
    assert seam.is_blocking(notified)
    registry = JobRegistry()
    seam.serve_in_worker(registry)
    assert app.jobs is registry
    assert callable(seam.client_factory)
