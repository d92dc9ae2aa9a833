"""The base-URL check every client runs when it is made (IA-API and QIDO-RS, sync and async)."""

from __future__ import annotations

import httpx

from ..errors import DPATQueryError

__all__ = ["check_base_url"]


def check_base_url(url: object, what: str) -> str:
    """``url`` without trailing slashes, or `DPATQueryError` saying what is wrong (never the URL itself).

    Refused: no ``http://``/``https://`` scheme; whitespace, control characters or non-ASCII text (such as
    full-width digits or a raw CRLF; httpx would percent-encode or reject them later); a query string or
    fragment (request paths are appended to the base URL); anything httpx cannot parse, or no host.
    ``what`` names the URL in the message (``"the IA-API base URL"``). The URL may carry credentials,
    so no message or chained cause holds it.
    """
    if not isinstance(url, str) or not url.startswith(("http://", "https://")):
        raise DPATQueryError(f"url must be {what}, starting with http:// or https://")
    if not url.isascii() or any(char.isspace() or not char.isprintable() for char in url):
        raise DPATQueryError("url holds whitespace, a control character or non-ASCII text (full-width digits?)")
    if "?" in url or "#" in url:
        raise DPATQueryError(f"url must be {what} without a query string or fragment (paths are appended to it)")
    try:
        parsed = httpx.URL(url)
    except httpx.InvalidURL:
        raise DPATQueryError("url is not a valid URL") from None
    if not parsed.host:
        raise DPATQueryError(f"url must be {what} with a host")
    return url.rstrip("/")
