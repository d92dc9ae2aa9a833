"""The IA-API operation table keyed by generated module, and the version rules that gate it.

The table is the spec's one reader, `sectra_dpat_client.wsi.paths` (method, path template, the IA-API
version that introduced it, ``x-ia-api-since``), which also hands its templates to log redaction; here
each operation is keyed by its generated module's name (``getImageInfo`` → ``get_image_info``).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from functools import cache
from types import ModuleType

from sectra_dpat_client._generated import dpat_spec

from .._core.errors import unusable_answer
from ..errors import DPATVersionError
from ..wsi.paths import UNGATED_OPERATIONS, Operation, operation_named, spec_operations

__all__ = [
    "SERVER_INFO",
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

_VERSION_PATTERN = re.compile(r"^\s*(\d+(?:\.\d+)*)")

SERVER_INFO = operation_named("getServerInfo")
"""``GET /info``: what a bad ``apiVersion`` in its answer is named by."""


@cache
def operations() -> Mapping[str, Operation]:
    """All DPAT-side operations of the bundled spec (`spec_operations`), keyed by generated module name."""
    return {operation.module: operation for operation in spec_operations().values()}


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
        raise unusable_answer(SERVER_INFO, "the server answered an apiVersion that is not a version number") from None
    return api_version
