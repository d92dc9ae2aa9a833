"""Replayed invocations: one identical to a running or recently answered one gets the first one's answer.

The spec gives an invocation no id of its own, so the key is the invocation itself: a digest of its
whole body (``action``, ``applicationId``, ``slideId``, ``cancellationToken``, ``context``,
``input``, ``callbackInfo.url``, and ``imageInfo`` for notifications) with the callback *token* left
out, since a retry may carry a fresh token. Memory is bounded by entry count and answer bytes.
"""

from __future__ import annotations

import asyncio
import hashlib
import time
from collections import OrderedDict
from typing import Any

import orjson

__all__ = ["RAW_KEY_BYTES", "ReplayCache", "raw_key_at", "replay_key", "token_member"]


RAW_KEY_BYTES = 256 * 1024  # bodies over this size are keyed by their bytes (token blanked), not re-serialized


def replay_key(payload: dict[str, Any], body: bytes | None = None) -> str:
    """The digest identifying ``payload`` (a validated invocation or notification), token excluded.

    Given its ``body`` (over ``RAW_KEY_BYTES``), the digest is of those bytes with the callback token's
    one ``"token":"..."`` member blanked: no re-serialization of a 1M-point input, and hashing runs
    without the GIL. Identical bodies still share the key and bodies differing only in the token too;
    a big body that differs only in key order or spacing gets another key (it runs again). When the
    token's member is not found exactly once as compact JSON, the canonical digest is used. A payload
    too deep to re-serialize is keyed by its body (token blanked when found, else the whole body)."""
    if body is not None and len(body) > RAW_KEY_BYTES:
        raw = _raw_key(payload, body)
        if raw is not None:
            return raw
    callback = payload.get("callbackInfo")
    keyed = {**payload, "callbackInfo": {"url": callback.get("url")} if isinstance(callback, dict) else None}
    try:
        canonical = orjson.dumps(keyed, option=orjson.OPT_SORT_KEYS)
    except TypeError:  # nested beyond what orjson writes (e.g. a free-form ``input`` member): key the bytes
        if body is None:
            raise
        return _raw_key(payload, body) or hashlib.blake2b(b"body\0" + body, digest_size=20).hexdigest()
    return hashlib.blake2b(canonical, digest_size=20).hexdigest()


def _raw_key(payload: dict[str, Any], body: bytes) -> str | None:
    member = token_member(payload)
    if member is None or body.count(member) != 1:
        return None  # spaced, escaped, or the same member elsewhere (context): the canonical form decides
    return raw_key_at(body, body.index(member), len(member))


def token_member(payload: dict[str, Any]) -> bytes | None:
    """The callback token's member as compact JSON (``"token":"..."``), None without a string token."""
    callback = payload.get("callbackInfo")
    token = callback.get("token") if isinstance(callback, dict) else None
    return b'"token":' + orjson.dumps(token) if isinstance(token, str) else None


def raw_key_at(body: bytes, start: int, length: int) -> str:
    """The raw-bytes key of ``body`` whose token member is the ``length`` bytes at ``start``."""
    view = memoryview(body)
    digest = hashlib.sha256(b"raw\0")  # SHA-256 runs ~2x faster than BLAKE2b where the CPU has SHA instructions
    digest.update(view[:start])
    digest.update(b'"token":""')
    digest.update(view[start + length :])
    return digest.hexdigest()[:40]


class ReplayCache:
    """Answers by key: a running one (its reply future) or a finished one (its body) kept ``window`` s.

    Only successful answers are kept after the job ends: a failed or cancelled invocation may be retried.
    """

    def __init__(self, *, window: float, entries: int = 512, max_bytes: int = 64 * 1024 * 1024):
        self.window = window
        self.entries = entries
        self.max_bytes = max_bytes
        self._running: dict[str, asyncio.Future[Any]] = {}
        self._done: OrderedDict[str, tuple[float, bytes]] = OrderedDict()
        self._bytes = 0

    def lookup(self, key: str) -> asyncio.Future[Any] | bytes | None:
        """The running reply future, the kept answer (JSON bytes), or None."""
        running = self._running.get(key)
        if running is not None:
            return running
        kept = self._done.get(key)
        if kept is None:
            return None
        if kept[0] < time.monotonic():
            self._drop(key)
            return None
        return kept[1]

    def track(self, key: str, reply: asyncio.Future[Any]) -> None:
        """Answer replays of ``key`` from ``reply`` while it runs, and from its result afterwards."""
        if self.window <= 0:
            return
        self._running[key] = reply
        reply.add_done_callback(lambda done: self._settle(key, done))

    def __len__(self) -> int:
        return len(self._running) + len(self._done)

    def _settle(self, key: str, reply: asyncio.Future[Any]) -> None:
        if self._running.get(key) is reply:
            del self._running[key]
        if reply.cancelled() or reply.exception() is not None:
            return
        try:
            body = orjson.dumps(reply.result())
        except TypeError:
            return
        if len(body) > self.max_bytes // 4:
            return  # too big to keep: a replay runs again
        self._drop(key)
        self._done[key] = (time.monotonic() + self.window, body)
        self._bytes += len(body)
        while self._done and (len(self._done) > self.entries or self._bytes > self.max_bytes):
            self._drop(next(iter(self._done)))

    def _drop(self, key: str) -> None:
        kept = self._done.pop(key, None)
        if kept is not None:
            self._bytes -= len(kept[1])
