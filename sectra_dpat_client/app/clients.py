"""IA-API clients shared by the invocations that call back the same URL with the same token.

Building an `AsyncDPATAIClient` and reading the server's ``/info`` costs more than answering a
small invocation, so the default `AnalysisApp` keeps one client per (callback URL, token) for at
most ``ttl`` seconds (a token's lifetime is not known; DPAT sends a fresh one when it renews), at
most ``max_clients`` of them, and the server version per callback URL, so that a client for a new
token does not read ``/info`` again.
"""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Callable
from typing import Any

from ..models import ApplicationInfo

__all__ = ["ClientPool"]

_MAX_VERSIONS = 1024  # server versions remembered, one per callback URL


class _Entry:
    __slots__ = ("client", "expires", "users")

    def __init__(self, client: Any, expires: float):
        self.client = client
        self.expires = expires
        self.users = 0


class ClientPool:
    """``get(url, token=..., app_id=...)`` (a client factory) and ``await release(client)`` per use."""

    def __init__(self, factory: Callable[..., Any], *, max_clients: int = 32, ttl: float = 300.0):
        self._factory = factory
        self._max = max_clients
        self._ttl = ttl
        self._entries: OrderedDict[tuple[str, str, str], _Entry] = OrderedDict()
        self._by_client: dict[int, tuple[tuple[str, str, str], _Entry]] = {}
        self._retired: list[_Entry] = []
        self._versions: dict[str, str] = {}

    def get(self, url: str, *, token: str, app_id: str) -> Any:
        """The shared client for ``url`` and ``token`` (made on first use); pair it with `release`."""
        key = (url, token, app_id)
        now = time.monotonic()
        entry = self._entries.get(key)
        if entry is not None and entry.expires <= now:
            self._retire(key)
            entry = None
        if entry is None:
            client = self._factory(url, token=token, app_id=app_id)
            version = self._versions.get(url)
            if version is not None:
                _seed_version(client, version)
            entry = _Entry(client, now + self._ttl)
            self._entries[key] = entry
            self._by_client[id(client)] = (key, entry)
            while len(self._entries) > self._max:
                self._retire(next(iter(self._entries)))
        self._entries.move_to_end(key)
        entry.users += 1
        return entry.client

    async def release(self, client: Any) -> None:
        """One use of ``client`` ended; clients retired meanwhile close once nobody uses them."""
        found = self._by_client.get(id(client))
        if found is not None:
            key, entry = found
            entry.users -= 1
            version = getattr(client, "server_api_version", None)
            if isinstance(version, str) and self._versions.get(key[0]) != version:
                if len(self._versions) >= _MAX_VERSIONS:
                    self._versions.clear()  # many callback URLs (paths vary freely): bounded, re-read later
                self._versions[key[0]] = version
        await self._close_retired()

    async def aclose(self) -> None:
        """Close every client (at the app's shutdown)."""
        for key in list(self._entries):
            self._retire(key)
        for entry in self._retired:
            entry.users = 0
        await self._close_retired()

    def __len__(self) -> int:
        return len(self._entries)

    def _retire(self, key: tuple[str, str, str]) -> None:
        entry = self._entries.pop(key)
        self._retired.append(entry)

    async def _close_retired(self) -> None:
        idle = [entry for entry in self._retired if entry.users <= 0]
        if not idle:
            return
        self._retired = [entry for entry in self._retired if entry.users > 0]
        for entry in idle:
            self._by_client.pop(id(entry.client), None)
            await _close(entry.client)


async def _close(client: Any) -> None:
    aclose = getattr(client, "aclose", None)
    await (aclose() if aclose is not None else client.close())


def _seed_version(client: Any, version: str) -> None:
    """Tell a new client the server version its URL reported before (it skips the ``/info`` read)."""
    remember = getattr(client, "_remember", None)
    if remember is not None:
        remember(ApplicationInfo.from_dict({"apiVersion": version, "softwareVersion": ""}))
