"""Keep patient data and secrets out of logs: URLs reduced to path templates, query values masked.

httpx logs every request at INFO with its full URL, and IA-API and QIDO-RS URLs carry slide ids,
accession numbers, study UIDs and patient-name filters. `install_log_redaction` puts a filter on the
``httpx`` and ``httpcore`` loggers that rewrites those URLs before any handler sees them.

This module knows no endpoint: each client family hands its path templates over with
`add_path_templates` and the query parameters whose values may be shown with `add_safe_query_keys`
(the IA-API ones from the spec reader ``sectra_dpat_client.wsi.paths``, which the IA-API clients use,
the DICOMweb ones from ``sectra_dpat_client.qido``). A path matching no template keeps only its safe
shape; the values of every other query parameter are masked whatever the path.
"""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Callable, Iterable, Mapping
from urllib.parse import parse_qsl, urlsplit

__all__ = [
    "MASK",
    "RedactingFilter",
    "add_path_templates",
    "add_safe_query_keys",
    "install_log_redaction",
    "redact_text",
    "redact_url",
]

MASK = "***"

# Query parameters whose values are never patient data or secrets, as handed over by `add_safe_query_keys`.
_SAFE_QUERY_KEYS: list[frozenset[str]] = [frozenset()]
_BEARER = re.compile(r"(?i)\b(bearer|basic)\s+[A-Za-z0-9._~+/=-]+")
# Cookie values: ``Set-Cookie: sid=v`` / ``Cookie: a=v; b=w`` lines and httpcore's ``(b'Set-Cookie', b'sid=v')`` tuples.
_COOKIE = re.compile(r"""(?i)(\b(?:set-)?cookie2?\b(?:\s*:\s*|['"],\s*b?['"]))([^'"\r\n]*)""")
# A key ending in token/password/secret/api key (``sessionToken``, ``refresh_token``, ``SECTRA_DPAT_PASSWORD``,
# ``client_secret``), quoted or not, then ``=`` or ``:`` (query strings, JSON, dict reprs, environment dumps).
_SECRET_PAIR = re.compile(
    r"""(?i)(["']?)\b([\w-]*?(?:token|password|passwd|secret|api_?key))\b\1(\s*[=:]\s*)(["']?)([^&\s"',;}\]]+)"""
)


_SOURCES: list[Callable[[], Iterable[str]]] = []
_COMPILED: list[tuple[tuple[re.Pattern[str], str], ...]] = [()]
_SOURCES_LOCK = threading.Lock()


def add_path_templates(source: Callable[[], Iterable[str]]) -> None:
    """Register path templates (``/slides/{slideId}/info``) whose ``{name}`` segments are hidden in logs.

    ``source`` is called once, on the first redaction after it was added, so that registering at import
    costs nothing. Templates are matched at the end of a URL's path, longest first.
    """
    with _SOURCES_LOCK:
        if source not in _SOURCES:
            _SOURCES.append(source)
            _COMPILED[0] = ()


def add_safe_query_keys(keys: Iterable[str]) -> None:
    """Register query parameter names whose values are never patient data or secrets (shown in logs, not masked)."""
    with _SOURCES_LOCK:
        _SAFE_QUERY_KEYS[0] = _SAFE_QUERY_KEYS[0] | frozenset(keys)


def _templates() -> tuple[tuple[re.Pattern[str], str], ...]:
    """The registered templates as regexes anchored at the path's end, longest first."""
    compiled = _COMPILED[0]
    if compiled or not _SOURCES:
        return compiled
    with _SOURCES_LOCK:
        table = []
        for source in _SOURCES:
            for template in source():
                pattern = re.sub(r"\\\{[^}]+\\\}", "[^/]+", re.escape(template))
                table.append((re.compile(f"{pattern}$"), template))
        table.sort(key=lambda item: len(item[1]), reverse=True)
        compiled = _COMPILED[0] = tuple(table)
    return compiled


def redact_url(url: object) -> str:
    """``url`` with IA-API path parameters shown as their template names and query values masked."""
    text = str(url)
    parts = urlsplit(text)
    path = parts.path
    for regex, template in _templates():
        match = regex.search(path)
        if match:
            path = path[: match.start()] + template
            break
    safe = _SAFE_QUERY_KEYS[0]
    query = "&".join(f"{key}={value if key in safe else MASK}" for key, value in parse_qsl(parts.query, True))
    netloc = parts.netloc.rsplit("@", 1)[-1]  # never user:password@
    rebuilt = f"{parts.scheme}://{netloc}{path}" if parts.scheme else path
    return f"{rebuilt}?{query}" if query else rebuilt


def redact_text(text: str) -> str:
    """``text`` with Authorization and cookie values and token/password/secret values (``key=v``, ``"key": "v"``)
    masked."""
    text = _BEARER.sub(lambda m: f"{m.group(1)} {MASK}", text)
    text = _COOKIE.sub(lambda m: f"{m[1]}{MASK}", text)
    return _SECRET_PAIR.sub(lambda m: f"{m[1]}{m[2]}{m[1]}{m[3]}{m[4]}{MASK}", text)


class RedactingFilter(logging.Filter):
    """Rewrites URLs and secrets in a record's arguments (and message) before it is emitted."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple):
            record.args = tuple(self._clean(arg) for arg in record.args)
        elif isinstance(record.args, dict):
            record.args = {key: self._clean(value) for key, value in record.args.items()}
        if isinstance(record.msg, str):
            record.msg = redact_text(record.msg)
        return True

    @staticmethod
    def _clean(arg: object) -> object:
        if type(arg).__name__ == "URL" or (isinstance(arg, str) and "://" in arg):
            return redact_url(arg)
        if isinstance(arg, str | bytes):
            text = arg.decode("latin-1") if isinstance(arg, bytes) else arg
            cleaned = redact_text(text)
            return arg if cleaned == text else cleaned
        if isinstance(arg, list | tuple):
            return type(arg)(RedactingFilter._clean(item) for item in arg)
        if isinstance(arg, BaseException | Mapping):  # logged as their text, which may hold a secret
            text = str(arg)
            cleaned = redact_text(text)
            return arg if cleaned == text else cleaned
        return arg


_FILTER = RedactingFilter()


def install_log_redaction(*logger_names: str) -> None:
    """Attach the redacting filter to httpx's and httpcore's loggers (and any named); idempotent."""
    for name in ("httpx", "httpcore.http11", "httpcore.connection", "httpcore.http2", *logger_names):
        logger = logging.getLogger(name)
        if _FILTER not in logger.filters:
            logger.addFilter(_FILTER)
