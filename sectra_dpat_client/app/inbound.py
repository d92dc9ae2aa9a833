"""Checks every inbound DPAT call passes before a handler sees it: secret, size, JSON, schema, ids."""

from __future__ import annotations

import asyncio
import hmac
from typing import Any

import orjson
from starlette.requests import ClientDisconnect, Request

from .._core.auth import check_secret
from ..errors import DPATQueryError, ValidationFault
from ..validate import iter_faults
from .fastcheck import fast_faults
from .replies import InvocationError

__all__ = [
    "DEFAULT_BODY_BUDGET",
    "DETAILED_FAULTS_BYTES",
    "NESTING_LIMIT",
    "BodyBudget",
    "ClientGoneError",
    "check_application_id",
    "check_callback_token",
    "check_declared",
    "check_shared_secret",
    "depth_faults",
    "parse_json",
    "read_body",
    "read_json_body",
    "require_valid",
    "schema_faults",
]

_JSON_TYPES = ("application/json",)
DETAILED_FAULTS_BYTES = 256 * 1024  # bodies up to this size get jsonschema's fault analysis when invalid
NESTING_LIMIT = 252  # levels inside one top-level field: orjson writes 254 (the field's object and the reply's list)
DEFAULT_BODY_BUDGET = 128 * 1024 * 1024  # bytes of request bodies being read at once, receiver-wide
DEFAULT_BUDGET_WAIT = 1.0  # seconds a body waits for room in the budget before its 503


class BodyBudget:
    """A receiver-wide cap on the bytes of request bodies being read at once (event-loop only).

    A body reserves room for its bytes as they arrive (never for a length only declared, so a peer
    that sends headers and no body holds nothing). When there is no room for its first bytes it waits
    up to ``wait`` s for bodies ahead of it to finish, then is refused with 503 and ``Retry-After``;
    a body already holding room that finds none for more is refused at once. A body always fits when
    no other holds room, so one of the largest allowed size is never refused for good. The room is
    given back when the read ends, however it ends (read, 408, 413, client gone).
    """

    def __init__(self, limit: int, *, wait: float = DEFAULT_BUDGET_WAIT, retry_after: int = 5):
        if limit < 1:
            raise ValueError("max_buffered_bytes must be at least 1")
        self.limit = limit
        self.wait = wait
        self.retry_after = retry_after
        self.held = 0
        self._waiters: list[asyncio.Future[None]] = []

    def __len__(self) -> int:
        """How many bodies are waiting for room."""
        return len(self._waiters)

    async def reserve(self, size: int, *, own: int = 0) -> bool:
        """Hold ``size`` more bytes for a body holding ``own`` already; False when there was no room
        within ``wait`` s. Only a body holding nothing waits: one that holds room and finds none for more
        is refused at once (two bodies each waiting for the other's room would wait for ever)."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.wait
        while self.held > own and self.held + size > self.limit:
            if own:
                return False
            remaining = deadline - loop.time()
            if remaining <= 0:
                return False
            waiter = loop.create_future()
            self._waiters.append(waiter)
            try:
                await asyncio.wait([waiter], timeout=remaining)
            finally:
                self._waiters.remove(waiter)
        self.held += size
        return True

    def release(self, size: int) -> None:
        """Give back ``size`` bytes and wake the bodies waiting for room."""
        self.held -= size
        for waiter in self._waiters:
            if not waiter.done():
                waiter.set_result(None)

    def refusal(self) -> InvocationError:
        """The 503 of a body that found no room."""
        return InvocationError(
            "too many request bodies are being received; retry later", status_code=503, retry_after=self.retry_after
        )


class ClientGoneError(Exception):
    """The client disconnected before its body arrived: nobody is left to answer."""


def check_shared_secret(request: Request, header: str, secret: str | None) -> None:
    """401 unless ``header`` carries ``secret`` (no check when ``secret`` is None)."""
    if secret is None:
        return
    given = request.headers.get(header, "")
    if not hmac.compare_digest(given.encode("utf-8"), secret.encode("utf-8")):
        raise InvocationError(f"missing or wrong {header} header", status_code=401)


def check_declared(request: Request, limit: int) -> None:
    """Before reading: 413 for a declared length beyond ``limit``, 415 for a non-JSON type."""
    declared = request.headers.get("content-length")
    if declared is not None:
        if not declared.isdigit():
            raise InvocationError("the Content-Length header is not a number")
        if int(declared) > limit:
            raise _too_large(limit)
    media_type = request.headers.get("content-type", "application/json").split(";", 1)[0].strip().lower()
    if media_type not in _JSON_TYPES and not media_type.endswith("+json"):
        raise InvocationError("the body must be application/json", status_code=415)


async def read_body(
    request: Request,
    limit: int,
    timeout: float | None,  # noqa: ASYNC109
    budget: BodyBudget | None = None,
) -> bytes:
    """The body: 413 beyond ``limit`` bytes, 408 unless it all arrived within ``timeout`` s, 503 with
    ``Retry-After`` when ``budget`` had no room for it (the body is read to its end and dropped
    first, so the client, still sending, gets the answer)."""
    chunks: list[bytes] = []
    size = held = 0
    try:
        async with asyncio.timeout(timeout):
            async for chunk in request.stream():
                size += len(chunk)
                if size > limit:
                    raise _too_large(limit)
                if budget is not None and size > held:  # room for what has arrived, never for what is only declared
                    if not await budget.reserve(size - held, own=held):
                        chunks.clear()
                        budget.release(held)
                        held = 0
                        await _drain(request)
                        raise budget.refusal()
                    held = size
                chunks.append(chunk)
            return b"".join(chunks)
    except TimeoutError:
        raise InvocationError(f"the body did not arrive within {timeout:g} s", status_code=408) from None
    except ClientDisconnect:
        raise ClientGoneError from None
    finally:
        if budget is not None and held:
            budget.release(held)
            held = 0


async def _drain(request: Request) -> None:
    """Read the rest of the body without keeping it."""
    async for _chunk in request.stream():
        pass


async def read_json_body(request: Request, limit: int, timeout: float | None = None) -> Any:  # noqa: ASYNC109
    """The request's JSON body: 413 beyond ``limit`` bytes, 415 for a non-JSON type, 400 for bad JSON."""
    check_declared(request, limit)
    return parse_json(await read_body(request, limit, timeout))


def parse_json(body: bytes) -> Any:
    """The parsed body: 400 when empty or not JSON."""
    if not body.strip():
        raise InvocationError("the body is empty; a JSON object is required")
    try:
        return orjson.loads(body)
    except orjson.JSONDecodeError:
        raise InvocationError("the body is not valid JSON") from None


def check_application_id(payload: Any, application_id: str) -> None:
    """400 when ``payload`` names another application (a cheap check, before the schema)."""
    named = payload.get("applicationId") if isinstance(payload, dict) else None
    if isinstance(named, str) and named != application_id:
        raise InvocationError(
            "the invocation is addressed to another application",
            faults=[ValidationFault("$.applicationId", "is not this app's applicationId")],
        )


def check_callback_token(payload: Any) -> None:
    """400 naming ``$.callbackInfo.token`` when the token could not go into a header as given (empty,
    surrounding whitespace such as a newline, control characters, non-ASCII): refused before a job
    starts, never echoed. An absent or non-string token is left to the schema."""
    callback = payload.get("callbackInfo") if isinstance(payload, dict) else None
    token = callback.get("token") if isinstance(callback, dict) else None
    if not isinstance(token, str):
        return
    if not token:
        problem = "is empty"
    else:
        try:
            check_secret("the callback token", token)
        except DPATQueryError:
            problem = "cannot be sent as a bearer token (whitespace, a control character or non-ASCII text)"
        else:
            return
    raise InvocationError("the callback token is not usable", faults=[ValidationFault("$.callbackInfo.token", problem)])


def schema_faults(payload: Any, schema: str, size: int) -> list[ValidationFault]:
    """The faults of ``payload`` (``size`` bytes on the wire): the fast check first; the detailed
    jsonschema analysis only for small invalid bodies (large ones get the fast check's faults);
    then `depth_faults`."""
    faults = fast_faults(payload, schema)
    if faults and size <= DETAILED_FAULTS_BYTES:
        faults = iter_faults(payload, schema) or faults
    if isinstance(payload, dict):
        faults = faults + depth_faults(payload)
    return faults


def depth_faults(payload: dict[str, Any]) -> list[ValidationFault]:
    """A fault for each top-level field but ``input`` nested deeper than `NESTING_LIMIT` levels.

    Such a field cannot be written back as JSON (replay key, the offload worker's reply, a handler
    echoing the context): refused up front rather than failing later. One ``orjson.dumps`` of the
    small fields when none is too deep."""
    fields = {name: value for name, value in payload.items() if name != "input"}
    if not _too_deep([fields]):
        return []
    return [
        ValidationFault(f"$.{name}", f"is nested more than {NESTING_LIMIT} levels deep")
        for name, value in fields.items()
        if _too_deep([{name: value}])
    ]


def _too_deep(value: Any) -> bool:
    try:
        orjson.dumps(value)
    except TypeError:  # "Recursion limit reached": orjson.loads reads up to 1024 levels, dumps writes 254
        return True
    return False


def require_valid(payload: Any, schema: str, application_id: str, size: int = 0) -> None:
    """400 listing the faults unless ``payload`` is a valid ``schema`` addressed to ``application_id``."""
    check_application_id(payload, application_id)
    faults = schema_faults(payload, schema, size)
    if faults:
        raise InvocationError(f"the body is not a valid {schema}", faults=faults)


def _too_large(limit: int) -> InvocationError:
    return InvocationError(f"the body exceeds the limit of {limit} bytes", status_code=413)
