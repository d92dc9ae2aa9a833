"""Serve an ASGI app (an `AnalysisApp`, the simulator) under uvicorn in a background thread."""

from __future__ import annotations

import asyncio
import threading
import time
from types import TracebackType
from typing import Any

import uvicorn
from starlette.types import ASGIApp
from uvicorn.protocols.http.h11_impl import H11Protocol

__all__ = ["BackgroundServer", "HeaderDeadlineH11Protocol", "uvicorn_settings"]


class HeaderDeadlineH11Protocol(H11Protocol):
    """uvicorn's h11 protocol with a deadline for each request's headers (uvicorn has none).

    A connection whose next request line and headers have not all arrived ``header_timeout`` s
    after it opened (or after the previous response) is closed. Use it with
    ``uvicorn --http sectra_dpat_client.app.serving:HeaderDeadlineH11Protocol``.
    """

    header_timeout: float = 10.0
    _header_timer: asyncio.TimerHandle | None = None

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._arm_header_deadline()

    def on_response_complete(self) -> None:
        super().on_response_complete()
        self._arm_header_deadline()

    def connection_lost(self, exc: Exception | None) -> None:
        if self._header_timer is not None:
            self._header_timer.cancel()
        super().connection_lost(exc)

    def _arm_header_deadline(self) -> None:
        if self._header_timer is not None:
            self._header_timer.cancel()
        waiting_for = self.cycle  # a new request replaces the cycle
        self._header_timer = self.loop.call_later(self.header_timeout, self._header_deadline, waiting_for)

    def _header_deadline(self, waiting_for: object) -> None:
        self._header_timer = None
        if self.cycle is waiting_for and not self.transport.is_closing():
            self.logger.info("closing a connection whose request headers did not arrive in time")
            self.transport.close()


def uvicorn_settings(*, shutdown_grace: float = 30.0, header_timeout: float = 10.0) -> dict[str, Any]:
    """The `uvicorn.Config` keyword arguments for production (see the README's receiver section)."""

    class Protocol(HeaderDeadlineH11Protocol):
        pass

    Protocol.header_timeout = header_timeout
    return {
        "http": Protocol,
        "timeout_keep_alive": 5,
        "timeout_graceful_shutdown": shutdown_grace,
        "limit_concurrency": 200,
        "h11_max_incomplete_event_size": 16 * 1024,
        "backlog": 256,
    }


class BackgroundServer:
    """``with BackgroundServer(app) as server: server.url`` serves ``app`` on a free loopback port.

    The app's lifespan runs: on exit an `AnalysisApp` drains or cancels its jobs before the thread ends.
    It runs with `uvicorn_settings` (header deadline, graceful-shutdown timeout = the app's
    ``shutdown_grace``).
    """

    def __init__(
        self,
        app: ASGIApp,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        startup_timeout: float = 10.0,
        shutdown_timeout: float = 60.0,
        log_level: str = "warning",
        header_timeout: float = 10.0,
    ):
        grace = float(getattr(app, "shutdown_grace", 30.0))
        settings = uvicorn_settings(shutdown_grace=grace, header_timeout=header_timeout)
        settings.pop("limit_concurrency")  # tests and demos drive many connections at once
        config = uvicorn.Config(
            app,
            host=host,
            port=port,
            log_level=log_level,
            lifespan="on",
            access_log=False,
            **settings,
        )
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(target=self._server.run, name="dpat-app-server", daemon=True)
        self._startup_timeout = startup_timeout
        self._shutdown_timeout = shutdown_timeout
        self.url = ""

    def __enter__(self) -> BackgroundServer:
        self._thread.start()
        deadline = time.monotonic() + self._startup_timeout
        while not self._server.started:
            if not self._thread.is_alive():
                raise RuntimeError("the server stopped while starting (port in use?)")
            if time.monotonic() > deadline:
                self._server.should_exit = True
                raise RuntimeError(f"the server did not start within {self._startup_timeout} s")
            time.sleep(0.01)
        host, port = self._server.servers[0].sockets[0].getsockname()[:2]
        self.url = f"http://[{host}]:{port}" if ":" in host else f"http://{host}:{port}"
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()

    def stop(self) -> None:
        """Ask the server to exit and wait for its thread (bounded by ``shutdown_timeout``)."""
        self._server.should_exit = True
        self._thread.join(self._shutdown_timeout)
        if self._thread.is_alive():
            raise RuntimeError(f"the server did not stop within {self._shutdown_timeout} s")
