"""Keep patient data and secrets out of logs: URLs reduced to path templates, query values masked.

httpx logs every request at INFO with its full URL, and IA-API and QIDO-RS URLs carry slide ids,
accession numbers, study UIDs and patient-name filters. `install_log_redaction` puts a filter on the
``httpx`` and ``httpcore`` loggers that rewrites those URLs before any handler sees them.
"""

from __future__ import annotations

import logging
import re
from functools import cache
from urllib.parse import parse_qsl, urlsplit

from sectra_dpat_client._generated import dpat_spec

__all__ = ["MASK", "RedactingFilter", "install_log_redaction", "redact_text", "redact_url"]

MASK = "***"

# Query parameters whose values are never patient data or secrets.
_SAFE_QUERY_KEYS = frozenset(
    {"scope", "includePHI", "limit", "offset", "fuzzymatching", "includefield", "opticalPath", "channels", "appId",
     "applicationId", "grant_type"}
)  # fmt: skip
# QIDO-RS resource paths: every UID segment is replaced.
_QIDO_SEGMENT = re.compile(r"/(studies|series|instances)/[^/?#]+")
_BEARER = re.compile(r"(?i)\b(bearer|basic)\s+[A-Za-z0-9._~+/=-]+")
_SECRET_PAIR = re.compile(r"(?i)\b(access_token|token|password|sessionToken)=([^&\s\"']+)")


@cache
def _templates() -> tuple[tuple[re.Pattern[str], str], ...]:
    """The spec's path templates as regexes anchored at the path's end, longest first."""
    compiled = []
    for template in dpat_spec.ia_api()["paths"]:
        pattern = re.escape(template)
        pattern = re.sub(r"\\\{[^}]+\\\}", "[^/]+", pattern)
        compiled.append((re.compile(f"{pattern}$"), template))
    compiled.sort(key=lambda item: len(item[1]), reverse=True)
    return tuple(compiled)


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
    else:
        path = _QIDO_SEGMENT.sub(lambda m: f"/{m.group(1)}/{{uid}}", path)
    query = "&".join(
        f"{key}={value if key in _SAFE_QUERY_KEYS else MASK}" for key, value in parse_qsl(parts.query, True)
    )
    netloc = parts.netloc.rsplit("@", 1)[-1]  # never user:password@
    rebuilt = f"{parts.scheme}://{netloc}{path}" if parts.scheme else path
    return f"{rebuilt}?{query}" if query else rebuilt


def redact_text(text: str) -> str:
    """``text`` with Authorization values and ``token=``/``password=`` pairs masked."""
    text = _BEARER.sub(lambda m: f"{m.group(1)} {MASK}", text)
    return _SECRET_PAIR.sub(lambda m: f"{m.group(1)}={MASK}", text)


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
        return arg


_FILTER = RedactingFilter()


def install_log_redaction(*logger_names: str) -> None:
    """Attach the redacting filter to httpx's and httpcore's loggers (and any named); idempotent."""
    for name in ("httpx", "httpcore.http11", "httpcore.connection", "httpcore.http2", *logger_names):
        logger = logging.getLogger(name)
        if _FILTER not in logger.filters:
            logger.addFilter(_FILTER)
