"""The IA-API operation table, read from the bundled spec: the one reader of its operations.

Each `Operation` is one ``operationId`` of the spec with its method, path template, the IA-API version
that introduced it (``x-ia-api-since``) and whether it takes the version header. The IA-API clients gate
and name their calls with it (``sectra_dpat_client.ai.operations`` keys it by generated module and adds
the version rules); wsi names its errors with it (`operation_named`, `path_template`), so wsi used alone
needs no client. No path template is typed by hand anywhere else.

The table's templates and the IA-API query parameters whose values are safe to log (`SAFE_QUERY_KEYS`)
are handed to log redaction here, so wsi used without the clients (``download_slide_files(http, ...)``)
still hides path values in logs and errors.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache

from sectra_dpat_client._generated import dpat_spec

from .._core.redact import add_path_templates, add_safe_query_keys

__all__ = ["SAFE_QUERY_KEYS", "UNGATED_OPERATIONS", "Operation", "operation_named", "path_template", "spec_operations"]

_METHODS = ("get", "put", "post", "delete", "patch", "head", "options")

# Operations sent without reading /info first: /info itself, /token (needed to read /info at all) and
# /launchdata (the bootstrap call of a launched app, made before it has any token).
UNGATED_OPERATIONS = frozenset({"getServerInfo", "createToken", "getLaunchData"})


@dataclass(frozen=True, slots=True)
class Operation:
    """One DPAT-side operation of the spec: what to gate on and what to name in errors (a `NamedOperation`)."""

    operation_id: str
    method: str
    path: str
    since: str
    sends_version_header: bool

    @property
    def module(self) -> str:
        """The generated module's name (``getImageInfo`` → ``get_image_info``)."""
        return re.sub(r"(?<!^)(?=[A-Z])", "_", self.operation_id).lower()

    @property
    def gated(self) -> bool:
        """Whether the server's version must be known (and new enough) before this is sent."""
        return self.operation_id not in UNGATED_OPERATIONS


@cache
def spec_operations() -> Mapping[str, Operation]:
    """Every operation of the bundled IA-API spec, keyed by ``operationId`` (``getImageInfo``)."""
    table: dict[str, Operation] = {}
    for path, item in dpat_spec.ia_api()["paths"].items():
        for method in _METHODS:
            op = item.get(method)
            if op is None:
                continue
            params = [*item.get("parameters", []), *op.get("parameters", [])]
            table[op["operationId"]] = Operation(
                operation_id=op["operationId"],
                method=method.upper(),
                path=path,
                since=str(op["x-ia-api-since"]),
                sends_version_header=any(p.get("$ref", "").endswith("/ApiVersionHeader") for p in params),
            )
    return table


def operation_named(operation_id: str) -> Operation:
    """The spec's operation ``operation_id``; `LookupError` if the bundled spec has none of that name."""
    try:
        return spec_operations()[operation_id]
    except KeyError:
        raise LookupError(f"{operation_id!r} is not an operation of the bundled IA-API spec") from None


def path_template(operation_id: str) -> str:
    """The spec's path template of ``operation_id`` (e.g. ``getSlideFiles`` -> ``/slides/{slideId}/files``)."""
    return operation_named(operation_id).path


# IA-API query parameters (and the /token form's grant_type) whose values are never patient data or secrets.
SAFE_QUERY_KEYS = frozenset({"scope", "includePHI", "opticalPath", "channels", "appId", "applicationId", "grant_type"})

add_path_templates(lambda: [operation.path for operation in spec_operations().values()])
add_safe_query_keys(SAFE_QUERY_KEYS)
