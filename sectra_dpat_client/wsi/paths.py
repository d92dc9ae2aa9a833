"""Path templates of the IA-API operations wsi names in its errors, read from the bundled spec (never typed by hand)."""

from __future__ import annotations

from functools import cache

from sectra_dpat_client._generated import dpat_spec

from .._core.redact import add_path_templates

__all__ = ["path_template"]


@cache
def path_template(operation_id: str) -> str:
    """The spec's path template of ``operation_id`` (e.g. ``getSlideFiles`` -> ``/slides/{slideId}/files``)."""
    for path, item in dpat_spec.ia_api()["paths"].items():
        for operation in item.values():
            if isinstance(operation, dict) and operation.get("operationId") == operation_id:
                return str(path)
    raise LookupError(f"{operation_id!r} is not an operation of the bundled IA-API spec")


# wsi used without the clients (``download_slide_files(http, ...)``) still hides path values in logs and errors.
add_path_templates(lambda: list(dpat_spec.ia_api()["paths"]))
