"""Which callback URLs an invocation may name: the app sends its callback token there."""

from __future__ import annotations

import ipaddress
import logging
import socket
from collections.abc import Iterable
from dataclasses import dataclass, field
from urllib.parse import SplitResult, urlsplit

import anyio

__all__ = ["CallbackPolicy"]

_log = logging.getLogger("sectra_dpat_client.app")

_NOT_ALLOWED = "names a host that is not allowed to receive the callback token"
_MAX_VERDICTS = 1024  # verdicts kept, each for a URL of at most _MAX_KEPT_URL characters
_MAX_KEPT_URL = 2048


@dataclass(frozen=True, slots=True)
class CallbackPolicy:
    """The allowlist for an invocation's ``callbackInfo.url``.

    A forged invocation could otherwise make the app send the callback token, and the slide data
    it reads, to any host. A URL passes when its scheme is allowed and its host is

    * one of ``hosts`` (``"pacs.example"``, ``"10.1.2.3"``, ``"[::1]"``, or with a port,
      ``"pacs.example:443"``), or
    * with ``allow_peer`` set, the address the invocation came from, written as that address or
      as a name that resolves to it (``resolve_names``).

    Any URL with a query string or fragment (API paths are appended to it), non-ASCII characters
    (such as full-width digits), spaces or control characters (a raw CRLF) is refused: 403.

    Behind a reverse proxy the peer is the proxy: list the DPAT hosts and set ``allow_peer=False``.
    """

    hosts: tuple[str, ...] = ()
    allow_peer: bool = True
    resolve_names: bool = True
    schemes: tuple[str, ...] = ("https", "http")
    resolve_timeout: float = 2.0
    _entries: frozenset[tuple[str, int | None]] = field(init=False, repr=False, compare=False)
    # (url, peer) -> verdict, for verdicts that consulted no DNS (the same every time); DNS ones are not kept
    _verdicts: dict[tuple[str, str | None], str | None] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "hosts", tuple(self.hosts))
        object.__setattr__(self, "schemes", tuple(s.lower() for s in self.schemes))
        object.__setattr__(self, "_entries", frozenset(_parse_entry(entry) for entry in self.hosts))
        object.__setattr__(self, "_verdicts", {})

    @classmethod
    def of(cls, hosts: Iterable[str] = (), *, allow_peer: bool = True) -> CallbackPolicy:
        """A policy allowing ``hosts`` (and the peer unless ``allow_peer`` is false)."""
        return cls(hosts=tuple(hosts), allow_peer=allow_peer)

    async def refusal(self, url: str, peer: str | None) -> str | None:
        """Why ``url`` may not be called back (a message without the URL), or None when it may."""
        key = (url, peer)
        if key in self._verdicts:
            return self._verdicts[key]
        verdict, resolved = await self._judge(url, peer)
        if not resolved and len(url) <= _MAX_KEPT_URL:
            if len(self._verdicts) >= _MAX_VERDICTS:
                self._verdicts.clear()
            self._verdicts[key] = verdict
        return verdict

    async def _judge(self, url: str, peer: str | None) -> tuple[str | None, bool]:
        """`refusal`'s verdict, and whether it consulted DNS (then it may differ next time)."""
        if not url.isascii() or not url.isprintable() or any(c.isspace() for c in url):
            return "must be printable ASCII without spaces or control characters", False
        try:
            parts = urlsplit(url)
            port = parts.port
        except ValueError:
            return "is not a valid URL", False
        if parts.query or parts.fragment or "?" in url or "#" in url:
            return "must not carry a query string or fragment (API paths are appended to it)", False
        if parts.scheme.lower() not in self.schemes:
            return f"must use one of the schemes {list(self.schemes)}", False
        if parts.username is not None or parts.password is not None:
            return "must not carry credentials", False
        host = _normalise_host(parts)
        if not host:
            return "has no host", False
        if (host, None) in self._entries or (host, port or _default_port(parts.scheme)) in self._entries:
            return None, False
        if not self.allow_peer or not peer:
            return _NOT_ALLOWED, False
        peer = _normalise(peer)
        if _same_address(host, peer):
            return None, False
        if not self.resolve_names or _is_ip(host):
            return _NOT_ALLOWED, False
        return (None if await self._resolves_to(host, peer) else _NOT_ALLOWED), True

    async def _resolves_to(self, host: str, peer: str) -> bool:
        try:
            with anyio.fail_after(self.resolve_timeout):
                infos = await anyio.getaddrinfo(host, None, type=socket.SOCK_STREAM)
        except (OSError, TimeoutError):
            _log.info("callback host name did not resolve; refusing it")
            return False
        return any(_same_address(str(info[4][0]), peer) for info in infos)


def _parse_entry(entry: str) -> tuple[str, int | None]:
    if _is_ip(entry.strip()):
        return _normalise(entry), None  # a bare IPv6 address has colons but no port
    parts = urlsplit(entry if "//" in entry else f"//{entry}")
    try:
        port = parts.port
    except ValueError as error:
        raise ValueError(f"callback host entry {entry!r} has an invalid port") from error
    host = _normalise_host(parts)
    if not host:
        raise ValueError(f"callback host entry {entry!r} names no host")
    return host, port


def _normalise_host(parts: SplitResult) -> str:
    return _normalise(parts.hostname or "")


def _normalise(host: str) -> str:
    host = host.strip().strip("[]").rstrip(".").lower()
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return host
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return str(address.ipv4_mapped)
    return str(address)


def _is_ip(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True


def _same_address(a: str, b: str) -> bool:
    return _normalise(a) == _normalise(b)


def _default_port(scheme: str) -> int | None:
    return {"https": 443, "http": 80}.get(scheme.lower())
