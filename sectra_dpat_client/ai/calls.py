"""One IA-API request before it is sent (no I/O): built by the generated ``_get_kwargs``, parsed by its parser.

The generated modules are the only place path parameters are URL-encoded and query/body values are
spelt: `prepare` asks the module for the request arguments, `Call` carries them with the operation, and
`parse` turns a 2xx answer into the generated model. `Preencoded` lets the fast path send bytes it
encoded itself through the same generated request builder.
"""

from __future__ import annotations

from dataclasses import dataclass
from types import ModuleType
from typing import Any

import httpx

from sectra_dpat_client._generated.dpat_api import Client

from .._core.errors import unusable_answer
from .operations import Operation, operation_for

__all__ = ["Call", "Preencoded", "parse", "prepare"]

_PARSE_CLIENT = Client(base_url="", raise_on_unexpected_status=False)
_OPERATIONS: dict[ModuleType, Operation] = {}


class Preencoded:
    """Stands in for a model as a generated request body: the request then carries ``content`` as is."""

    __slots__ = ("content",)

    def __init__(self, content: bytes) -> None:
        self.content = content

    def to_dict(self) -> Preencoded:
        """What the generated ``_get_kwargs`` puts under ``json``; `prepare` swaps it for the bytes."""
        return self


@dataclass(frozen=True, slots=True)
class Call:
    """One prepared request: the operation (gate, errors), its generated module (parser), the httpx arguments."""

    operation: Operation
    module: ModuleType
    kwargs: dict[str, Any]


def prepare(module: ModuleType, /, *args: Any, **kwargs: Any) -> Call:
    """The request of generated operation ``module`` for these arguments (as its ``sync_detailed`` takes them)."""
    operation = _OPERATIONS.get(module)
    if operation is None:
        operation = _OPERATIONS[module] = operation_for(module)
    request = module._get_kwargs(*args, **kwargs)
    body = request.get("json")
    if isinstance(body, Preencoded):
        del request["json"]
        request["content"] = body.content
    return Call(operation, module, request)


def parse(call: Call, response: httpx.Response) -> Any:
    """The generated parse of a 2xx answer; `DPATResponseError` (no cause: it may hold data) if it does not fit."""
    try:
        return call.module._parse_response(client=_PARSE_CLIENT, response=response)
    except (KeyError, ValueError, TypeError, AttributeError, RecursionError) as exc:  # e.g. 100k-deep JSON
        raise unusable_answer(
            call.operation, f"the answer does not match the API ({type(exc).__name__})", response.status_code
        ) from None
