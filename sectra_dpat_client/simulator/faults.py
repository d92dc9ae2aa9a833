"""Fault injection and the request log of the simulator.

A fault applies to requests whose operation matches a *route* (an operationId such as
``getSlideFiles``, a path template of the spec such as ``/slides/{slideId}/files``, or ``*``) and
a method (``*`` for any). Faults with ``times`` fire that many times, then disappear.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime
from email.utils import format_datetime
from enum import Enum

__all__ = ["Fault", "FaultKind", "FaultPlan", "RequestLog", "RequestRecord"]


class FaultKind(Enum):
    """What a fault does."""

    LATENCY = "latency"
    STATUS = "status"
    DROP_CONNECTION = "drop_connection"
    TRUNCATE_MULTIPART = "truncate_multipart"
    MALFORMED_JSON = "malformed_json"


@dataclass(frozen=True, slots=True)
class Fault:
    """One armed fault; ``times`` is how often it still fires (``None``: every time)."""

    kind: FaultKind
    route: str = "*"
    method: str = "*"
    times: int | None = 1
    seconds: float = 0.0
    status: int = 503
    retry_after: str | None = None
    after_bytes: int = 0

    def matches(self, method: str, operation_id: str | None, template: str | None) -> bool:
        """Whether the fault applies to this request."""
        if self.method not in ("*", method.upper()):
            return False
        return self.route == "*" or self.route in (operation_id, template)


def _retry_after(value: float | datetime | str | None) -> str | None:
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, datetime):
        return format_datetime(value, usegmt=True)
    return str(round(value)) if float(value).is_integer() else str(value)


class FaultPlan:
    """The faults armed on a simulator; thread-safe."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._faults: list[Fault] = []

    def add(self, fault: Fault) -> Fault:
        """Arm a fault."""
        if fault.times is not None and fault.times < 1:
            raise ValueError("times must be at least 1 (or None for always)")
        with self._lock:
            self._faults.append(fault)
        return fault

    def latency(self, route: str, seconds: float, *, method: str = "*", times: int | None = None) -> Fault:
        """Delay the answer by ``seconds``."""
        return self.add(Fault(FaultKind.LATENCY, route, method.upper(), times, seconds=seconds))

    def fail(
        self,
        route: str,
        status: int = 503,
        *,
        times: int | None = 1,
        retry_after: float | datetime | str | None = None,
        method: str = "*",
    ) -> Fault:
        """Answer ``status`` (e.g. 503 or 429) ``times`` times, with ``Retry-After`` (seconds or HTTP date) if given."""
        if not 400 <= status <= 599:
            raise ValueError("a failure status must be 4xx or 5xx")
        fault = Fault(
            FaultKind.STATUS, route, method.upper(), times, status=status, retry_after=_retry_after(retry_after)
        )
        return self.add(fault)

    def drop_connection(
        self, route: str, *, after_bytes: int = 1024, times: int | None = 1, method: str = "*"
    ) -> Fault:
        """Send the headers and ``after_bytes`` of the body (always short of the whole), then close the connection."""
        return self.add(Fault(FaultKind.DROP_CONNECTION, route, method.upper(), times, after_bytes=after_bytes))

    def truncate_multipart(
        self, route: str = "getSlideFiles", *, after_bytes: int = 1024, times: int | None = 1
    ) -> Fault:
        """End a multipart body cleanly but early: no closing delimiter (no Content-Length either)."""
        return self.add(Fault(FaultKind.TRUNCATE_MULTIPART, route, "GET", times, after_bytes=after_bytes))

    def malformed_json(self, route: str, *, times: int | None = 1, method: str = "*") -> Fault:
        """Answer 200 with a JSON content type and a body that is not JSON."""
        return self.add(Fault(FaultKind.MALFORMED_JSON, route, method.upper(), times))

    def clear(self) -> None:
        """Disarm every fault."""
        with self._lock:
            self._faults.clear()

    @property
    def armed(self) -> list[Fault]:
        """The faults still armed."""
        with self._lock:
            return list(self._faults)

    def take(self, method: str, operation_id: str | None, template: str | None) -> list[Fault]:
        """The faults that fire for this request (latencies first, then at most one other), counting them down."""
        fired: list[Fault] = []
        other_taken = False
        with self._lock:
            for i, fault in enumerate(self._faults):
                if not fault.matches(method, operation_id, template):
                    continue
                if fault.kind is not FaultKind.LATENCY:
                    if other_taken:
                        continue
                    other_taken = True
                fired.append(fault)
                if fault.times is not None:
                    self._faults[i] = replace(fault, times=fault.times - 1)
            self._faults = [f for f in self._faults if f.times is None or f.times > 0]
        fired.sort(key=lambda f: f.kind is not FaultKind.LATENCY)
        return fired


@dataclass(frozen=True, slots=True)
class RequestRecord:
    """One request the simulator saw. No Authorization header, no body; the path and query (which may hold
    an accession number or a session token) stay out of ``repr``."""

    method: str
    path: str = field(repr=False)
    operation_id: str | None = None
    template: str | None = None
    query: Mapping[str, str] = field(default_factory=dict, repr=False)
    sectra_headers: Mapping[str, str] = field(default_factory=dict)
    status: int | None = None


class RequestLog:
    """Every request the simulator saw, in order; thread-safe."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._records: list[RequestRecord] = []

    def append(self, record: RequestRecord) -> None:
        """Record a request."""
        with self._lock:
            self._records.append(record)

    @property
    def records(self) -> list[RequestRecord]:
        """A copy of the records."""
        with self._lock:
            return list(self._records)

    def count(self, route: str = "*", method: str = "*") -> int:
        """How many requests matched ``route`` (operationId, path template or ``*``) and ``method``."""
        probe = Fault(FaultKind.LATENCY, route, method.upper())
        return sum(1 for r in self.records if probe.matches(r.method, r.operation_id, r.template))

    def clear(self) -> None:
        """Forget every record."""
        with self._lock:
            self._records.clear()
