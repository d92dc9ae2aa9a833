"""The wsi names whose code lives with the IA-API clients, imported from there on first use.

Region reading and downloads do network I/O, so they are the clients' (``ai/_async/regions.py``,
``ai/_async/downloads.py``, ``ai/_async/caller_http.py`` and their generated ``ai/_sync/`` twins). Their
old wsi names stay importable: `lazy_getattr` makes a module ``__getattr__`` that imports one on first
use, so importing wsi alone imports no client.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterable
from typing import Any

__all__ = ["CLIENT_FUNCTIONS", "lazy_dir", "lazy_getattr"]

_AI = "sectra_dpat_client.ai"
CLIENT_FUNCTIONS: dict[str, str] = {
    "read_region": f"{_AI}._sync.regions",
    "read_region_async": f"{_AI}._async.regions",
    "get_thumbnail": f"{_AI}._sync.regions",
    "get_thumbnail_async": f"{_AI}._async.regions",
    "download_case": f"{_AI}._sync.downloads",
    "download_case_async": f"{_AI}._async.downloads",
    "download_slide_files": f"{_AI}._sync.caller_http",  # deprecated: the raw-httpx function
    "download_slide_files_async": f"{_AI}._async.caller_http",
}
"""wsi name -> the module (with the IA-API clients) that defines it under the same name."""


def lazy_getattr(module: str, namespace: dict[str, Any], names: Iterable[str]) -> Callable[[str], Any]:
    """A ``__getattr__`` for ``module`` that imports each of ``names`` from `CLIENT_FUNCTIONS` on first use."""
    wanted = frozenset(names)

    def module_getattr(name: str) -> Any:
        if name not in wanted:
            raise AttributeError(f"module {module!r} has no attribute {name!r}")
        value = getattr(importlib.import_module(CLIENT_FUNCTIONS[name]), name)
        namespace[name] = value
        return value

    return module_getattr


def lazy_dir(namespace: dict[str, Any], names: Iterable[str]) -> Callable[[], list[str]]:
    """A module ``__dir__`` that lists ``names`` too, before their first use (completion, `dir`)."""
    wanted = frozenset(names)
    return lambda: sorted({*namespace, *wanted})
