"""A raw-socket loopback server whose every connection is answered by a test's own function.

For hostile peers a well-behaved server cannot play: endless chunked bodies, gzip bombs, bytes trickled
one at a time. ``GET /info`` is answered with a normal IA-API info document unless the test handles it.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

__all__ = ["INFO", "Handler", "head_of", "hostile_server", "send_head"]

INFO = b'{"apiVersion": "1.10", "softwareVersion": "4.2.0.0"}'
Handler = Callable[[socket.socket, bytes], None]


def send_head(conn: socket.socket, status: int, headers: dict[str, str]) -> None:
    """Send a status line and headers (``Connection: close`` added)."""
    lines = [f"HTTP/1.1 {status} X", *(f"{k}: {v}" for k, v in {**headers, "Connection": "close"}.items())]
    conn.sendall(("\r\n".join(lines) + "\r\n\r\n").encode("latin-1"))


def head_of(conn: socket.socket) -> bytes:
    """Read a request head."""
    head = b""
    while b"\r\n\r\n" not in head and len(head) < 65536:
        chunk = conn.recv(4096)
        if not chunk:
            break
        head += chunk
    return head


def _serve(conn: socket.socket, handler: Handler, info: bool) -> None:
    try:
        conn.settimeout(30)
        head = head_of(conn)
        if info and head.startswith(b"GET /info "):
            send_head(conn, 200, {"Content-Type": "application/json", "Content-Length": str(len(INFO))})
            conn.sendall(INFO)
            return
        handler(conn, head)
    except OSError:
        pass
    finally:
        time.sleep(0.01)
        conn.close()


@contextmanager
def hostile_server(handler: Handler, *, info: bool = True) -> Iterator[str]:
    """Serve ``handler`` on a free loopback port; yields the base URL."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(64)
    listener.settimeout(0.1)
    stop = threading.Event()

    def accept() -> None:
        while not stop.is_set():
            try:
                conn, _ = listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            conn.settimeout(None)
            threading.Thread(target=_serve, args=(conn, handler, info), daemon=True).start()

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{listener.getsockname()[1]}"
    finally:
        stop.set()
        listener.close()
        thread.join(timeout=5)
