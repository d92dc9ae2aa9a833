"""Receivers in a child process for bench P7: ``python -m bench._receiver ours|ours-inthread|bare APP_ID``.

Prints the port it listens on (loopback), serves until stdin closes. ``ours`` is an `AnalysisApp`
whose create handler answers with a placeholder stored on the simulator (``respond_pending``)
(``ours-inthread``: the same with ``offload_above=None``, every body checked in this process);
``bare`` is a plain Starlette app doing the same JSON parse and a JSON reply.
"""

from __future__ import annotations

import socket
import sys
import threading
from typing import Any

import orjson
import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route


def ours(app_id: str, *, offload: bool = True) -> Any:
    from sectra_dpat_client.app import AnalysisApp, InvocationContext
    from sectra_dpat_client.app.offload import DEFAULT_OFFLOAD_ABOVE

    app = AnalysisApp(
        application_id=app_id,
        display_name="P7",
        manufacturer="bench",
        max_concurrent_jobs=512,
        max_body_bytes=64 * 1024 * 1024,
        offload_above=DEFAULT_OFFLOAD_ABOVE if offload else None,
    )

    @app.on_create
    async def create(ctx: InvocationContext) -> Any:
        await ctx.respond_pending("running")
        return ctx.stored_result

    return app


def bare(app_id: str) -> Any:
    async def invocation(request: Request) -> Response:
        payload = orjson.loads(await request.body())
        reply = {"slideId": payload["slideId"], "id": 1, "versionId": "1", "displayResult": "running"}
        return Response(orjson.dumps(reply), media_type="application/json")

    async def info(request: Request) -> Response:
        return Response(orjson.dumps({"apiVersion": "1.10", "softwareVersion": "0"}), media_type="application/json")

    return Starlette(routes=[Route("/", invocation, methods=["POST"]), Route("/info", info)])


def main() -> None:
    kind, app_id = sys.argv[1], sys.argv[2]
    app = bare(app_id) if kind == "bare" else ours(app_id, offload=kind != "ours-inthread")
    # IPPROTO_TCP, not socket()'s proto 0: asyncio sets TCP_NODELAY only on sockets it sees as TCP, and
    # without it each small response waits ~40 ms for the client's delayed ACK (Nagle).
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.bind(("127.0.0.1", 0))
    config = uvicorn.Config(app, log_level="error", access_log=False, lifespan="on" if kind == "ours" else "off")
    server = uvicorn.Server(config)
    print(sock.getsockname()[1], flush=True)

    def stop() -> None:
        sys.stdin.read()
        server.should_exit = True

    threading.Thread(target=stop, daemon=True).start()
    server.run(sockets=[sock])


if __name__ == "__main__":
    main()
