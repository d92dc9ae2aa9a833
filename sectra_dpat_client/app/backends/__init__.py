"""Where an `AnalysisApp`'s jobs run: in the receiver's own event loop (the default) or on Celery workers.

``AnalysisApp(..., backend=None)`` runs every handler in-process, as `make demo` does. With
``backend=CeleryBackend.from_env()`` (``pip install "sectra-dpat-client[celery]"``) the receiver
validates, stores a placeholder result, answers DPAT and enqueues; ``sectra-dpat worker module:app``
processes run the same handlers. `sectra_dpat_client.app.backends.celery_backend` has the details.
"""

from __future__ import annotations

from .base import (
    DPATBackendConfigError,
    DPATJobBackendError,
    DPATQueueUnavailableError,
    DPATTokenExpiredError,
    JobBackend,
)

__all__ = [
    "DPATBackendConfigError",
    "DPATJobBackendError",
    "DPATQueueUnavailableError",
    "DPATTokenExpiredError",
    "JobBackend",
]
