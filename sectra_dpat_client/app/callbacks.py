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

    def __post_init__(self) -> None:
        object.__setattr__(self, "hosts", tuple(self.hosts))
        object.__setattr__(self, "schemes", tuple(s.lower() for s in self.schemes))
        object.__setattr__(self, "_entries", frozenset(_parse_entry(entry) for entry in self.hosts))

    @classmethod
    def of(cls, hosts: Iterable[str] = (), *, allow_peer: bool = True) -> CallbackPolicy:
        """A policy allowing ``hosts`` (and the peer unless ``allow_peer`` is false)."""
        return cls(hosts=tuple(hosts), allow_peer=allow_peer)

    async def refusal(self, url: str, peer: str | None) -> str | None:
        """Why ``url`` may not be called back (a message without the URL), or None when it may."""
        if not url.isascii() or not url.isprintable() or any(c.isspace() for c in url):
            return "must be printable ASCII without spaces or control characters"
        try:
            parts = urlsplit(url)
            port = parts.port
        except ValueError:
            return "is not a valid URL"
        if parts.query or parts.fragment or "?" in url or "#" in url:
            return "must not carry a query string or fragment (API paths are appended to it)"
        if parts.scheme.lower() not in self.schemes:
            return f"must use one of the schemes {list(self.schemes)}"
        if parts.username is not None or parts.password is not None:
            return "must not carry credentials"
        host = _normalise_host(parts)
        if not host:
            return "has no host"
        if (host, None) in self._entries or (host, port or _default_port(parts.scheme)) in self._entries:
            return None
        if self.allow_peer and peer and await self._is_peer(host, _normalise(peer)):
            return None
        return "names a host that is not allowed to receive the callback token"

    async def _is_peer(self, host: str, peer: str) -> bool:
        if _same_address(host, peer):
            return True
        if not self.resolve_names or _is_ip(host):
            return False
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
