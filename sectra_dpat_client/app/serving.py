"""Serve an ASGI app (an `AnalysisApp`, the simulator) under uvicorn in a background thread."""

from __future__ import annotations

import threading
import time
from types import TracebackType

import uvicorn
from starlette.types import ASGIApp

__all__ = ["BackgroundServer"]


class BackgroundServer:
    """``with BackgroundServer(app) as server: server.url`` serves ``app`` on a free loopback port.

    The app's lifespan runs: on exit an `AnalysisApp` drains or cancels its jobs before the thread ends.
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
    ):
        config = uvicorn.Config(app, host=host, port=port, log_level=log_level, lifespan="on", access_log=False)
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
