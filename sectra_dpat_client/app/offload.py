"""Large inbound bodies parsed and validated in worker processes, so the receiver's GIL stays free.

``orjson.loads`` of a 28 MB body holds the GIL for ~0.5 s: in a thread it still stalls the event
loop (``GET /info`` waited as long). Bodies over ``AnalysisApp(offload_above=...)`` bytes go to one
of at most ``offload_processes`` worker processes instead (``python -m
sectra_dpat_client.app._offload_worker``, started on first need and kept), which parse them, run the
same schema check and replay key as the in-thread path and send back only the small top-level
fields. The invocation's ``input`` stays the raw body, parsed when a handler first reads it
(`RawInvocation`).

Workers talk over their stdin/stdout pipes (length-prefixed, no pickle) and end when their stdin
closes: on `OffloadPool.close` (the app's shutdown), at interpreter exit, or when the receiver dies.
A worker that fails or dies costs nothing but time: the request falls back to the in-thread path,
so every request gets the same answer it would get there.

Before any worker, `fast_examine` tries the body in the calling thread: big point arrays in DPAT's
compact form are checked on the raw bytes (`pointscan`, numpy and orjson, mostly without the GIL),
only the rest is parsed, and the replay key hashes the body in place. It answers only for a valid
body (anything else, or any doubt, goes to the worker as before), so refusals are unchanged; valid
1M-point bodies cost ~1/5 of the worker's CPU and never cross a pipe.
"""

from __future__ import annotations

import contextlib
import logging
import os
import struct
import subprocess
import sys
import threading
import time
import weakref
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import IO, Any

import orjson

from ..errors import ValidationFault
from .fastcheck import verdict
from .inbound import check_application_id, depth_faults, parse_json, schema_faults
from .pointscan import restore_runs, split_points
from .replays import RAW_KEY_BYTES, raw_key_at, replay_key, token_member
from .replies import InvocationError

__all__ = ["DEFAULT_OFFLOAD_ABOVE", "Examined", "OffloadPool", "RawInvocation", "examine", "fast_examine"]

_log = logging.getLogger("sectra_dpat_client.app")

DEFAULT_OFFLOAD_ABOVE = 2 * 1024 * 1024  # bytes: ~20 ms of orjson.loads; smaller bodies stay in a thread
_HEAD = struct.Struct(">IQ")  # header length, body length
_REPLY = struct.Struct(">Q")
_PACKAGE_ROOT = str(Path(__file__).resolve().parents[2])
COOL_DOWN = 30.0  # seconds without workers after one failed (e.g. could not start): no retry per body


class RawInvocation(Mapping[str, Any]):
    """A validated invocation or notification: its top-level fields, with ``input`` read from the raw
    body on first access (one parse, then the body is dropped)."""

    def __init__(self, fields: dict[str, Any], body: bytes, *, has_input: bool):
        self._fields = fields
        self._body: bytes | None = body if has_input else None
        self._has_input = has_input
        self._input: Any = None
        self._lock = threading.Lock()

    def __getitem__(self, key: str) -> Any:
        if key == "input" and self._has_input:
            with self._lock:
                if self._body is not None:
                    self._input = orjson.loads(self._body)["input"]
                    self._body = None
            return self._input
        return self._fields[key]

    def __iter__(self) -> Iterator[str]:
        yield from self._fields
        if self._has_input:
            yield "input"

    def __len__(self) -> int:
        return len(self._fields) + self._has_input

    def __repr__(self) -> str:  # the fields hold the callback token
        return f"RawInvocation(keys={list(self)!r})"


class Examined:
    """A worker's verdict on one body: refusal, or fields + schema faults + replay key."""

    def __init__(self, reply: dict[str, Any]):
        self.refusal: InvocationError | None = None
        if "refused" in reply:
            self.refusal = InvocationError(str(reply["refused"]), status_code=int(reply["status"]))
        self.fields: dict[str, Any] = reply.get("fields") or {}
        self.has_input = bool(reply.get("input"))
        self.faults = [ValidationFault(str(path), str(message)) for path, message in reply.get("faults") or ()]
        self.key: str | None = reply.get("key")


def examine(body: bytes, schema: str, application_id: str) -> tuple[dict[str, Any], Any]:
    """The worker's job (JSON-ready reply, and the payload to free after replying): parse, application
    id, schema faults (skipped for another application's body) and replay key, as the in-thread path."""
    try:
        payload = parse_json(body)
    except InvocationError as error:
        return {"refused": error.error, "status": error.status_code}, None
    if not isinstance(payload, dict):
        return {"faults": _pairs(schema_faults(payload, schema, len(body)))}, payload
    fields = {name: value for name, value in payload.items() if name != "input"}
    too_deep = depth_faults(payload)
    for fault in too_deep:  # not writable as JSON; the receiver refuses the body, after these fields' checks
        fields[fault.path[2:]] = _stand_in(fields[fault.path[2:]])
    reply: dict[str, Any] = {"fields": fields, "input": "input" in payload}
    try:
        check_application_id(payload, application_id)
    except InvocationError:
        return reply, payload  # the receiver refuses it from the fields, before any schema fault
    faults = schema_faults(payload, schema, len(body))
    if faults:
        reply["faults"] = _pairs(faults)
    elif schema == "ImageNotification" or payload["action"] in ("create", "modify"):
        reply["key"] = replay_key(payload, body)
    return reply, payload


def fast_examine(body: bytes, schema: str, application_id: str) -> dict[str, Any] | None:
    """`examine`'s reply for a valid body whose big point arrays `pointscan` could check in place;
    None for any other body (invalid, another application's, no such array, ...): examine it fully.

    The reply is the one `examine` gives such a body: top-level fields, ``input`` present, no faults,
    the same replay key (the token member is found in the skeleton, where it is exactly when it is
    in the body, and hashed in the body)."""
    if len(body) <= RAW_KEY_BYTES:
        return None  # smaller bodies are keyed canonically: examine them
    skeleton = split_points(body)
    if not skeleton.counts:
        return None
    try:
        payload = orjson.loads(skeleton.text)
    except orjson.JSONDecodeError:
        return None
    if not isinstance(payload, dict):
        return None
    payload, outside = restore_runs(payload, skeleton)
    if outside or depth_faults(payload):
        return None  # the fields must be real (they reach the handler as they are)
    named = payload.get("applicationId")
    if isinstance(named, str) and named != application_id:
        return None
    if verdict(payload, schema) is not True:
        return None
    member = token_member(payload)
    if member is None or skeleton.text.count(member) != 1:
        return None
    start = skeleton.body_offset(skeleton.text.index(member))
    if body[start : start + len(member)] != member:  # pragma: no cover - offsets map exactly
        return None
    reply: dict[str, Any] = {"fields": {name: value for name, value in payload.items() if name != "input"}}
    reply["input"] = "input" in payload
    if schema == "ImageNotification" or payload.get("action") in ("create", "modify"):
        reply["key"] = raw_key_at(body, start, len(member))
    return reply


def _stand_in(value: Any) -> Any:
    """What the receiver checks of a too-deep field before refusing the body: a callback's URL and
    token, else nothing."""
    if isinstance(value, dict):
        return {name: value[name] for name in ("url", "token") if isinstance(value.get(name), str)} or None
    return None


def _pairs(faults: list[ValidationFault]) -> list[tuple[str, str]]:
    return [(fault.path, fault.message) for fault in faults]


class _Worker:
    def __init__(self) -> None:
        env = dict(os.environ)
        env["PYTHONPATH"] = os.pathsep.join(p for p in (_PACKAGE_ROOT, env.get("PYTHONPATH")) if p)
        self.process = subprocess.Popen(
            [sys.executable, "-m", "sectra_dpat_client.app._offload_worker"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            env=env,
            close_fds=True,
        )

    def call(self, body: bytes, schema: str, application_id: str) -> dict[str, Any] | None:
        stdin, stdout = self.process.stdin, self.process.stdout
        assert stdin is not None
        assert stdout is not None
        header = orjson.dumps({"schema": schema, "app": application_id})
        stdin.write(_HEAD.pack(len(header), len(body)) + header)
        stdin.write(body)
        stdin.flush()
        (size,) = _REPLY.unpack(read_exactly(stdout, _REPLY.size))
        reply = orjson.loads(read_exactly(stdout, size))
        if not isinstance(reply, dict):
            raise OSError("the worker's reply is not an object")
        return None if "failed" in reply else reply  # failed: the body, not the worker (kept)


def read_exactly(stream: IO[bytes], size: int) -> bytes:
    """``size`` bytes from ``stream``; EOFError when it ends first."""
    data = stream.read(size)
    if data is None or len(data) != size:
        raise EOFError("the stream ended")
    return data


def _stop(workers: set[_Worker], timeout: float = 5.0) -> None:
    for worker in list(workers):
        with contextlib.suppress(OSError, ValueError):
            if worker.process.stdin is not None:
                worker.process.stdin.close()  # the worker ends at EOF
    for worker in list(workers):
        try:
            worker.process.wait(timeout)
        except subprocess.TimeoutExpired:
            worker.process.kill()
            worker.process.wait()
        if worker.process.stdout is not None:
            worker.process.stdout.close()
        workers.discard(worker)


class OffloadPool:
    """At most ``processes`` worker processes, started when first needed; `run` is blocking (call it
    from a thread, at most ``processes`` at a time). After a worker fails, none is used for
    ``cool_down`` s (bodies are checked in-thread meanwhile)."""

    def __init__(self, processes: int, *, cool_down: float = COOL_DOWN, fast: bool = True):
        if processes < 1:
            raise ValueError("offload_processes must be at least 1")
        self.processes = processes
        self.fast = fast  # try `fast_examine` in the calling thread first
        self.cool_down = cool_down
        self._lock = threading.Lock()
        self._idle: list[_Worker] = []
        self._all: set[_Worker] = set()
        self._resume_at = 0.0
        self._finalizer = weakref.finalize(self, _stop, self._all)  # also at interpreter exit

    def prestart(self) -> None:
        """Start a worker now (a large body is arriving) unless one is idle or all are started.

        Not with ``fast``: most big bodies then need no worker, and starting one (an interpreter and
        this package, ~0.3 s of CPU) would slow the in-place check down; `run` starts it when needed."""
        if self.fast:
            return
        with self._lock:
            if not self._idle and len(self._all) < self.processes and time.monotonic() >= self._resume_at:
                self._spawn()  # a failure shows in the next `run`

    def run(self, body: bytes, schema: str, application_id: str) -> Examined | None:
        """The worker's verdict on ``body``; None when no worker could give one (use the in-thread path).

        A worker that could not examine one body (its reply says failed) is kept; one that broke
        (died, or answered garbage) is ended and none is used for ``cool_down`` s. With ``fast``, a
        body `fast_examine` accepts gets its verdict here, without a worker."""
        if self.fast:
            try:
                quick = fast_examine(body, schema, application_id)
            except Exception as error:  # a bug here must not refuse a body: the worker decides
                _log.warning("the in-place check failed (%s): the body goes to a worker", type(error).__name__)
                quick = None
            if quick is not None:
                return Examined(quick)
        with self._lock:
            if time.monotonic() < self._resume_at:
                return None
            if self._idle:
                worker = self._idle.pop()
            elif len(self._all) < self.processes:
                spawned = self._spawn(idle=False)
                if spawned is None:
                    return None
                worker = spawned
            else:
                return None
        try:
            reply = worker.call(body, schema, application_id)
        except (OSError, EOFError, ValueError):
            with self._lock:
                self._all.discard(worker)
                self._resume_at = time.monotonic() + self.cool_down
            _stop({worker}, timeout=0.5)
            return None
        with self._lock:
            if worker in self._all:
                self._idle.append(worker)
        return None if reply is None else Examined(reply)

    def close(self) -> None:
        """End every worker (they are started again when needed)."""
        with self._lock:
            workers = set(self._all)
            self._all.clear()
            self._idle.clear()
        _stop(workers)

    def __len__(self) -> int:
        return len(self._all)

    def _spawn(self, *, idle: bool = True) -> _Worker | None:
        try:
            worker = _Worker()
        except OSError:  # no interpreter to start (embedded Python, ...): in-thread for a while
            self._resume_at = time.monotonic() + self.cool_down
            return None
        self._all.add(worker)
        if idle:
            self._idle.append(worker)
        return worker
