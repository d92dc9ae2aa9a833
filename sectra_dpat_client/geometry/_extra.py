"""Importing `sectra_dpat_client.geometry` without the ``[geo]`` extra fails early, naming the extra."""

from __future__ import annotations

import importlib.util

__all__ = ["GEO_EXTRA", "require"]

GEO_EXTRA = 'pip install "sectra-dpat-client[geo]"'
"""The command that installs what the geometry package needs (shapely 2 and OpenCV)."""

MODULES = ("shapely", "cv2")


def require() -> None:
    """Raise `ModuleNotFoundError` naming `GEO_EXTRA` unless every module of the extra can be imported."""
    for module in MODULES:
        try:
            found = importlib.util.find_spec(module) is not None
        except (ImportError, ValueError):  # a module set to None in sys.modules, or a broken parent
            found = False
        if not found:
            raise ModuleNotFoundError(
                f"sectra_dpat_client.geometry needs {module!r} from the [geo] extra: {GEO_EXTRA}", name=module
            )


require()
