"""A worker process of `offload.OffloadPool`: ``python -m sectra_dpat_client.app._offload_worker``.

Reads requests from stdin (``>IQ`` header and body lengths, a JSON header ``{"schema", "app"}``, the
body), answers each on stdout (``>Q`` length, JSON reply of `offload.examine`) and ends at EOF.
"""

from __future__ import annotations

import gc
import os
import sys

import orjson

from sectra_dpat_client.app.fastcheck import is_valid
from sectra_dpat_client.app.offload import _HEAD, _REPLY, examine, read_exactly

__all__ = ["main"]


def main() -> None:
    """Serve requests until stdin closes."""
    out = os.fdopen(os.dup(1), "wb")
    os.dup2(2, 1)  # a stray print cannot corrupt the replies
    source = sys.stdin.buffer
    for schema in ("Invocation", "ImageNotification"):
        is_valid({}, schema)  # compile the checks before the first body
    while True:
        try:
            header_size, body_size = _HEAD.unpack(read_exactly(source, _HEAD.size))
            header = orjson.loads(read_exactly(source, header_size))
            body = read_exactly(source, body_size)
        except EOFError:
            return  # the receiver closed the pipe (or ended)
        gc.disable()  # a million small dicts, no cycles: collections would only slow the parse down
        try:
            reply, payload = examine(body, header["schema"], header["app"])
            data = orjson.dumps(reply)
        except Exception as error:  # e.g. RecursionError: the receiver redoes it in a thread
            payload = None
            data = orjson.dumps({"failed": type(error).__name__})
        try:
            out.write(_REPLY.pack(len(data)) + data)
            out.flush()
        except OSError:
            return  # the receiver is gone
        del payload, body  # freed after the answer went out
        gc.enable()


if __name__ == "__main__":
    main()
