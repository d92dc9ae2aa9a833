"""Checks every inbound DPAT call passes before a handler sees it: secret, size, JSON, schema, ids."""

from __future__ import annotations

import hmac
from typing import Any

import orjson
from starlette.requests import Request

from ..errors import ValidationFault
from ..validate import iter_faults
from .replies import InvocationError

__all__ = ["check_shared_secret", "read_json_body", "require_valid"]

_JSON_TYPES = ("application/json",)


def check_shared_secret(request: Request, header: str, secret: str | None) -> None:
    """401 unless ``header`` carries ``secret`` (no check when ``secret`` is None)."""
    if secret is None:
        return
    given = request.headers.get(header, "")
    if not hmac.compare_digest(given.encode("utf-8"), secret.encode("utf-8")):
        raise InvocationError(f"missing or wrong {header} header", status_code=401)


async def read_json_body(request: Request, limit: int) -> Any:
    """The request's JSON body: 413 beyond ``limit`` bytes, 415 for a non-JSON type, 400 for bad JSON."""
    declared = request.headers.get("content-length")
    if declared is not None:
        if not declared.isdigit():
            raise InvocationError("the Content-Length header is not a number")
        if int(declared) > limit:
            raise _too_large(limit)
    media_type = request.headers.get("content-type", "application/json").split(";", 1)[0].strip().lower()
    if media_type not in _JSON_TYPES and not media_type.endswith("+json"):
        raise InvocationError("the body must be application/json", status_code=415)
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise _too_large(limit)
        chunks.append(chunk)
    body = b"".join(chunks)
    if not body.strip():
        raise InvocationError("the body is empty; a JSON object is required")
    try:
        return orjson.loads(body)
    except orjson.JSONDecodeError:
        raise InvocationError("the body is not valid JSON") from None


def require_valid(payload: Any, schema: str, application_id: str) -> None:
    """400 listing every fault unless ``payload`` is a valid ``schema`` addressed to ``application_id``."""
    faults = iter_faults(payload, schema)
    if faults:
        raise InvocationError(f"the body is not a valid {schema}", faults=faults)
    if payload["applicationId"] != application_id:
        raise InvocationError(
            "the invocation is addressed to another application",
            faults=[ValidationFault("$.applicationId", "is not this app's applicationId")],
        )


def _too_large(limit: int) -> InvocationError:
    return InvocationError(f"the body exceeds the limit of {limit} bytes", status_code=413)
