"""A scripted raw-socket HTTP server on 127.0.0.1 for faults a well-behaved ASGI server cannot produce.

Each accepted connection takes the next `Behaviour` of the script (the last one repeats). The server
counts connections and the request heads it read, so tests can assert how often a client tried.
"""

from __future__ import annotations

import socket
import socketserver
import ssl
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

__all__ = ["Behaviour", "RawServer", "raw_server"]

CRLF = b"\r\n"
INFO = b'{"apiVersion": "1.10", "softwareVersion": "4.2.0.0"}'


@dataclass
class Behaviour:
    """What to do with one connection."""

    kind: str  # "respond", "reset_before_response", "reset_mid_body", "slow_first_byte", "slow_body", "close_silently"
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b"{}"
    delay: float = 0.0  # seconds before the first byte (slow_first_byte) or between body bytes (slow_body)
    cut_at: int = 0  # for reset_mid_body: bytes of the body sent before the reset


class _Handler(socketserver.BaseRequestHandler):
    server: _Server

    def handle(self) -> None:
        conn: socket.socket = self.request
        conn.settimeout(10)
        head = b""
        try:
            while b"\r\n\r\n" not in head and len(head) < 65536:
                chunk = conn.recv(4096)
                if not chunk:
                    return
                head += chunk
        except OSError:
            return
        if head.startswith(b"GET /info ") and self.server.info is not None:
            self._act(conn, Behaviour("respond", body=self.server.info))  # version probes are not scripted
            return
        behaviour = self.server.next_behaviour(head)
        self._act(conn, behaviour)

    def _act(self, conn: socket.socket, b: Behaviour) -> None:
        try:
            if b.kind == "reset_before_response":
                _reset(conn)
                return
            if b.kind == "close_silently":
                conn.close()
                return
            if b.kind == "slow_first_byte":
                time.sleep(b.delay)
            headers = {
                "Content-Type": "application/json",
                "Content-Length": str(len(b.body)),
                "Connection": "close",  # one request per connection: no stale keep-alive reuse
                **b.headers,
            }
            status_line = f"HTTP/1.1 {b.status} X\r\n".encode()
            head = status_line + b"".join(f"{k}: {v}\r\n".encode() for k, v in headers.items()) + CRLF
            conn.sendall(head)
            if b.kind == "reset_mid_body":
                conn.sendall(b.body[: b.cut_at])
                time.sleep(0.05)
                _reset(conn)
                return
            if b.kind == "slow_body":
                for i in range(len(b.body)):
                    conn.sendall(b.body[i : i + 1])
                    time.sleep(b.delay)
                return
            conn.sendall(b.body)
        except OSError:
            return


def _reset(conn: socket.socket) -> None:
    # SO_LINGER with a zero timeout makes close() send a RST instead of a FIN.
    conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")
    conn.close()


class _Server(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, script: list[Behaviour], tls: ssl.SSLContext | None, info: bytes | None) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.info = info
        self.script = list(script)
        self.tls = tls
        self.lock = threading.Lock()
        self.requests: list[bytes] = []

    def get_request(self) -> tuple[socket.socket, object]:
        conn, addr = super().get_request()
        if self.tls is not None:
            conn.settimeout(5)
            try:
                conn = self.tls.wrap_socket(conn, server_side=True)
            except (ssl.SSLError, OSError):
                conn.close()
                raise
        return conn, addr

    def next_behaviour(self, head: bytes) -> Behaviour:
        with self.lock:
            self.requests.append(head)
            return self.script.pop(0) if len(self.script) > 1 else self.script[0]


class RawServer:
    """Handle on a running `raw_server`: its URL and what it saw."""

    def __init__(self, server: _Server, scheme: str) -> None:
        self._server = server
        self.url = f"{scheme}://127.0.0.1:{server.server_address[1]}"

    @property
    def requests(self) -> list[bytes]:
        """The request heads read so far (method line first)."""
        with self._server.lock:
            return list(self._server.requests)

    def request_lines(self) -> list[str]:
        return [head.split(CRLF, 1)[0].decode("latin-1") for head in self.requests]

    def wait_for(self, count: int, timeout: float = 5.0) -> list[bytes]:
        """The request heads once at least ``count`` were read (a loaded machine may read them late)."""
        deadline = time.monotonic() + timeout
        while len(self.requests) < count and time.monotonic() < deadline:
            time.sleep(0.01)
        return self.requests


@contextmanager
def raw_server(
    script: list[Behaviour], *, tls: ssl.SSLContext | None = None, info: bytes | None = INFO
) -> Iterator[RawServer]:
    """Serve ``script`` on 127.0.0.1 (an ephemeral port) until the block ends.

    ``GET /info`` is answered with ``info`` outside the script and the request count (None: scripted too).
    """
    server = _Server(script, tls, info)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield RawServer(server, "https" if tls else "http")
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


def self_signed_context(tmp_dir: str, run: Callable[..., object]) -> ssl.SSLContext:
    """A server TLS context with a fresh self-signed certificate for 127.0.0.1 (made with openssl)."""
    cert, key = f"{tmp_dir}/cert.pem", f"{tmp_dir}/key.pem"
    run(
        [
            "openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
            "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
            "-keyout", key, "-out", cert,
        ],
        check=True,
        capture_output=True,
        timeout=60,
    )  # fmt: skip
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    return context
