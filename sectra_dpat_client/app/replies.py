"""What the app answers DPAT: JSON bodies, the spec's AppError, and the X-Sectra version headers."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import orjson
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from ..errors import ValidationFault

__all__ = ["MAX_FAULTS_SHOWN", "InvocationError", "ReplyHeaders", "error_reply", "json_reply"]

MAX_FAULTS_SHOWN = 50


class InvocationError(Exception):
    """Refuse an invocation: answered as the spec's AppError ``{"error", "faults"}`` with ``status_code``.

    Handlers may raise it too (e.g. ``InvocationError("slide is not a biopsy", status_code=422)``).
    The message is shown to DPAT: keep patient data out of it.
    """

    def __init__(
        self,
        error: str,
        *,
        status_code: int = 400,
        faults: Sequence[ValidationFault] = (),
        retry_after: int | None = None,
    ):
        self.error = error
        self.status_code = status_code
        self.faults = tuple(faults)
        self.retry_after = retry_after  # seconds, sent as Retry-After (with 503)
        super().__init__(error)

    def __str__(self) -> str:
        listing = "".join(f"\n  - {fault}" for fault in self.faults[:MAX_FAULTS_SHOWN])
        return f"{self.status_code}: {self.error}{listing}"

    def to_dict(self) -> dict[str, Any]:
        """The AppError body (at most `MAX_FAULTS_SHOWN` faults)."""
        body: dict[str, Any] = {"error": self.error}
        if self.faults:
            body["faults"] = [{"path": f.path, "message": f.message} for f in self.faults[:MAX_FAULTS_SHOWN]]
        return body


def json_reply(payload: Any, status_code: int = 200) -> Response:
    """A JSON response (orjson: rejects NaN, keeps non-ASCII as UTF-8)."""
    return Response(orjson.dumps(payload), status_code=status_code, media_type="application/json")


def error_reply(error: InvocationError) -> Response:
    """The AppError response for ``error`` (with ``Retry-After`` when it names one)."""
    reply = json_reply(error.to_dict(), error.status_code)
    if error.retry_after is not None:
        reply.headers["Retry-After"] = str(error.retry_after)
    return reply


class ReplyHeaders:
    """ASGI middleware: every HTTP response carries ``X-Sectra-ApiVersion`` and ``X-Sectra-SoftwareVersion``."""

    def __init__(self, app: ASGIApp, *, api_version: str, software_version: str):
        self.app = app
        self._headers = [
            (b"x-sectra-apiversion", api_version.encode("latin-1")),
            (b"x-sectra-softwareversion", software_version.encode("latin-1")),
        ]

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                names = {name.lower() for name, _ in message.get("headers", [])}
                extra = [(name, value) for name, value in self._headers if name not in names]
                message = {**message, "headers": [*message.get("headers", []), *extra]}
            await send(message)

        await self.app(scope, receive, send_with_headers)
