"""The IA-API operation table, read from the bundled spec, and the version rules that gate it.

Each operation (method, path template, the IA-API version that introduced it, ``x-ia-api-since``) is
keyed by its generated module's name (``getImageInfo`` → ``get_image_info``). The table's path
templates are handed to log redaction here, so `sectra_dpat_client._core` knows no endpoint.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from types import ModuleType

from sectra_dpat_client._generated import dpat_spec

from .._core.redact import add_path_templates
from ..errors import DPATResponseError, DPATVersionError

__all__ = [
    "SPEC_VERSION",
    "UNGATED_OPERATIONS",
    "Operation",
    "check_version",
    "header_version",
    "operation_for",
    "operations",
    "parse_server_version",
    "parse_version",
]

_METHODS = ("get", "put", "post", "delete", "patch", "head", "options")
_VERSION_PATTERN = re.compile(r"^\s*(\d+(?:\.\d+)*)")

# Operations sent without reading /info first: /info itself, /token (needed to read /info at all) and
# /launchdata (the bootstrap call of a launched app, made before it has any token).
UNGATED_OPERATIONS = frozenset({"getServerInfo", "createToken", "getLaunchData"})


@dataclass(frozen=True, slots=True)
class Operation:
    """One DPAT-side operation of the spec: what to gate on and what to name in errors."""

    operation_id: str
    method: str
    path: str
    since: str
    sends_version_header: bool

    @property
    def module(self) -> str:
        """The generated module's name (``getImageInfo`` → ``get_image_info``)."""
        return _snake(self.operation_id)

    @property
    def gated(self) -> bool:
        """Whether the server's version must be known (and new enough) before this is sent."""
        return self.operation_id not in UNGATED_OPERATIONS


def _snake(name: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()


@cache
def operations() -> Mapping[str, Operation]:
    """All DPAT-side operations of the bundled spec, keyed by generated module name."""
    spec = dpat_spec.ia_api()
    table: dict[str, Operation] = {}
    for path, item in spec["paths"].items():
        for method in _METHODS:
            op = item.get(method)
            if op is None:
                continue
            params = [*item.get("parameters", []), *op.get("parameters", [])]
            operation = Operation(
                operation_id=op["operationId"],
                method=method.upper(),
                path=path,
                since=str(op["x-ia-api-since"]),
                sends_version_header=any(p.get("$ref", "").endswith("/ApiVersionHeader") for p in params),
            )
            table[operation.module] = operation
    return table


add_path_templates(lambda: [operation.path for operation in operations().values()])


def operation_for(module: ModuleType | str) -> Operation:
    """The operation of a generated module (``dpat_api.api.slides.get_image_info``) or module name."""
    name = module if isinstance(module, str) else module.__name__.rsplit(".", 1)[-1]
    try:
        return operations()[name]
    except KeyError:
        raise LookupError(f"{name!r} is not an operation of the bundled spec") from None


SPEC_VERSION: str = str(dpat_spec.ia_api()["info"]["version"])


@cache
def parse_version(text: str) -> tuple[int, ...]:
    """``"1.10"`` → ``(1, 10)``, so that 1.10 > 1.9. Trailing text (``"4.2-beta"``) is ignored."""
    match = _VERSION_PATTERN.match(text)
    if match is None:
        raise ValueError(f"not a version number: {text[:40]!r}")
    return tuple(int(part) for part in match.group(1).split("."))


def check_version(operation: Operation, server_version: str) -> None:
    """Raise `DPATVersionError` when the operation is newer than the server's IA-API version."""
    if parse_version(server_version) < parse_version(operation.since):
        raise DPATVersionError(operation.operation_id, operation.since, server_version)


def header_version(configured: str | None, server_version: str | None) -> str:
    """The ``X-Sectra-ApiVersion`` to send.

    An explicitly configured version wins. Otherwise the client targets the version it was built
    for (the spec's), lowered to the server's own version once that is known, so a server never
    sees a dialect newer than it speaks.
    """
    if configured is not None:
        return configured
    if server_version is None:
        return SPEC_VERSION
    return min(SPEC_VERSION, server_version, key=parse_version)


def parse_server_version(api_version: str) -> str:
    """The server's ``apiVersion``, checked to be comparable; `DPATResponseError` otherwise."""
    try:
        if not isinstance(api_version, str):  # e.g. {"apiVersion": 1.1}
            raise ValueError(api_version)
        parse_version(api_version)
    except ValueError:
        raise DPATResponseError(
            "the server's /info answered an apiVersion that is not a version number", path="/info"
        ) from None
    return api_version
