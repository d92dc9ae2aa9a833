"""Argument rules of the IA-API calls (no I/O): path segments, query flags, ``Range`` headers."""

from __future__ import annotations

from typing import Any, TypeVar

import httpx

from sectra_dpat_client._generated.dpat_api.models import InfoScope

from ..errors import DPATQueryError

__all__ = [
    "apply_range",
    "content_or_none",
    "flag",
    "info_scope",
    "optional",
    "path_segment",
    "range_header",
    "require_app_id",
]

T = TypeVar("T")


# Why a value read from an answer may be absent, for the values that are path segments of another call.
_ABSENT_HINTS = {
    "accession_number": (
        ": the image info carries accessionNumber only when asked with phi=True "
        "(get_image_info(slide_id, phi=True)); get_image_infos_in_case_by_slide_id(slide_id) needs none"
    ),
}


def path_segment(name: str, value: str) -> str:
    """``value`` if it can be sent as one URL path segment.

    Every character is percent-encoded by the generated code, but ``.``, ``..`` and the empty string
    would still change the path (dot segments are resolved by URL rules), so they are refused.
    """
    if not isinstance(value, str):
        if value is None:
            raise DPATQueryError(f"{name} is absent{_ABSENT_HINTS.get(name, '')}")
        raise DPATQueryError(f"{name} must be a string, not {type(value).__name__}")
    if value in ("", ".", ".."):
        raise DPATQueryError(f"{name} must not be empty, '.' or '..': it would change the request path")
    return value


def require_app_id(app_id: str | None) -> str:
    """The client's application id; result calls cannot be made without one."""
    if app_id is None:
        raise DPATQueryError(
            "this call needs the application id: pass app_id= when creating the client. It is the "
            "invocation's applicationId (an AnalysisApp's ctx.client has it already), the same as your "
            "app's registration (AnalysisApp(application_id=...))"
        )
    return path_segment("app_id", app_id)


def info_scope(extended: bool) -> InfoScope | None:
    """The ``scope`` query value for `get_image_info` (None: left out)."""
    return InfoScope.EXTENDED if extended else None


def flag(value: bool) -> bool | None:
    """A boolean query flag: sent as ``true`` when set, left out (None) otherwise."""
    return True if value else None


def optional(value: T | None) -> T | None:
    """The value as the generated code takes it: None is "leave it out"."""
    return value


def range_header(byte_range: tuple[int, int | None] | None) -> str | None:
    """``(start, end)`` (end inclusive, None = to the end) → ``bytes=start-end``."""
    if byte_range is None:
        return None
    start, end = byte_range
    if start < 0 or (end is not None and end < start):
        raise DPATQueryError("byte_range must be (start, end) with 0 <= start <= end, or (start, None)")
    return f"bytes={start}-{'' if end is None else end}"


def apply_range(status_code: int, content: bytes, byte_range: tuple[int, int | None] | None) -> bytes:
    """The requested bytes, also when the server ignored ``Range`` and sent the whole body (200)."""
    if byte_range is None or status_code == 206:
        return content
    start, end = byte_range
    return content[start : None if end is None else end + 1]


def content_or_none(response: httpx.Response | Any) -> bytes | None:
    """The body of a binary answer, or None for 204 No Content."""
    return None if int(response.status_code) == 204 else bytes(response.content)
