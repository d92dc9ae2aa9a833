"""Receivers in a child process for bench P7: ``python -m bench._receiver ours|ours-inthread|bare APP_ID``.

Prints the port it listens on (loopback), serves until stdin closes. ``ours`` is an `AnalysisApp`
whose create handler answers with a placeholder stored on the simulator (``respond_pending``)
(``ours-inthread``: the same with ``offload_above=None``, every body checked in this process);
``bare`` is what a hand-written minimal receiver does for the same work: a plain Starlette app that
parses the JSON, stores the same placeholder on the callback URL with one shared ``httpx.AsyncClient``
(one pool, reused by every invocation) and replies with the stored result.
"""

from __future__ import annotations

import os
import socket
import sys
import threading
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx
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
    """A hand-written minimal receiver: parse, store the same placeholder, reply. It does less than ours
    (no schema check, no application-id or callback checks, no replay key), so the ratio is conservative."""
    shared: dict[str, httpx.AsyncClient] = {}

    @asynccontextmanager
    async def lifespan(_app: Starlette) -> AsyncIterator[None]:
        async with httpx.AsyncClient(timeout=30) as client:  # httpx's default pool (100, 20 kept alive)
            shared["client"] = client
            yield

    async def invocation(request: Request) -> Response:
        payload = orjson.loads(await request.body())
        callback = payload["callbackInfo"]
        placeholder = {  # what ours stores through respond_pending("running")
            "slideId": payload["slideId"],
            "displayResult": "running",
            "displayProperties": {"Status": "running"},
            "applicationVersion": "0.0.0",
            "data": {"context": {}, "result": {"type": "primitive", "content": []}},
        }
        stored = await shared["client"].post(
            f"{callback['url']}/applications/{payload['applicationId']}/results",
            content=orjson.dumps(placeholder),
            headers={
                "Authorization": f"Bearer {callback['token']}",
                "Content-Type": "application/json",
                "X-Sectra-ApiVersion": "1.10",
            },
        )
        stored.raise_for_status()
        return Response(stored.content, media_type="application/json")

    async def info(request: Request) -> Response:
        return Response(orjson.dumps({"apiVersion": "1.10", "softwareVersion": "0"}), media_type="application/json")

    return Starlette(routes=[Route("/", invocation, methods=["POST"]), Route("/info", info)], lifespan=lifespan)


def main() -> None:
    kind, app_id = sys.argv[1], sys.argv[2]
    app = bare(app_id) if kind == "bare" else ours(app_id, offload=kind != "ours-inthread")
    # IPPROTO_TCP, not socket()'s proto 0: asyncio sets TCP_NODELAY only on sockets it sees as TCP, and
    # without it each small response waits ~40 ms for the client's delayed ACK (Nagle).
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.bind(("127.0.0.1", 0))
    config = uvicorn.Config(
        app, log_level="error", access_log=False, lifespan="on" if kind != "ours-inthread" else "off"
    )
    server = uvicorn.Server(config)
    print(sock.getsockname()[1], flush=True)

    def stop() -> None:
        sys.stdin.read()
        server.should_exit = True

    threading.Thread(target=stop, daemon=True).start()
    profile_to = os.environ.get("P7_PROFILE")  # a path: cProfile the serving thread, stats written there at exit
    if not profile_to:
        server.run(sockets=[sock])
        return
    import cProfile

    profiler = cProfile.Profile()
    profiler.runcall(server.run, sockets=[sock])
    profiler.dump_stats(f"{profile_to}.{kind}")


if __name__ == "__main__":
    main()
