"""The seam between `AnalysisApp` and a job backend, and the backends' typed errors."""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

from ...errors import DPATError

if TYPE_CHECKING:
    from starlette.responses import Response

    from ..application import AnalysisApp
    from ..context import InvocationContext

__all__ = [
    "DPATBackendConfigError",
    "DPATJobBackendError",
    "DPATQueueUnavailableError",
    "DPATTokenExpiredError",
    "JobBackend",
]


class DPATJobBackendError(DPATError):
    """A job backend could not do what was asked (its message carries no token and no patient data)."""


class DPATBackendConfigError(DPATJobBackendError, ValueError):
    """The backend's configuration (environment variables) is missing or invalid; the message names the variable."""


class DPATQueueUnavailableError(DPATJobBackendError):
    """The broker (Redis) is unreachable: the receiver answers 503 with Retry-After."""


class DPATTokenExpiredError(DPATJobBackendError):
    """A job waited in the queue longer than its callback token lives, and no credentials mode is configured."""


class JobBackend(Protocol):
    """What `AnalysisApp` hands its jobs to instead of running them in its own loop."""

    def bind(self, app: AnalysisApp) -> None:
        """Called once by the app it serves (its handlers are what workers run)."""

    async def submit(self, ctx: InvocationContext) -> Response:
        """Queue the create/modify/notification ``ctx`` (validated already); the answer for DPAT."""

    async def cancel(self, ctx: InvocationContext) -> int:
        """Cancel the jobs started with ``ctx``'s cancellation token; how many were found."""
