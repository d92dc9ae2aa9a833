"""The tissue-area app on the Celery backend: same handlers, jobs run by `sectra-dpat worker` processes.

Receiver and workers, configured by the same environment (DPAT_BROKER_URL, DPAT_JOB_KEY, APP_ID, ...)::

    uvicorn examples.tissue_area_celery:app --port 5001
    sectra-dpat worker examples.tissue_area_celery:app --concurrency 2
    celery -A examples.tissue_area_celery:celery worker      # the same, as plain Celery

`make demo-scale` runs it end to end (Redis, the simulator, the receiver and two workers).
"""

from __future__ import annotations

import os

from sectra_dpat_client.app.backends.celery_backend import CeleryBackend

from .tissue_area.app import _hosts, create_app

__all__ = ["app", "celery"]

backend = CeleryBackend.from_env()
app = create_app(
    application_id=os.environ.get("APP_ID", "tissue-area"),
    dpat_hosts=_hosts(os.environ.get("DPAT_HOSTS")),
    shared_secret=os.environ.get("APP_SHARED_SECRET") or None,
    public_url=os.environ.get("APP_PUBLIC_URL") or None,
)
app.backend = backend  # create_app builds the in-process app; its jobs now go to the workers
backend.bind(app)
celery = backend.celery
