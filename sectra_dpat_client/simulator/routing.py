"""Route IA-API requests by the spec's path templates, on the raw (still percent-encoded) path.

Clients percent-encode path parameters (a slide id may contain ``/``, ``?``, ``%`` …), and ASGI
servers decode ``%2F`` into ``scope["path"]``; so matching works on ``scope["raw_path"]``, segment by
segment, and decodes each parameter only after the match.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from typing import Any
from urllib.parse import unquote

from sectra_dpat_client._generated import dpat_spec

__all__ = ["Match", "Operation", "api_version_tuple", "match_route", "operations"]

_PARAM = re.compile(r"\{([A-Za-z][A-Za-z0-9]*)\}")


def api_version_tuple(version: str) -> tuple[int, int]:
    """``"1.10"`` → ``(1, 10)``; raises ValueError on anything else."""
    major, minor = version.split(".")
    if not (major.isdigit() and minor.isdigit()):
        raise ValueError(f"not an IA-API version: {version!r}")
    return int(major), int(minor)


@dataclass(frozen=True, slots=True)
class Operation:
    """One DPAT-side operation of the spec."""

    method: str
    template: str
    operation_id: str
    since: tuple[int, int]
    auth: str  # "bearer", "basic" or "none"
    segments: tuple[re.Pattern[str] | str, ...]
    literal_weight: int


def _segment_pattern(segment: str) -> re.Pattern[str] | str:
    if not _PARAM.search(segment):
        return segment
    names = _PARAM.findall(segment)
    if segment == "{" + names[0] + "}":
        return re.compile(rf"(?P<{names[0]}>[^/]+)")
    parts: list[str] = []
    last = 0
    for m in _PARAM.finditer(segment):
        parts.append(re.escape(segment[last : m.start()]))
        # the slide id before "_files" may contain "_" and "."; the tile coordinates may not
        body = ".+" if segment[m.end() :].startswith("_files") else "[^/_.]+"
        parts.append(rf"(?P<{m.group(1)}>{body})")
        last = m.end()
    parts.append(re.escape(segment[last:]))
    return re.compile("".join(parts))


def _auth(operation: Mapping[str, Any]) -> str:
    security = operation.get("security")
    if security is None:
        return "bearer"
    if not security:
        return "none"
    return "basic" if any("basicAuth" in s for s in security) else "bearer"


@cache
def operations() -> tuple[Operation, ...]:
    """Every operation under the spec's ``paths``, most literal templates first."""
    found: list[Operation] = []
    for template, item in dpat_spec.ia_api()["paths"].items():
        for method, operation in item.items():
            if method not in ("get", "put", "post", "delete", "patch"):
                continue
            segments = tuple(_segment_pattern(s) for s in _split(template))
            weight = len(_PARAM.sub("", template))
            found.append(
                Operation(
                    method.upper(),
                    template,
                    operation["operationId"],
                    api_version_tuple(operation["x-ia-api-since"]),
                    _auth(operation),
                    segments,
                    weight,
                )
            )
    found.sort(key=lambda op: -op.literal_weight)
    return tuple(found)


@dataclass(frozen=True, slots=True)
class Match:
    """The operations whose template matches a path (one per method) and the decoded parameters."""

    by_method: Mapping[str, tuple[Operation, dict[str, str]]]
    template: str


def _match_segments(op: Operation, raw_segments: list[str]) -> dict[str, str] | None:
    if len(op.segments) != len(raw_segments):
        return None
    params: dict[str, str] = {}
    for pattern, raw in zip(op.segments, raw_segments, strict=True):
        if isinstance(pattern, str):
            if unquote(raw) != pattern:
                return None
            continue
        m = pattern.fullmatch(raw)
        if m is None:
            return None
        for name, value in m.groupdict().items():
            params[name] = unquote(value, errors="strict")
    return params


def match_route(raw_path: str) -> Match | None:
    """Match a raw path relative to the IA-API base (``/slides/abc%2Fdef/info``); a trailing slash is optional."""
    raw_segments = _split(raw_path)
    for op in operations():
        try:
            params = _match_segments(op, raw_segments)
        except UnicodeDecodeError:
            continue
        if params is not None:
            siblings = {o.method: (o, params) for o in operations() if o.template == op.template}
            return Match(siblings, op.template)
    return None


def _split(path: str) -> list[str]:
    """Path segments, ignoring one trailing slash (``/results/`` is ``/results``)."""
    if path.endswith("/"):
        path = path[:-1]
    return path[1:].split("/") if path.startswith("/") else path.split("/")
